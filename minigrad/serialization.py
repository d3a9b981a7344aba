"""``minigrad.save`` / ``minigrad.load``: checkpoints as plain ``.npz`` archives, never pickles.

A checkpoint is a NumPy ``.npz`` (zip) archive. Each tensor's data is one array
entry; the nested Python structure around them (dicts, lists, tuples, numbers,
strings, bools, None) is a JSON document stored as UTF-8 bytes in the
``__structure__`` entry, where every tensor appears as a reference to its entry
plus its dtype, shape and device. So a checkpoint opens with
``numpy.load(path, allow_pickle=False)``, from any language with a zip and JSON
reader, and loading one can never run code.

Tagged JSON nodes keep what JSON alone would lose: ``{"dict": [[key, value], ...]}``
keeps integer keys (optimizer state uses them) and order, ``{"tuple": [...]}``
keeps tuples apart from ``{"list": [...]}``. Numbers, strings, bools and None are
plain JSON values.

Saving writes a temporary file in the destination's directory, fsyncs it and
renames it over the destination, so a crash mid-save leaves the previous
checkpoint intact.

This module uses NumPy only for host-side file I/O.
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, BinaryIO, Union

import numpy as np

from .atomic import atomic_write
from .tensor import Tensor

PathLike = Union[str, "os.PathLike[str]"]

FORMAT = "minigrad.checkpoint"
VERSION = 1
STRUCTURE_KEY = "__structure__"
_ARRAY_KINDS = "biufc"  # dtypes that npz stores without pickling


class CheckpointError(RuntimeError):
    """A file that is not, or no longer, a valid minigrad checkpoint."""


# --- saving ------------------------------------------------------------------------------------
def save(obj: Any, f: PathLike | BinaryIO) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of tensors and plain values) to a checkpoint.

    ``f`` is a path (written atomically) or a binary file object (written as is).
    """
    entries = _Encoder().archive(obj)
    if hasattr(f, "write"):
        _write_archive(f, entries)
        return
    atomic_write(f, lambda fh: _write_archive(fh, entries))


def _write_archive(fh: BinaryIO, entries: dict[str, np.ndarray]) -> None:
    """The archive itself: one ``.npy`` member per entry."""
    np.savez(fh, **entries)


class _Encoder:
    """Walks the object once, collecting arrays and building the JSON structure."""

    def __init__(self) -> None:
        self.entries: dict[str, np.ndarray] = {}
        self.tensor_keys: dict[int, str] = {}
        self.keep_alive: list[Any] = []  # ids are only unique while the objects live
        self.active: set[int] = set()

    def archive(self, obj: Any) -> dict[str, np.ndarray]:
        root = self.encode(obj, "obj")
        header = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
        self.entries[STRUCTURE_KEY] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
        return self.entries

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            return self.ndarray(obj, where)
        if isinstance(obj, np.generic):  # NumPy scalars (np.float32(0.5), np.int64(3)) -> Python
            return self.encode(obj.item(), where)
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError(f"save: {where} contains itself; checkpoints must be trees")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    return {"dict": [[self.key(k, where), self.encode(v, f"{where}[{k!r}]")]
                                     for k, v in obj.items()]}
                tag = "tuple" if isinstance(obj, tuple) else "list"
                return {tag: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"save: cannot save {where} of type {type(obj).__name__}; checkpoints hold "
                        "tensors, numbers, strings, bools, None and dicts/lists/tuples of them "
                        "(save a module's or optimizer's state_dict(), not the object)")

    def key(self, key: Any, where: str) -> Any:
        if key is None or isinstance(key, (bool, int, float, str, np.generic)):
            return self.encode(key, where)
        if isinstance(key, tuple):
            return {"tuple": [self.key(k, where) for k in key]}
        raise TypeError(f"save: dict key {key!r} in {where} has type {type(key).__name__}; keys "
                        "must be strings, numbers, bools, None or tuples of them")

    def _add(self, array: np.ndarray) -> str:
        name = f"a{len(self.entries)}"
        self.entries[name] = array
        return name

    def tensor(self, t: Tensor) -> dict[str, Any]:
        name = self.tensor_keys.get(id(t))
        array = None
        if name is None:  # the same tensor twice (tied weights) is stored once, loaded once
            array = np.asarray(t.backend.to_numpy(t.array), order="C")
            name = self._add(array)
            self.tensor_keys[id(t)] = name
            self.keep_alive.append(t)
        else:
            array = self.entries[name]
        node = {"tensor": name, "dtype": array.dtype.str, "shape": list(array.shape),
                "device": t.device, "requires_grad": bool(t.requires_grad)}
        if type(t).__name__ == "Parameter":
            node["parameter"] = True
        return node

    def ndarray(self, array: np.ndarray, where: str) -> dict[str, Any]:
        if array.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"save: {where} is a NumPy array of dtype {array.dtype}, which cannot "
                            "be stored without pickling")
        array = np.asarray(array, order="C")
        return {"ndarray": self._add(array), "dtype": array.dtype.str, "shape": list(array.shape)}


