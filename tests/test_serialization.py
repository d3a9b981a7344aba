"""mg.save / mg.load: a pickle-free .npz checkpoint, atomic writes, devices, corruption errors,
and bit-identical models after a round trip."""
from __future__ import annotations

import io
import json
import math
import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import serialization
from minigrad.serialization import CheckpointError
from devices import TEST_DEVICE


def _tensors_equal(a, b):
    assert isinstance(b, mg.Tensor) and a.dtype == b.dtype and a.shape == b.shape
    assert a.device == b.device
    np.testing.assert_array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy())


# --- round trips --------------------------------------------------------------------------
def test_nested_structure_round_trips_exactly(tmp_path):
    obj = {
        "model": {"w": mg.randn(3, 4), "b": mg.zeros(4, dtype=mg.float64)},
        "optimizer": {"state": {0: {"step": 10, "exp_avg": mg.ones(2)}, 1: {}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1]}]},
        "epoch": 7, "metrics": [0.5, float("inf"), -0.0, None, True, False, "näive ✓"],
        "big": 2 ** 80, (1, "a"): "tuple key", 2.5: "float key", None: "none key",
        "empty": {"list": [], "tuple": (), "dict": {}},
    }
    path = tmp_path / "ckpt.pt"
    mg.save(obj, path)
    out = mg.load(path)
    assert list(out) == list(obj)
    _tensors_equal(obj["model"]["w"], out["model"]["w"])
    _tensors_equal(obj["model"]["b"], out["model"]["b"])
    state = out["optimizer"]["state"]
    assert list(state) == [0, 1] and all(type(k) is int for k in state)
    assert state[0]["step"] == 10 and type(state[0]["step"]) is int
    assert out["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert type(out["optimizer"]["param_groups"][0]["params"]) is list
    assert out["metrics"][:2] == [0.5, float("inf")] and math.copysign(1, out["metrics"][2]) == -1
    assert out["metrics"][3:] == [None, True, False, "näive ✓"]
    assert out["big"] == 2 ** 80 and out[(1, "a")] == "tuple key" and out[2.5] == "float key"
    assert out[None] == "none key"
    assert out["empty"] == {"list": [], "tuple": (), "dict": {}}
    assert type(out["empty"]["tuple"]) is tuple


def test_nan_and_plain_values_at_the_root(tmp_path):
    for value in (float("nan"), 3, "text", None, [1, (2, 3)]):
        mg.save(value, tmp_path / "v")
        out = mg.load(tmp_path / "v")
        assert (math.isnan(out) if isinstance(value, float) else out == value)


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64, mg.float16, mg.int64, mg.int32,
                                   mg.uint8, mg.bool])
@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 4)])
def test_every_tensor_dtype_and_shape(dtype, shape, tmp_path):
    t = mg.tensor(np.random.default_rng(0).standard_normal(shape) * 10, dtype=dtype)
    mg.save({"t": t}, tmp_path / "t.npz")
    _tensors_equal(t, mg.load(tmp_path / "t.npz")["t"])


def test_non_contiguous_tensor_and_numpy_values(tmp_path):
    t = mg.randn(4, 3).transpose(0, 1)
    arr = np.arange(12, dtype=np.int16).reshape(3, 4)[:, ::2]
    mg.save({"t": t, "arr": arr, "np_scalars": [np.float32(0.25), np.int64(3), np.bool_(True)]},
            tmp_path / "c")
    out = mg.load(tmp_path / "c")
    _tensors_equal(t, out["t"])
    assert out["arr"].dtype == np.int16
    np.testing.assert_array_equal(out["arr"], arr)
    assert out["np_scalars"] == [0.25, 3, True]


def test_requires_grad_and_shared_tensors_are_preserved(tmp_path):
    w = mg.randn(2, 2, requires_grad=True)
    tied = {"encoder": w, "decoder": w, "other": mg.randn(2)}
    mg.save(tied, tmp_path / "tied")
    out = mg.load(tmp_path / "tied")
    assert out["encoder"] is out["decoder"]
    assert out["encoder"].requires_grad and out["encoder"].is_leaf
    assert not out["other"].requires_grad
    assert len(np.load(tmp_path / "tied", allow_pickle=False).files) == 3  # 2 arrays + structure
    out["encoder"].array[0, 0] = 5.0  # loaded arrays are writable (optimizers update in place)


