"""Before/after for speed work: the lesson CNN's training step in this working tree against
the same step in an earlier commit, both in one process, interleaved.

    python benchmarks/bench_ab.py --base 9293ef6            # default: 12 rounds x 5 steps
    python benchmarks/bench_ab.py --base HEAD~1 --batch 256 --rounds 20
    python benchmarks/bench_ab.py --base 9293ef6 --model member   # lesson 07's BatchNorm network
    python benchmarks/bench_ab.py --base 898cdfa --model lstm     # lesson 12's LSTM

The host is shared and noisy, so two separate runs minutes apart can differ by more than
the change being measured. Here the earlier commit's ``minigrad`` package is extracted
with ``git archive`` into a temporary folder and imported under another name
(``minigrad_base``; the core, nn and optim use relative imports only), both models get
the same weights and data, their first losses must agree, and the steps alternate: a few
of one, a few of the other. Printed: the median of each and the ratio new / base, and
the ratio of each round (their spread says how much to trust the median), and the same
for the process CPU time per step, which a busy neighbour disturbs less than the wall
clock (it counts the work of all threads, not the waiting).
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import minigrad as mg  # noqa: E402
from bench_batchnorm import member  # noqa: E402


def lesson_cnn(nn):
    """The reference CNN of issue 6 (and lesson 04), in one version of minigrad's ``nn``."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))


def row_lstm(nn):
    """Lesson 12's LSTM: each digit read as 28 rows by an LSTM(28, 128), its last hidden state
    classified by a Linear layer."""
    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x.reshape(x.shape[0], 28, 28))
            return self.head(h_n[-1])
    return RowLSTM()


def row_transformer(nn):
    """Lesson 12's Transformer encoder over the 28 rows (dropout off, so that both versions
    compute the same thing): embed, learned positions, 2 layers of d_model 64, 4 heads."""
    class RowTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(28, 64)
            self.pos = nn.Parameter(nn.init.normal_(self.embed.weight.new_empty((28, 64)),
                                                    std=0.02))
            layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            z = self.embed(x.reshape(x.shape[0], 28, 28)) + self.pos
            return self.head(self.encoder(z).mean(dim=1))
    return RowTransformer()


def row_gru(nn):
    """``row_lstm`` with a GRU(28, 128) in place of the LSTM."""
    class RowGRU(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(28, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            _, h_n = self.gru(x.reshape(x.shape[0], 28, 28))
            return self.head(h_n[-1])
    return RowGRU()


MODELS = {"lesson": lesson_cnn, "member": member, "lstm": row_lstm,
          "transformer": row_transformer, "gru": row_gru}


def import_commit(commit: str, folder: Path):
    """The ``minigrad`` package of ``commit``, imported as ``minigrad_base``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "minigrad"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 (and the 3.8-3.10 backports)
            tar.extractall(folder, filter="data")
        else:
            tar.extractall(folder)
    spec = importlib.util.spec_from_file_location(
        "minigrad_base", folder / "minigrad" / "__init__.py",
        submodule_search_locations=[str(folder / "minigrad")])
    module = importlib.util.module_from_spec(spec)
    sys.modules["minigrad_base"] = module
    spec.loader.exec_module(module)
    return module


class Trainer:
    """A model, Adam and cross-entropy in one library: a version of minigrad, or PyTorch
    (bench_sequence.py); ``state`` copies the weights in, parameter by parameter."""

    def __init__(self, lib, model: str, state: dict | None, x: np.ndarray, y: np.ndarray):
        nn = lib.nn
        self.lib = lib
        self.model = MODELS[model](nn)
        if state is not None:
            with lib.no_grad():
                for name, p in self.model.named_parameters():
                    p.copy_(lib.tensor(state[name]))
        self.opt = lib.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x, self.y = lib.tensor(x), lib.tensor(y)

    def state(self) -> dict:
        return {name: p.detach().numpy().copy() for name, p in self.model.named_parameters()}

    def step(self) -> float:
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()


def timed_steps(trainer: Trainer, steps: int) -> tuple:
    """Wall-clock and process CPU seconds of each of ``steps`` training steps."""
    wall, cpu = [], []
    for _ in range(steps):
        w, c = time.perf_counter(), time.process_time()
        trainer.step()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--model", choices=sorted(MODELS), default="lesson",
                        help="lesson: the lesson CNN; member: lesson 07's BatchNorm member; "
                             "lstm, transformer: lesson 12's two models; gru: row_lstm with "
                             "a GRU")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=args.batch)
    with tempfile.TemporaryDirectory() as folder:
        base_lib = import_commit(args.base, Path(folder))
        mg.manual_seed(0)
        new = Trainer(mg, args.model, None, x, y)
        base = Trainer(base_lib, args.model, new.state(), x, y)
        first_new, first_base = new.step(), base.step()
        if abs(first_new - first_base) > 1e-5 * max(1.0, abs(first_base)):
            raise SystemExit(f"first losses disagree: new {first_new:.7f}, base {first_base:.7f}")
        print(f"{args.model}, batch {args.batch}; base {args.base}; first loss {first_new:.7f} "
              "(both)")
        times = {(who, clock): [] for who in ("new", "base") for clock in ("wall", "cpu")}
        ratios: dict = {"wall": [], "cpu": []}
        for r in range(args.rounds):
            order = ("new", "base") if r % 2 == 0 else ("base", "new")  # alternate who leads
            measured = {who: timed_steps(new if who == "new" else base, args.steps)
                        for who in order}
            for i, clock in enumerate(("wall", "cpu")):
                for who in order:
                    times[who, clock] += measured[who][i]
                ratios[clock].append(statistics.median(measured["new"][i]) /
                                     statistics.median(measured["base"][i]))
    for clock, label in (("wall", "train step (wall)"), ("cpu", "CPU time per step")):
        med_new = statistics.median(times["new", clock])
        med_base = statistics.median(times["base", clock])
        print(f"{label}: new {1000 * med_new:.1f} ms, base {1000 * med_base:.1f} ms, "
              f"ratio new/base {med_new / med_base:.2f}")
        print("  per-round ratios: " + " ".join(f"{v:.2f}" for v in ratios[clock]))
        print(f"  rounds where new was faster: {sum(v < 1 for v in ratios[clock])} of "
              f"{len(ratios[clock])}")


if __name__ == "__main__":
    main()