# --- loading -----------------------------------------------------------------------------------
def load(f: PathLike | BinaryIO, map_location: Any = None) -> Any:
    """Read a checkpoint written by ``save``; nothing in the file is ever executed.

    ``map_location``: None puts each tensor back on the device it was saved from
    (falling back to the CPU, with a warning, when that device is unavailable);
    ``'cpu'``/``'cuda'`` puts every tensor there; a dict such as ``{'cuda': 'cpu'}``
    maps saved devices to devices.
    """
    where = repr(os.fspath(f)) if not hasattr(f, "read") else f"<{type(f).__name__}>"
    _check_map_location(map_location)
    try:
        archive = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no checkpoint at {where}") from None
    except (PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # BadZipFile, ValueError, OSError, EOFError, ...
        raise CheckpointError(f"load: {where} is not a readable minigrad checkpoint (not a valid "
                              f".npz archive: {type(exc).__name__}: {exc})") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {where} is a single .npy array, not a minigrad checkpoint "
                              "(.npz archive)")
    with archive:
        return _Decoder(archive, where, map_location).run()


def _check_map_location(map_location: Any) -> None:
    if map_location is None or isinstance(map_location, str):
        return
    if isinstance(map_location, dict) and all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in map_location.items()):
        return
    raise TypeError(f"load: map_location must be None, a device name ('cpu', 'cuda') or a dict "
                    f"of device names, got {map_location!r}")