def test_the_file_is_a_plain_npz_that_never_needs_pickle(tmp_path):
    obj = {"w": mg.randn(2, 3), "step": 4}
    mg.save(obj, tmp_path / "plain.npz")
    with np.load(tmp_path / "plain.npz", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}  # reads every entry
    header = json.loads(arrays.pop("__structure__").tobytes().decode("utf-8"))
    assert header["format"] == "minigrad.checkpoint" and header["version"] == 1
    (name,) = arrays
    np.testing.assert_array_equal(arrays[name], obj["w"].numpy())
    assert "tensor" in json.dumps(header["root"])
    assert f'"device": "{TEST_DEVICE}"' in json.dumps(header)
    with zipfile.ZipFile(tmp_path / "plain.npz") as zf:
        assert not any(b"pickle" in zf.read(n) or b"\x80\x04" in zf.read(n)[:2]
                       for n in zf.namelist())


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    mg.save({"x": mg.arange(5)}, buf)
    buf.seek(0)
    _tensors_equal(mg.arange(5), mg.load(buf)["x"])


def test_unsupported_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "bad"
    with pytest.raises(TypeError, match=r"obj\['fn'\] of type function"):
        mg.save({"fn": lambda: 0}, path)
    with pytest.raises(TypeError, match="set"):
        mg.save({"s": {1, 2}}, path)
    with pytest.raises(TypeError, match="without pickling"):
        mg.save({"o": np.array([object()])}, path)
    with pytest.raises(TypeError, match="dict key"):
        mg.save({frozenset(): 1}, path)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        mg.save(loop, path)
    assert os.listdir(tmp_path) == []


