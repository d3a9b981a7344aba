"""Every tutorial runs end to end in --quick mode, prints its result and writes its pictures.

Each tutorial is started as a subprocess, exactly as a reader would run it
(``python tutorials/NN_name.py --quick``), with its outputs sent to a
temporary folder. Needs the MNIST and Fashion-MNIST files (``$MINIGRAD_DATA``
or ``../shared/data``); skips without them.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TUTORIALS = REPO / "tutorials"
TIMEOUT_S = 120  # a hard stop; a quick run takes seconds (see the durations printed on failure)

ACCURACY = r"(0\.\d{4}|1\.0000)"
# tutorial -> (regexes its stdout must match, PNG files it must write,
#              minimum accuracy its quick run must reach on its result line, or None)
EXPECTED = {
    "01_convolution_by_hand": (
        [r"^conv by hand agrees with F\.conv2d: max \|difference\| = \d\.\de[-+]\d+$"],
        ["sobel.png", "max_pool.png"], None),
    "02_linear_model": (
        [rf"^test accuracy: {ACCURACY}$"],
        ["history.png", "weights.png", "confusion.png"], 0.7),
    "03_hidden_layer": (
        [rf"^test accuracy: {ACCURACY}$"],
        ["history.png", "hidden_units.png", "misclassified.png", "confusion.png"], 0.7),
    "04_cnn": (
        [rf"^test accuracy: {ACCURACY}$"],
        ["history.png", "misclassified.png", "confusion.png"], 0.5),
    "05_under_and_overfitting": (
        [r"^best cure on validation: ", rf"^over-fitted model, test accuracy: {ACCURACY}$",
         rf", test accuracy: {ACCURACY}$"],
        ["underfit.png", "overfit.png", "more_data.png", "augmentation.png", "dropout.png",
         "weight_decay.png", "all_validation_curves.png"], 0.4),
    "06_augmentation_batchnorm_dropout": (
        [rf"^\+ augmentation \+ BatchNorm \+ Dropout: test accuracy: {ACCURACY}$"],
        ["augmentation_examples.png", "history_baseline.png", "history_augment.png",
         "history_batchnorm.png", "history_dropout.png", "stages.png"], 0.15),
    "07_ensemble": (
        [rf"^ensemble of 3: test accuracy: {ACCURACY}$"],
        ["ensemble.png"], 0.15),
    "08_fashion_mnist": (
        [rf"^lesson CNN: test accuracy: {ACCURACY}$",
         rf"^improved CNN: test accuracy: {ACCURACY}$"],
        ["examples.png", "history_lesson_cnn.png", "history_improved_cnn.png",
         "confusion_improved.png"], 0.15),
    "09_custom_layer_gradcheck": (
        [r"^gradcheck\(Swish\): True$", r"^gradgradcheck\(Swish\): True$",
         r"^gradcheck caught the wrong backward:$", r"^gradcheck_module\(net\): True$",
         r"^gradcheck_module caught the wrong grad_beta:$",
         r"^   gradcheck failed for parameter '1\.beta'",
         rf"^test accuracy: {ACCURACY}$"],
        ["swish_beta.png"], 0.5),
    "10_gpu": (
        [r"^device: (cpu|cuda)$", rf"^test accuracy: {ACCURACY}$"],
        ["history.png"], 0.5),
    "11_inside_the_network": (
        [rf"^test accuracy: {ACCURACY}$", r"^true label 7; predicted \d with probability"],
        ["filters_conv1.png", "filters_conv2.png", "feature_maps_conv1.png",
         "feature_maps_conv2.png", "saliency.png"], 0.5),
    "12_sequence_models": (
        [r"^LSTM after 28 rows: test accuracy \d\.\d{4}$",
         rf"^LSTM: test accuracy: {ACCURACY}$", rf"^Transformer: test accuracy: {ACCURACY}$"],
        ["history_lstm.png", "lstm_accuracy_by_rows.png", "history_transformer.png",
         "positional_similarity.png", "comparison.png"], 0.15),
    "13_debugging_training": (
        [r"^sigmoid, default init: gradient norm at the first layer / at the last: ",
         r"^lr=0\.1: median update/weight ratio",
         r"^naive loss: nan; nan in the weight's gradient: True$",
         r"^anomaly: Function 'Log' returned nan values in its gradient",
         r"^created at: File .*13_debugging_training\.py.*in naive_cross_entropy",
         r"^stable loss: .*; gradient finite: True$", rf"^test accuracy: {ACCURACY}$"],
        ["gradient_norms.png", "update_ratios.png"], 0.15),
    "14_variational_autoencoder": (
        [r"^untrained model: test ELBO per image -\d+\.\d \(reconstruction ",
         r"^gradient reaching the encoder .* z = q\.rsample\(\): \d",
         r"^gradient reaching the encoder .* z = q\.sample\(\): 0$",
         r"^test ELBO per image: -\d+\.\d$", r"^reconstruction: \d+\.\d, KL: \d+\.\d$"],
        ["latent_space.png", "latent_grid.png", "reconstructions.png", "elbo.png"], None),
}


def _data_home() -> Path | None:
    for candidate in (os.environ.get("MINIGRAD_DATA"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir() \
                and (Path(candidate) / "fashion-mnist").is_dir():
            return Path(candidate)
    return None


def _cuda_available() -> bool:
    import minigrad as mg
    return mg.cuda.is_available()


def _run(name: str, *extra: str, out: Path) -> tuple[subprocess.CompletedProcess, float]:
    home = _data_home()
    if home is None:
        pytest.skip("MNIST/Fashion-MNIST not found ($MINIGRAD_DATA or ../shared/data)")
    env = dict(os.environ, MINIGRAD_DATA=str(home), MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                        os.environ.get("PYTHONPATH")])))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(TUTORIALS / f"{name}.py"), "--quick",
                           "--no-progress", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=TIMEOUT_S, cwd=REPO, env=env)
    return proc, time.perf_counter() - t0


def test_every_tutorial_is_covered():
    """A new tutorial must be added to EXPECTED, so that it is run too."""
    found = sorted(p.stem for p in TUTORIALS.glob("[0-9][0-9]_*.py"))
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_is_jupytext_percent_format(name):
    text = (TUTORIALS / f"{name}.py").read_text()
    assert "format_name: percent" in text
    assert re.search(r"^# %% \[markdown\]$", text, re.M), "no markdown cell"
    assert len(re.findall(r"^# %%$", text, re.M)) >= 2, "fewer than two code cells"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quick_run(name, tmp_path):
    patterns, pngs, min_accuracy = EXPECTED[name]
    extra = ("--device", "cuda") if name == "10_gpu" else ()
    proc, seconds = _run(name, *extra, out=tmp_path)
    where = f"{name} --quick ({seconds:.1f} s)\n--- stdout\n{proc.stdout[-4000:]}" \
            f"\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, where
    for pattern in patterns:
        assert re.search(pattern, proc.stdout, re.M), f"missing /{pattern}/ in {where}"
    for png in pngs:
        path = tmp_path / png
        assert path.is_file(), f"{png} not written by {where}"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
    if min_accuracy is not None:
        values = [float(v) for v in re.findall(rf"test accuracy: {ACCURACY}$", proc.stdout, re.M)]
        assert values and min(values) >= min_accuracy, \
            f"quick-run accuracy {values} below {min_accuracy}: {where}"
    assert re.search(r"^wall time: ", proc.stdout, re.M)
    if name == "10_gpu" and not _cuda_available():
        assert "cuda is unavailable here" in proc.stdout
    if name == "13_debugging_training":  # the sigmoid net's gradient vanishes, ReLU's does not
        ratio = dict(re.findall(r"^(sigmoid|ReLU), .* / at the last: (\S+)$", proc.stdout, re.M))
        assert float(ratio["sigmoid"]) < 1e-3 < 1e-1 < float(ratio["ReLU"]), where
    if name == "14_variational_autoencoder":  # training raised the test ELBO; its parts add up
        untrained = float(re.search(r"^untrained model: test ELBO per image (\S+) ",
                                    proc.stdout, re.M).group(1))
        trained = float(re.search(r"^test ELBO per image: (\S+)$", proc.stdout, re.M).group(1))
        assert trained > untrained + 100, f"ELBO {untrained} -> {trained}: {where}"
        rec, kl = map(float, re.search(r"^reconstruction: (\S+), KL: (\S+)$", proc.stdout,
                                       re.M).groups())
        assert kl > 0 and abs(trained + rec + kl) <= 0.15, where
        assert float(re.search(r"z = q\.rsample\(\): (\S+)$", proc.stdout, re.M).group(1)) > 0
    if name == "11_inside_the_network":
        page = (tmp_path / "explain.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and "Prediction:" in page
        assert "Conv2d" in page and "MaxPool2d" in page


def test_cuda_fallback_is_announced(tmp_path):
    """Lesson 10 asked for cuda on a machine without it says so and runs on cpu."""
    if _cuda_available():
        pytest.skip("this machine has CUDA; the fallback is not taken")
    # test_quick_run runs 10_gpu with --device cuda; here the cheap lesson 01 shows that
    # the other tutorials refuse instead of silently running elsewhere.
    proc, _ = _run("01_convolution_by_hand", "--device", "cuda", out=tmp_path)
    assert proc.returncode != 0
    assert "CUDA is not available" in proc.stderr


def test_missing_data_says_what_to_do_without_a_traceback(tmp_path):
    """A reader without the data (none in $MINIGRAD_DATA or the cache, mirrors unreachable)
    gets minigrad's message on where it looked and how to provide the files, exit status 1,
    no traceback, and no file left behind. Needs no data: the download is sent to a proxy
    on a closed local port, so it fails at once."""
    home, data, out = tmp_path / "home", tmp_path / "no-data", tmp_path / "out"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    env.update(HOME=str(home), MINIGRAD_DATA=str(data), MPLBACKEND="Agg",
               http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed,
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(TUTORIALS / "01_convolution_by_hand.py"),
                           "--quick", "--no-progress", "--out", str(out)],
                          capture_output=True, text=True, timeout=TIMEOUT_S, cwd=REPO, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: MNIST (test split) not found"), proc.stderr
    assert "set MINIGRAD_DATA to a directory that holds mnist/" in proc.stderr
    assert not data.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_missing_matplotlib_is_said_before_training(tmp_path):
    """Without matplotlib (``pip install .`` without ``[viz]``) a lesson stops at once with
    how to install it, instead of training and then failing at its first figure. A package
    named matplotlib whose import fails stands in for the missing one."""
    fake = tmp_path / "site" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    # No data either (and downloads sent to a closed local port): the check must come first.
    closed = "http://127.0.0.1:9"
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    env.update(HOME=str(tmp_path), MINIGRAD_DATA=str(tmp_path / "no-data"),
               http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed,
               PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path / "site"), str(REPO),
                                                        os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(TUTORIALS / "02_linear_model.py"), "--quick",
                           "--no-progress", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=TIMEOUT_S, cwd=REPO, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "matplotlib, which is not installed" in proc.stderr
    assert "pip install matplotlib" in proc.stderr


def test_ensemble_members_can_be_trained_apart_and_reused(tmp_path):
    """Lesson 07: ``--only-member K`` trains one member and stops; a later ``--resume`` run
    reuses it (same settings) and trains only the missing ones. Members 5 and 6 are the
    second and third architectures."""
    proc, _ = _run("07_ensemble", "--members", "6", "--only-member", "5", out=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "member 5: seed 5, onecycle schedule, lr 0.003, padded architecture" in proc.stdout
    assert "ensemble of" not in proc.stdout
    assert sorted(p.name for p in tmp_path.glob("member_*.npz")) == ["member_5.npz"]
    proc, _ = _run("07_ensemble", "--members", "7", "--only-member", "6", out=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "member 6: seed 6, onecycle schedule, lr 0.003, deep architecture" in proc.stdout

    proc, _ = _run("07_ensemble", "--members", "2", "--only-member", "1", out=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc, _ = _run("07_ensemble", "--members", "2", "--resume", out=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"^== member 1: reusing .*member_1\.npz", proc.stdout, re.M)
    assert re.search(r"^== member 0: seed 0, onecycle", proc.stdout, re.M)
    assert re.search(rf"^ensemble of 2: test accuracy: {ACCURACY}$", proc.stdout, re.M)

    proc, _ = _run("07_ensemble", "--members", "2", "--only-member", "2", out=tmp_path)
    assert proc.returncode != 0 and "--only-member must be between 0 and 1, got 2" in proc.stderr


def test_lesson_cnn_fused_reaches_the_same_result(tmp_path):
    """Lesson 04 with ``--fused`` trains the fused model: the same quick-run accuracy bar and
    the fused layers in the printed model."""
    proc, seconds = _run("04_cnn", "--fused", out=tmp_path)
    where = f"04_cnn --quick --fused ({seconds:.1f} s)\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, where
    assert proc.stdout.count("ConvReLUMaxPool2d(") == 2, where
    values = [float(v) for v in re.findall(rf"test accuracy: {ACCURACY}$", proc.stdout, re.M)]
    assert values and min(values) >= EXPECTED["04_cnn"][2], where
