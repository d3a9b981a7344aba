#!/usr/bin/env bash
# Everything that needs a GPU, in one go: the whole test suite on 'cuda', the cross-device
# tests (cpu vs cuda), the lesson CNN benchmark against PyTorch CUDA, and tutorial 04 on cuda.
#
#   MINIGRAD_DATA=/path/to/data bash benchmarks/gpu_checks.sh [OUTDIR] [STEPS...]
#
# STEPS is any of: env suite cross bench tutorial (default: all of them, in that order).
# Logs go to OUTDIR (default: benchmarks/outputs/gpu). Each step has a time limit so that one
# hang cannot eat the others; pytest-xdist, when installed, spreads the suite over processes.
set -u
OUTDIR=${1:-benchmarks/outputs/gpu}
shift || true
STEPS=${*:-env suite cross bench tutorial}
mkdir -p "$OUTDIR"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
WORKERS=${WORKERS:-8}
xdist=()
if $PY -c "import xdist" 2>/dev/null; then xdist=(-n "$WORKERS"); fi

for step in $STEPS; do
  echo "=== $step ($(date -u +%T))"
  case $step in
    env)
      nvidia-smi -L
      $PY -c "import sys, numpy, cupy, minigrad as mg; print(sys.version.split()[0], 'numpy',
numpy.__version__, 'cupy', cupy.__version__, 'cuda available', mg.cuda.is_available())"
      ;;
    suite)
      MINIGRAD_TEST_DEVICE=cuda timeout "${SUITE_LIMIT:-420}" $PY -m pytest "${xdist[@]}" \
        -p no:cacheprovider -rfEs --tb=short --junitxml="$OUTDIR/suite.xml" \
        2>&1 | tee "$OUTDIR/suite.log" | tail -n 80
      ;;
    cross)
      MINIGRAD_CROSS_DEVICE=cuda timeout 300 $PY -m pytest tests/test_cross_device.py \
        -p no:cacheprovider -rfEs --tb=short 2>&1 | tee "$OUTDIR/cross.log" | tail -n 30
      ;;
    bench)
      timeout "${BENCH_LIMIT:-240}" $PY benchmarks/bench_cnn.py --device cuda --batch 128 1024 \
        2>&1 | tee "$OUTDIR/bench.log"
      ;;
    tutorial)
      timeout "${TUTORIAL_LIMIT:-300}" $PY tutorials/04_cnn.py --device cuda --no-progress \
        2>&1 | tee "$OUTDIR/tutorial04.log" | tail -n 25
      ;;
    *) echo "unknown step $step" ;;
  esac
done