# --- atomic writes ------------------------------------------------------------------------
@pytest.mark.parametrize("crash", [OSError("No space left on device"), KeyboardInterrupt()])
def test_a_crash_mid_save_keeps_the_previous_checkpoint(crash, tmp_path, monkeypatch):
    path = tmp_path / "model.ckpt"
    mg.save({"epoch": 1, "w": mg.ones(3)}, path)
    before = path.read_bytes()

    def half_written(fh, entries):
        fh.write(b"PK\x03\x04 this is the start of an archive that never finishes")
        fh.flush()
        raise crash

    monkeypatch.setattr(serialization, "_write_archive", half_written)
    with pytest.raises(type(crash)):
        mg.save({"epoch": 2, "w": mg.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.ckpt"], "the temporary file must be removed"
    monkeypatch.undo()
    assert mg.load(path)["epoch"] == 1


def test_a_crash_during_fsync_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.ckpt"
    mg.save({"epoch": 1}, path)

    def failing_fsync(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(serialization.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        mg.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert mg.load(path)["epoch"] == 1 and os.listdir(tmp_path) == ["model.ckpt"]


def test_save_replaces_and_uses_ordinary_permissions(tmp_path):
    path = tmp_path / "ckpt"
    mg.save({"epoch": 1}, path)
    mg.save({"epoch": 2}, str(path))
    assert mg.load(str(path))["epoch"] == 2 and os.listdir(tmp_path) == ["ckpt"]
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    assert (path.stat().st_mode & 0o777) == (reference.stat().st_mode & 0o777)


# --- corrupt and foreign files ---------------------------------------------------------------
def _write_raw(path, structure, **arrays):
    """An archive written by hand, to play a tampered or foreign checkpoint."""
    text = structure if isinstance(structure, str) else json.dumps(structure)
    arrays["__structure__"] = np.frombuffer(text.encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _header(root):
    return {"format": "minigrad.checkpoint", "version": 1, "root": root}


def _tensor_node(name="a0", dtype="<f4", shape=(2,), device="cpu"):
    return {"tensor": name, "dtype": dtype, "shape": list(shape), "device": device,
            "requires_grad": False}


def _assert_corrupt(path, match):
    with pytest.raises(CheckpointError, match=match) as info:
        mg.load(path)
    assert str(path) in str(info.value)


def test_truncated_and_tampered_files_name_the_path(tmp_path):
    good = tmp_path / "good.npz"
    mg.save({"w": mg.randn(64), "epoch": 3}, good)
    data = good.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        (tmp_path / "cut.npz").write_bytes(data[:cut])
        _assert_corrupt(tmp_path / "cut.npz", "not a readable minigrad checkpoint")
    offset = data.index(b"a0.npy") + 150  # inside the array's data
    tampered = bytearray(data)
    tampered[offset] ^= 0xFF
    (tmp_path / "flipped.npz").write_bytes(bytes(tampered))
    _assert_corrupt(tmp_path / "flipped.npz", "cannot be read.*CRC")
    (tmp_path / "text.npz").write_text("not a checkpoint")
    _assert_corrupt(tmp_path / "text.npz", "not a readable")
    np.save(tmp_path / "single.npy", np.zeros(3))
    _assert_corrupt(tmp_path / "single.npy", "single .npy array")


def test_structurally_wrong_archives(tmp_path):
    p = tmp_path / "x.npz"
    with open(p, "wb") as fh:
        np.savez(fh, weights=np.zeros(3))
    _assert_corrupt(p, "no '__structure__' entry")
    _write_raw(p, "{not json")
    _assert_corrupt(p, "not valid JSON")
    _write_raw(p, {"format": "something else", "root": None})
    _assert_corrupt(p, "not a minigrad.checkpoint header")
    _write_raw(p, dict(_header(None), version=99))
    _assert_corrupt(p, "version 99 is not supported")
    _write_raw(p, _header({"w": _tensor_node("a7")}), a0=np.zeros(2, np.float32))
    _assert_corrupt(p, "unknown structure node")  # a bare dict is not a tagged node
    _write_raw(p, _header({"dict": [["w", _tensor_node("a7")]]}), a0=np.zeros(2, np.float32))
    _assert_corrupt(p, "refers to array entry 'a7', which the archive does not contain")
    _write_raw(p, _header(_tensor_node(shape=(3,))), a0=np.zeros(2, np.float32))
    _assert_corrupt(p, r"has shape \(2,\) but the structure records \[3\]")
    _write_raw(p, _header(_tensor_node(dtype="<f8")), a0=np.zeros(2, np.float32))
    _assert_corrupt(p, "has dtype float32 but the structure records '<f8'")
    _write_raw(p, _header(_tensor_node(device="tpu")), a0=np.zeros(2, np.float32))
    _assert_corrupt(p, "unknown device 'tpu'")
    _write_raw(p, _header({"dict": [[{"list": [1]}, 1]]}))
    _assert_corrupt(p, "unhashable key")
    _write_raw(p, _header({"set": [1, 2]}))
    _assert_corrupt(p, "unknown structure node")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        mg.load(tmp_path / "nothing-here")


# --- devices ------------------------------------------------------------------------------
@pytest.fixture
def strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    return "strict"


def test_map_location(strict_device, tmp_path):
    on_device = mg.randn(2, 3).to(strict_device)
    mg.save({"t": on_device, "cpu": mg.ones(2, device="cpu")}, tmp_path / "d")
    as_saved = mg.load(tmp_path / "d")
    assert as_saved["t"].device == strict_device and as_saved["cpu"].device == "cpu"
    _tensors_equal(on_device, as_saved["t"])
    on_cpu = mg.load(tmp_path / "d", map_location="cpu")
    assert on_cpu["t"].device == "cpu"
    np.testing.assert_array_equal(on_cpu["t"].numpy(), on_device.cpu().numpy())
    mapped = mg.load(tmp_path / "d", map_location={strict_device: "cpu", "cpu": strict_device})
    assert mapped["t"].device == "cpu" and mapped["cpu"].device == strict_device
    everything = mg.load(tmp_path / "d", map_location=strict_device)
    assert {t.device for t in everything.values()} == {strict_device}
    with pytest.raises(TypeError, match="map_location"):
        mg.load(tmp_path / "d", map_location=3)


def test_unavailable_recorded_device_falls_back_to_cpu_with_a_warning(tmp_path):
    if mg.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    p = tmp_path / "from_gpu.npz"
    _write_raw(p, _header({"dict": [["w", _tensor_node(device="cuda")]]}),
               a0=np.arange(2, dtype=np.float32))
    with pytest.warns(RuntimeWarning, match="'cuda', which is not available"):
        out = mg.load(p)
    assert out["w"].device == "cpu"
    np.testing.assert_array_equal(out["w"].numpy(), [0.0, 1.0])
    with pytest.raises(RuntimeError, match="cuda"):
        mg.load(p, map_location="cuda")


# --- models -------------------------------------------------------------------------------
def _tiny_model(params, x):
    """A two-layer MLP from core ops only."""
    h = (x @ params["w1"] + params["b1"]).relu()
    return (h @ params["w2"] + params["b2"]).log_softmax(dim=1)


def test_save_load_eval_is_bit_identical_for_a_core_ops_model(tmp_path):
    params = {"w1": mg.randn(5, 8), "b1": mg.randn(8), "w2": mg.randn(8, 3), "b2": mg.randn(3)}
    x = mg.randn(4, 5)
    before = _tiny_model(params, x).numpy()
    mg.save({"params": params}, tmp_path / "mlp")
    loaded = mg.load(tmp_path / "mlp")["params"]
    after = _tiny_model(loaded, x).numpy()
    assert after.dtype == np.float32
    np.testing.assert_array_equal(after, before)


def _nn_model(nn):
    layers = [nn.Linear(5, 8)]
    if hasattr(nn, "BatchNorm1d"):
        layers.append(nn.BatchNorm1d(8))
    layers += [nn.ReLU(), nn.Linear(8, 3)]
    return nn.Sequential(*layers)


def test_module_state_dict_round_trip_is_bit_identical(tmp_path):
    nn = pytest.importorskip("minigrad.nn")
    model = _nn_model(nn)
    model.train()
    model(mg.randn(6, 5))  # updates BatchNorm running statistics, if present
    model.eval()
    x = mg.randn(4, 5)
    before = model(x).detach().numpy()
    mg.save({"model": model.state_dict(), "epoch": 3}, tmp_path / "m.ckpt")
    mg.manual_seed(123)
    fresh = _nn_model(nn)
    checkpoint = mg.load(tmp_path / "m.ckpt")
    assert list(checkpoint["model"]) == list(model.state_dict())
    fresh.load_state_dict(checkpoint["model"])
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), before)


def test_resumed_training_is_bit_identical_to_uninterrupted_training(tmp_path):
    """Model, optimizer and scheduler state, through a file, lose nothing."""
    nn = pytest.importorskip("minigrad.nn")
    from minigrad.optim import Adam
    from minigrad.optim.lr_scheduler import OneCycleLR

    data = [(mg.randn(8, 5), mg.randint(0, 3, (8,))) for _ in range(10)]

    def setup(seed):
        mg.manual_seed(seed)
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = Adam(model.parameters(), lr=0.01, weight_decay=0.01)
        return model, opt, OneCycleLR(opt, max_lr=0.05, total_steps=10)

    def train(model, opt, sched, batches):
        for x, y in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            sched.step()

    model, opt, sched = setup(0)
    train(model, opt, sched, data)
    expected = [p.detach().numpy() for p in model.parameters()]

    model, opt, sched = setup(0)
    train(model, opt, sched, data[:4])
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "epoch": 4}, tmp_path / "resume.ckpt")
    model, opt, sched = setup(99)  # a different init, overwritten by the checkpoint
    checkpoint = mg.load(tmp_path / "resume.ckpt")
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    train(model, opt, sched, data[checkpoint["epoch"]:])
    for got, want in zip(model.parameters(), expected):
        assert got.dtype == mg.float32
        np.testing.assert_array_equal(got.detach().numpy(), want)


def test_parameters_come_back_as_parameters(tmp_path):
    nn = pytest.importorskip("minigrad.nn")
    p = nn.Parameter(mg.randn(3))
    mg.save([p], tmp_path / "p")
    (loaded,) = mg.load(tmp_path / "p")
    assert isinstance(loaded, nn.Parameter) and loaded.requires_grad
    _tensors_equal(p, loaded)
