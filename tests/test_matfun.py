"""Matrix functions (issue 13): the numerics (matcalc/matfun.py) against SciPy and against the
identities they rest on, their evaluation without SciPy, the language (mpow's literal power,
shapes), and their derivatives — the trace rules in closed form, the Fréchet derivative in
differential, index and Kronecker forms — each proved by the checker."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import matcalc
from matcalc import matfun

FUNCTIONS = ("expm", "logm", "sqrtm")


def _dominant(n, seed):
    """A random matrix whose spectrum lies in the open right half-plane (Gershgorin)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 1.5, (n, n)) * rng.choice([-1.0, 1.0], (n, n))
    a[np.diag_indices(n)] = np.abs(a).sum(axis=1) + rng.uniform(0.5, 1.5, n)
    return a


def _mpow_sum(x, e, k):
    p = np.linalg.matrix_power
    return sum((p(x, j) @ e @ p(x, k - 1 - j) for j in range(k)), np.zeros_like(e))


# -- numerics -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_functions_agree_with_scipy(n, seed):
    sl = pytest.importorskip("scipy.linalg")
    x = _dominant(n, seed)
    signed = np.random.default_rng(seed).standard_normal((n, n)) * 2
    np.testing.assert_allclose(matfun.expm(signed), sl.expm(signed), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matfun.logm(x), np.real(sl.logm(x)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matfun.sqrtm(x), np.real(sl.sqrtm(x)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matfun.mpow(x, -3), np.linalg.matrix_power(x, -3), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_frechet_derivatives_agree_with_their_definitions(seed):
    sl = pytest.importorskip("scipy.linalg")
    n = 5
    x, e = _dominant(n, seed), np.random.default_rng(seed + 9).standard_normal((n, n))
    np.testing.assert_allclose(matfun.frechet("expm", x / 4, e),
                               sl.expm_frechet(x / 4, e, compute_expm=False), rtol=1e-11)
    s = np.real(sl.sqrtm(x))                      # L solves S L + L S = E
    np.testing.assert_allclose(sl.solve_sylvester(s, s, e), matfun.frechet("sqrtm", x, e),
                               rtol=1e-10, atol=1e-12)
    t, w = np.polynomial.legendre.leggauss(40)    # ∫₀¹ (t(X − I) + I)⁻¹ E (t(X − I) + I)⁻¹ dt
    r = [np.linalg.inv(0.5 * (ti + 1) * (x - np.eye(n)) + np.eye(n)) for ti in t]
    integral = sum(0.5 * wi * ri @ e @ ri for wi, ri in zip(w, r))
    np.testing.assert_allclose(matfun.frechet("logm", x, e), integral, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(matfun.frechet("mpow", x, e, 4), _mpow_sum(x, e, 4), rtol=1e-12)


@pytest.mark.parametrize("name,params", [("expm", ()), ("logm", ()), ("sqrtm", ()),
                                         ("mpow", (3,))])
def test_adjoint_and_kronecker_form(name, params):
    """⟨G, L(X, E)⟩ = ⟨L(Xᵀ, G), E⟩ (the reverse sweep), and vec L(X, E) = K(X) vec E."""
    n = 4
    rng = np.random.default_rng(3)
    x, e, g = _dominant(n, 1) / 3, rng.standard_normal((n, n)), rng.standard_normal((n, n))
    left = np.sum(g * matfun.frechet(name, x, e, *params))
    right = np.sum(matfun.frechet(name, x.T, g, *params) * e)
    assert abs(left - right) <= 1e-10 * max(1.0, abs(left))
    K = matfun.kron_form(name, x, *params)
    np.testing.assert_allclose(K @ e.reshape(-1), matfun.frechet(name, x, e, *params).reshape(-1),
                               rtol=1e-9, atol=1e-11)


def test_outside_the_principal_branch_is_nan():
    negative = np.diag([2.0, -1.0])
    assert np.all(np.isnan(matfun.logm(negative))) and np.all(np.isnan(matfun.sqrtm(negative)))
    assert np.all(np.isfinite(matfun.expm(negative)))


def test_evaluation_needs_no_scipy():
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import numpy as np, matcalc\n"
            "from matcalc.evaluate import evaluate\n"
            "X = np.array([[4.0, 1.0], [0.5, 3.0]])\n"
            "for t in ('expm(X)', 'logm(X)', 'sqrtm(X)', 'mpow(X, 3)'):\n"
            "    assert np.all(np.isfinite(evaluate(matcalc.parse(t, {'X': '2,2'}), {'X': X})))\n"
            "d = matcalc.derive('tr(logm(X) @ sqrtm(X))', 'X', {'X': 'n,n'})\n"
            "assert d.check(methods=('numeric',)).passed\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(_root()), timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def _root():
    from pathlib import Path
    return Path(matcalc.__file__).resolve().parent.parent


# -- the language -----------------------------------------------------------------------------

def test_the_functions_are_in_the_language():
    X = {"X": "n,n"}
    assert str(matcalc.parse("expm(X) + logm(X) - sqrtm(X)", X)) == "expm(X) + logm(X) - sqrtm(X)"
    assert str(matcalc.parse("mpow(X, -2)", X)) == "mpow(inv(X), 2)"
    assert matcalc.parse("mpow(X, 3) + X ^ 3", X).shape == ("n", "n")      # ^ stays element-wise
    assert matcalc.parse("expm_kron(X)", X).shape == ("n*n", "n*n")


@pytest.mark.parametrize("text,error,label", [
    ("mpow(X, n)", "ParseError", "matrix-power"),
    ("mpow(X, 0.5)", "ParseError", "matrix-power"),
    ("mpow_frechet(X, E, -1)", "ParseError", "matrix-power"),
    ("mpow(X)", "ParseError", "wrong-arity"),
    ("expm(A)", "ShapeError", "not-square"),
    ("expm_frechet(X, y)", "ShapeError", "shape-mismatch"),
])
def test_bad_uses_are_matcalc_errors(text, error, label):
    with pytest.raises(matcalc.MatcalcError) as err:
        matcalc.parse(text, {"X": "n,n", "A": "m,n", "y": "n", "E": "n,n"})
    assert type(err.value).__name__ == error and err.value.label == label
    if error == "ParseError" and label == "matrix-power":
        assert "^" in str(err.value)                  # the caret under the power


# -- derivatives ------------------------------------------------------------------------------

TRACE_RULES = [("tr(expm(X))", "expm(X)ᵀ"), ("tr(logm(X))", "inv(X)ᵀ"),
               ("tr(sqrtm(X))", "0.5 inv(sqrtm(X))ᵀ"), ("tr(mpow(X, 4))", "4 mpow(X, 3)ᵀ")]


@pytest.mark.parametrize("expr,closed", TRACE_RULES)
def test_trace_rules_in_closed_form(expr, closed):
    d = matcalc.derive(expr, "X", {"X": "n,n"})
    assert str(d) == closed
    report = d.check()
    assert report.passed, str(report)
    exact = report.methods[0]
    if "mpow" in expr:
        assert exact.passed                           # SymPy expands a power exactly
    else:
        assert exact.skipped and "SymPy cannot write" in exact.note
        assert report.methods[1].passed


def test_exactly_where_sympy_can_the_diagonal_case():
    for f, want in (("expm", "exp(x)ᵀ"), ("logm", "(1 / x)ᵀ")):
        d = matcalc.derive(f"tr({f}(diag(x)))", "x", {"x": "n"})
        assert str(d) == want
        assert all(m.passed for m in d.check().methods), str(d.check())


def test_the_differential_and_index_forms_of_a_matrix_function():
    X = {"X": "n,n"}
    diff = matcalc.derive("expm(X)", "X", X, form="differential")
    assert str(diff) == "expm_frechet(X, dX)"
    assert str(matcalc.derive("tr(expm(X))", "X", X, form="differential")) == "tr(expm(X) dX)"
    assert str(matcalc.derive("mpow(X, 3)", "X", X, form="differential")) == \
        "dX mpow(X, 2) + X dX X + mpow(X, 2) dX"
    from matcalc.tensor.notation import index_text
    assert index_text(diff.index, "f") == "∂f_ij/∂X_kl = [expm_kron(X)]_ijkl"
    assert diff.check(methods=("numeric",)).passed
    x = _dominant(4, 2) / 4
    kron = matcalc.derive("expm(X)", "X", X)
    np.testing.assert_allclose(diff.lambdify()(X=x), kron.lambdify()(X=x), rtol=1e-12)


@pytest.mark.parametrize("expr,wrt", [("sum(logm(A @ X))", "X"), ("a' @ sqrtm(X) @ b", "X"),
                                      ("norm(expm(X) - B)^2", "X"), ("logm(X) @ a", "X"),
                                      ("sqrtm(X) @ A @ sqrtm(X)", "X")])
def test_first_derivatives_are_proved(expr, wrt):
    shapes = {"X": "n,n", "A": "n,n", "B": "n,n", "a": "n", "b": "n"}
    d = matcalc.derive(expr, wrt, {k: v for k, v in shapes.items() if k in expr})
    report = d.check(sizes={"n": 4})
    assert report.passed and report.methods[1].passed, f"{d}\n{report}"


def test_second_derivatives_are_refused_clearly():
    with pytest.raises(matcalc.UnsupportedError, match="expm_frechet"):
        matcalc.derive("tr(expm(X))", "X", {"X": "n,n"}, order=2)
