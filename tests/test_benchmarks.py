"""The benchmark tools still run and still check what they claim to check (no timing here:
speed is measured by running them, see benchmarks/RESULTS.md). Each is started as a
subprocess with the smallest settings, as a developer would run it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = 300


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _git_head() -> str | None:
    if shutil.which("git") is None:
        return None
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    return done.stdout.strip() if done.returncode == 0 else None


@pytest.mark.parametrize("model", ["lesson", "member", "lstm", "transformer"])
def test_bench_ab_runs_a_commit_beside_the_working_tree(model):
    """The committed minigrad and the working tree's, imported side by side, must compute the
    same first loss (the script exits with an error otherwise) and report both clocks."""
    head = _git_head()
    if head is None:
        pytest.skip("not a git checkout (bench_ab.py compares against a commit)")
    out = _run("benchmarks/bench_ab.py", "--base", head, "--model", model, "--batch", "8",
               "--rounds", "2", "--steps", "1")
    assert re.search(rf"^{model}, batch 8; base [0-9a-f]+; first loss \d+\.\d{{7}} \(both\)$",
                     out, re.M)
    assert re.search(r"^train step \(wall\): new [\d.]+ ms, base [\d.]+ ms", out, re.M)
    assert re.search(r"^CPU time per step: new [\d.]+ ms, base [\d.]+ ms", out, re.M)
    assert "rounds where new was faster:" in out


def test_profile_step_times_every_op_in_place():
    out = _run("benchmarks/profile_step.py", "--batch", "8", "--steps", "2", "--ops")
    for op in ("F Convolution", "B Convolution", "F MaxPool", "B MaxPool", "F ReLU",
               "B ReLU", "F Affine", "B Affine"):
        assert re.search(rf"^  {op} +[\d.]+ +[\d.]+ +-?[\d.]+$", out, re.M), op
    assert re.search(r"^  whole step: wall [\d.]+, CPU [\d.]+", out, re.M)


def test_profile_step_times_the_fused_blocks():
    out = _run("benchmarks/profile_step.py", "--batch", "8", "--steps", "2", "--ops", "--fused")
    assert re.search(r"^  F ConvReLUMaxPool +[\d.]+ +[\d.]+ +-?[\d.]+$", out, re.M), out
    assert re.search(r"^  B ConvReLUMaxPool +[\d.]+ +[\d.]+ +-?[\d.]+$", out, re.M), out
    assert "F Convolution" not in out and "F MaxPool" not in out, out


def test_bench_cnn_checks_first_losses_of_all_three_models():
    """The plain, the fused and (when installed) the PyTorch model start from the same weights
    and data: the script exits with an error when a first loss disagrees."""
    out = _run("benchmarks/bench_cnn.py", "--rounds", "1", "--steps", "1")
    assert re.search(r"^train step, batch 128: minigrad +[\d.]+ ms", out, re.M), out
    assert re.search(r"^fused conv blocks \(nn.utils.fuse_modules\): train step +[\d.]+ ms, "
                     r"ratio .+; fused / unfused: train [\d.]+, inference [\d.]+$", out, re.M), out
    assert re.search(r"^training throughput: minigrad \d+ GFLOP/s = \d+% of peak.*"
                     r"minigrad fused \d+ GFLOP/s = \d+%$", out, re.M), out


def test_bench_sequence_compares_lesson_12_models():
    """Each of lesson 12's models runs in minigrad (and against PyTorch with the same weights and
    first loss, when it is installed)."""
    out = _run("benchmarks/bench_sequence.py", "--batch", "4", "--rounds", "1", "--steps", "1")
    for name in ("lstm", "gru", "transformer"):
        assert re.search(rf"^{name} +batch 4: minigrad +[\d.]+ ms", out, re.M), out


def test_bench_layers_agrees_with_torch_on_every_case():
    """Every layer and optimizer in the survey runs in both frameworks, and their outputs, input
    gradients and updated parameters agree (a case that disagrees or fails is marked in its row)."""
    pytest.importorskip("torch")
    out = _run("benchmarks/bench_layers.py", "--rounds", "1", "--target", "0")
    rows = re.findall(r"^\| (.+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| (.*) \|$", out, re.M)
    counts = re.search(r"^(\d+) layers and (\d+) optimizers compared$", out, re.M)
    assert counts and int(counts[1]) >= 40 and int(counts[2]) >= 10, out
    assert len(rows) == int(counts[1]) + int(counts[2]), out
    assert [r for r in rows if r[4].strip()] == [], out