class _Decoder:
    """Rebuilds the object from the structure, checking every reference against the archive."""

    def __init__(self, archive: Any, where: str, map_location: Any):
        self.archive = archive
        self.where = where
        self.map_location = map_location
        self.names = set(archive.files)
        self.tensors: dict[str, Tensor] = {}
        self.warned: set[str] = set()

    def fail(self, detail: str) -> CheckpointError:
        return CheckpointError(f"load: {self.where} is corrupt or not a minigrad checkpoint: "
                               f"{detail}")

    def read(self, name: str) -> np.ndarray:
        if name not in self.names:
            raise self.fail(f"the structure refers to array entry {name!r}, which the archive "
                            f"does not contain")
        try:
            return self.archive[name]
        except Exception as exc:  # bad CRC, truncated member, bad .npy header
            raise self.fail(f"array entry {name!r} cannot be read ({type(exc).__name__}: "
                            f"{exc})") from exc

    def run(self) -> Any:
        if STRUCTURE_KEY not in self.names:
            raise self.fail(f"it has no {STRUCTURE_KEY!r} entry (entries: "
                            f"{sorted(self.names)[:10]})")
        raw = self.read(STRUCTURE_KEY)
        try:
            header = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise self.fail(f"its {STRUCTURE_KEY!r} entry is not valid JSON ({exc})") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT or "root" not in header:
            raise self.fail(f"its {STRUCTURE_KEY!r} entry is not a {FORMAT} header")
        if header.get("version") != VERSION:
            raise self.fail(f"checkpoint format version {header.get('version')!r} is not "
                            f"supported (this minigrad reads version {VERSION})")
        return self.decode(header["root"], "obj")

    def decode(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            if "dict" in node and len(node) == 1 and isinstance(node["dict"], list):
                out = {}
                for item in node["dict"]:
                    if not isinstance(item, list) or len(item) != 2:
                        raise self.fail(f"{where} has a malformed dict item {item!r}")
                    key = self.decode(item[0], where)
                    try:
                        hash(key)
                    except TypeError:
                        raise self.fail(f"{where} has an unhashable key {key!r}") from None
                    out[key] = self.decode(item[1], f"{where}[{key!r}]")
                return out
            if "list" in node and len(node) == 1 and isinstance(node["list"], list):
                return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node["list"])]
            if "tuple" in node and len(node) == 1 and isinstance(node["tuple"], list):
                return tuple(self.decode(v, f"{where}[{i}]") for i, v in enumerate(node["tuple"]))
            if "tensor" in node:
                return self.tensor(node, where)
            if "ndarray" in node:
                return self.array(node, "ndarray", where)
        raise self.fail(f"{where} has an unknown structure node {str(node)[:80]}")

    def array(self, node: dict, tag: str, where: str) -> np.ndarray:
        name = node.get(tag)
        if not isinstance(name, str):
            raise self.fail(f"{where} has a malformed {tag} reference {name!r}")
        array = self.read(name)
        recorded_shape = node.get("shape")
        if not isinstance(recorded_shape, list) or tuple(recorded_shape) != array.shape:
            raise self.fail(f"{where}: entry {name!r} has shape {array.shape} but the structure "
                            f"records {recorded_shape}")
        if node.get("dtype") != array.dtype.str:
            raise self.fail(f"{where}: entry {name!r} has dtype {array.dtype} but the structure "
                            f"records {node.get('dtype')!r}")
        if array.dtype.kind not in _ARRAY_KINDS:
            raise self.fail(f"{where}: entry {name!r} has unsupported dtype {array.dtype}")
        if not array.flags.writeable:
            array = array.copy()
        return array

    def tensor(self, node: dict, where: str) -> Tensor:
        name = node.get("tensor")
        cached = self.tensors.get(name) if isinstance(name, str) else None
        if cached is not None:
            return cached
        array = self.array(node, "tensor", where)
        if array.dtype.kind not in "fiub":
            raise self.fail(f"{where}: entry {name!r} has dtype {array.dtype}, which a tensor "
                            "cannot hold")
        device = self.device(node.get("device"), where)
        from .backend import get_backend
        tensor = Tensor._make(get_backend(device).asarray(array) if device != "cpu" else array,
                              device)
        requires_grad = node.get("requires_grad", False) is True
        if node.get("parameter") is True:
            from .nn.parameter import Parameter
            tensor = Parameter(tensor, requires_grad=requires_grad)
        elif requires_grad:
            if array.dtype.kind != "f":
                raise self.fail(f"{where}: a {array.dtype} tensor is recorded as requiring grad")
            tensor.requires_grad = True
        self.tensors[name] = tensor
        return tensor

    def device(self, recorded: Any, where: str) -> str:
        from .backend import normalize_device
        if not isinstance(recorded, str):
            raise self.fail(f"{where} records no device")
        try:
            recorded = normalize_device(recorded)
        except ValueError as exc:
            raise self.fail(f"{where} records unknown device {recorded!r}") from exc
        target = self.map_location
        if isinstance(target, dict):
            target = target.get(recorded, target.get(recorded + ":0", recorded))
        if target is not None:
            return normalize_device(target)
        if recorded != "cpu" and not _device_available(recorded):
            if recorded not in self.warned:
                self.warned.add(recorded)
                warnings.warn(f"load: {self.where} holds tensors saved on {recorded!r}, which is "
                              "not available here; loading them on 'cpu' (pass map_location to "
                              "choose)", RuntimeWarning, stacklevel=4)
            return "cpu"
        return recorded


def _device_available(device: str) -> bool:
    from .backend import get_backend
    try:
        get_backend(device)
    except Exception:
        return False
    return True


__all__ = ["save", "load", "CheckpointError"]
