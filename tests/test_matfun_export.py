"""Code export of the matrix functions (matcalc/ops/matfun_code.py): every backend computes
what `Derivation.lambdify()` computes — NumPy with SciPy and without it (matcalc's own
algorithms, copied from matcalc/matfun.py), PyTorch (matrix_exp, its own logm/sqrtm) and JAX
(jax.scipy.linalg, its own logm)."""
from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import matcalc
from matcalc import matfun
from matcalc.codegen import export
from tests.test_codegen import assert_matches, load_module, run_export

SHAPES = {"X": "n,n", "A": "n,n", "B": "n,n", "a": "n", "b": "n"}
PROBLEMS = ["tr(expm(X))", "sum(logm(A @ X))", "a' @ sqrtm(X) @ b", "norm(expm(X) - B)^2",
            "tr(A @ mpow(X, 5))", "expm(X)", "logm(X)", "sqrtm(X) @ a", "mpow(X, 4)",
            "tr(logm(X) @ sqrtm(X))"]


def _shapes(expr):
    return {k: v for k, v in SHAPES.items() if re.search(rf"\b{k}\b", expr)}


def _check(expr, backend="numpy", rtol=1e-9):
    d, _, fn, env, args = run_export(expr, "X", _shapes(expr), 1, "numerator", backend=backend)
    value, deriv = fn(*args)
    assert_matches(d, env, np.asarray(value), np.asarray(deriv), rtol=rtol, atol=1e-10)


@pytest.mark.parametrize("expr", PROBLEMS)
def test_numpy_with_scipy(expr):
    pytest.importorskip("scipy")
    _check(expr)


@pytest.mark.parametrize("expr", PROBLEMS)
def test_numpy_without_scipy(expr, monkeypatch):
    for name in [m for m in sys.modules if m == "scipy" or m.startswith("scipy.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "scipy", None)      # `import scipy.linalg` fails
    _check(expr, rtol=1e-12)


@pytest.mark.parametrize("expr", PROBLEMS)
@pytest.mark.parametrize("backend,module", [("pytorch", "torch"), ("jax", "jax")])
def test_other_backends(expr, backend, module):
    pytest.importorskip(module, reason=f"{module} is not installed (optional backend)")
    if module == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    _check(expr, backend)


def test_the_numpy_fallback_is_matcalcs_own_code():
    d = matcalc.derive("sum(logm(A @ X))", "X", _shapes("sum(logm(A @ X))"))
    src = export(d)
    tree = {n.name: n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)}
    for fn in (matfun._logm_iss, matfun._sqrtm_db, matfun._block_frechet, matfun._on_branch_cut):
        assert ast.get_source_segment(src, tree[fn.__name__]) == inspect.getsource(fn).rstrip()
    assert "scipy.linalg.logm" in src and "except ImportError" in src


def test_the_exported_check_passes():
    d = matcalc.derive("norm(expm(X) - B)^2", "X", _shapes("norm(expm(X) - B)^2"))
    with pytest.raises(SystemExit) as exit_:
        load_module(export(d, with_check=True), "__main__")
    assert exit_.value.code == 0


def test_the_registry_imports_no_numerics():
    """The records cost nothing to import: matcalc/matfun.py (NumPy) loads on first value."""
    import subprocess
    code = ("import sys, matcalc\n"
            "matcalc.derive('tr(expm(X))', 'X', {'X': 'n,n'})\n"
            "print(sorted(m for m in ('numpy', 'scipy', 'matcalc.matfun') if m in sys.modules))")
    root = Path(matcalc.__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(root), timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr + out.stdout
