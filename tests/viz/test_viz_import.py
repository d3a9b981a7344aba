"""minigrad and minigrad.viz import without matplotlib; plotting then says what to install."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_NO_MATPLOTLIB = textwrap.dedent("""
    import sys

    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ImportError("matplotlib is blocked for this test")
            return None

    sys.meta_path.insert(0, _Block())
""")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _NO_MATPLOTLIB + textwrap.dedent(code)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_import_does_not_load_matplotlib():
    result = _run("""
        import minigrad as mg
        import minigrad.viz as viz
        assert "matplotlib" not in sys.modules
        x = mg.randn(2, requires_grad=True)
        assert "Mul" in viz.to_dot((x * x).sum())   # no matplotlib needed
        try:
            viz.plot_history({"train_loss": [1.0, 0.5]})
        except ImportError as e:
            assert "pip install matplotlib" in str(e), e
            print("OK")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_viz_import_stays_light_with_matplotlib_installed():
    result = subprocess.run([sys.executable, "-c",
                             "import sys, minigrad, minigrad.viz; "
                             "print('matplotlib' in sys.modules)"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
