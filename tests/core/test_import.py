"""What `import minigrad` costs and exposes: no optional libraries, the PyTorch-named API,
and no array library above the backend seam."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "minigrad"


def test_import_minigrad_imports_no_optional_library() -> None:
    code = ("import sys, minigrad\n"
            "print(' '.join(m for m in ('cupy', 'cupyx', 'matplotlib', 'torch') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at `import minigrad`: {result.stdout}"


def test_cuda_is_available_does_not_need_a_gpu() -> None:
    code = "import minigrad; print(minigrad.cuda.is_available())"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("True", "False")


PUBLIC = ["Tensor", "tensor", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
          "full_like", "empty_like", "rand_like", "randn_like", "arange", "linspace", "eye",
          "rand", "randn", "randint", "randperm", "manual_seed", "float32", "float64", "int64",
          "bool", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled",
          "set_default_device", "cat", "stack", "where", "maximum", "minimum", "exp", "log",
          "sqrt", "tanh", "sigmoid", "relu", "softmax", "log_softmax", "matmul", "gradcheck",
          "gradgradcheck", "gradcheck_module", "set_default_dtype", "get_default_dtype"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names(name) -> None:
    assert hasattr(mg, name), name


def test_autograd_namespace() -> None:
    assert mg.autograd.Function.__name__ == "Function"
    assert callable(mg.autograd.grad) and callable(mg.autograd.backward)
    assert callable(mg.cuda.is_available)


CORE_ABOVE_THE_SEAM = ["tensor.py", "creation.py", "gradcheck.py", "cuda.py", "__init__.py",
                       "autograd/__init__.py", "autograd/engine.py", "autograd/function.py",
                       "autograd/grad_mode.py", "ops/__init__.py", "ops/elementwise.py",
                       "ops/arithmetic.py", "ops/rounding.py", "ops/unary_math.py",
                       "ops/activation_basic.py", "ops/comparison.py", "ops/reduction.py",
                       "ops/shape.py", "ops/linalg.py", "ops/softmax.py", "ops/broadcast.py"]


@pytest.mark.parametrize("path", CORE_ABOVE_THE_SEAM)
def test_core_above_the_seam_imports_no_array_library(path) -> None:
    tree = ast.parse((PACKAGE / path).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"numpy", "cupy", "cupyx", "torch"}, f"{path} imports {imported}"
