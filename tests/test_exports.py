"""Every export against `Derivation.lambdify()`, on shape and value (issue 11, item 5): every
case of the suite — `tests/cases/*.toml`, every rule's worked examples, the paper's worked
examples and the acceptance problems of test_codegen — exported to NumPy, PyTorch and JAX
(where they import, in float64) and executed; and every function of the language on constant
arguments (integers and floats reach the exported code as float literals, item 6)."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
from matcalc.codegen import _arguments, export, function_name
from matcalc.ops import REGISTRY
from tests.test_cases import CASES
from tests.test_codegen import ALL, assert_matches, inputs, load_module

BACKENDS = {}
for _backend, _module in (("numpy", "numpy"), ("pytorch", "torch"), ("jax", "jax")):
    try:
        _mod = __import__(_module)
        if _module == "jax":
            _mod.config.update("jax_enable_x64", True)
        BACKENDS[_backend] = None
    except Exception as e:                   # an optional backend that does not import
        BACKENDS[_backend] = f"{_module} does not import: {e}"

SUITE = ALL + [(f"case-{c.family}-{c.id}", c.expr, c.wrt, c.shapes, c.order, c.layout)
               for c in CASES if not c.unsupported]


def exported_vs_lambdify(d, backends=None, seed=1):
    env = inputs(d, seed)
    args = [env[a] for a in _arguments(d)]
    for backend, reason in BACKENDS.items():
        if reason is not None or (backends and backend not in backends):
            continue
        ns = load_module(export(d, backend), f"exported_{backend}")
        value, deriv = ns[function_name(d)[0]](*args)
        tol = dict(rtol=1e-10, atol=1e-12) if backend == "numpy" else dict(rtol=1e-9,
                                                                            atol=1e-10)
        assert_matches(d, env, np.asarray(value), np.asarray(deriv), **tol)


@pytest.mark.parametrize("expr,wrt,shapes,order,layout",
                         [pytest.param(*c[1:], id=c[0]) for c in SUITE])
def test_every_export_matches_lambdify(expr, wrt, shapes, order, layout):
    d = matcalc.derive(expr, wrt, shapes=shapes, order=order, layout=layout)
    exported_vs_lambdify(d)


FUNCTIONS = sorted(n for n, r in REGISTRY.items() if r.kind == "ewise" or n == "relu")
CONSTANTS = ["2", "1.5^2", "(abs(2) + 2) ^ (-1)", "-3"]


@pytest.mark.parametrize("f", FUNCTIONS)
@pytest.mark.parametrize("c", CONSTANTS)
def test_functions_of_constants_export(f, c):
    arg = f"abs({c})" if REGISTRY[f].domain == "positive" else c
    text = f"a * {REGISTRY[f].names[0] if REGISTRY[f].names else f}({arg})"
    exported_vs_lambdify(matcalc.derive(text, "a", order=2))


@pytest.mark.parametrize("text", [
    "a * max(2, 2)", "a * min(2, 3)", "a * relu(3)", "a * relu(-3)", "a * sigmoid(3)",
    "(abs(2) + 2) ^ (-1) + a", "a * sum([2, 3])", "a * norm([3, 4])", "a * logsumexp([1, 2])",
    "a * softmax([1, 2])", "a * det([2, 1; 1, 3])", "a * inv([2, 1; 1, 3])",
    "a * step(2 - 3)", "max(a, 2) + min(3, a)", "a * 2^3", "a / 4", "2^a"])
def test_constant_subexpressions_export(text):
    exported_vs_lambdify(matcalc.derive(text, "a"))


LOGISTIC = "sum(log(1 + exp(-y ⊙ (X @ w))))"
CROSS_ENTROPY = "-(y' @ log(sigmoid(X @ w)) + (1 - y)' @ log(1 - sigmoid(X @ w)))"


@pytest.mark.parametrize("text", [LOGISTIC, CROSS_ENTROPY])
def test_exported_losses_are_finite_at_a_margin_of_1000(text):
    # np.log(1 + np.exp(1000)) is inf: the export writes logaddexp / softplus forms
    d = matcalc.derive(text, "w", shapes={"X": "m,n", "y": "m"})
    X, w = np.array([[1000.0, 0.0], [-1000.0, 0.0]]), np.array([1.0, 0.0])
    y = np.array([-1.0, -1.0]) if text == LOGISTIC else np.array([0.0, 1.0])
    for backend in [b for b, reason in BACKENDS.items() if reason is None]:
        ns = load_module(export(d, backend))
        value = float(np.asarray(ns["f_and_grad"](y, X, w)[0]))
        want = 1000.0 if text == LOGISTIC else 2000.0
        assert np.isfinite(value) and abs(value - want) < 1e-6, (backend, value)


def test_jax_export_uses_log_softmax():
    d = matcalc.derive("-y' @ log(softmax(z))", "z", shapes={"y": "n", "z": "n"})
    assert "jax.nn.log_softmax(z)" in export(d, "jax")
    value_line = next(ln for ln in export(d, "numpy").splitlines() if "value = " in ln)
    assert "np.log(" not in value_line and "_logsumexp(z)" in value_line


@pytest.mark.parametrize("text,wrt,kw", [
    ("sum(exp(x))", ["x"], {"order": 3}),
    ("(x' @ A @ x)^2", ["x"], {"order": 3}),
    ("tanh(W @ x)", ["W", "x"], {"mixed": True}),
    ("det(A)", ["A"], {"order": 2}),
    ("tanh(W @ x)", ["W"], {}),
])
def test_with_check_handles_any_order_and_mixed_partials(text, wrt, kw):
    shapes = {"x": "n", "A": "n,n", "W": "m,n"}
    d = matcalc.derive(text, wrt if len(wrt) > 1 else wrt[0], shapes=shapes, **kw)
    src = export(d, with_check=True)
    env = inputs(d)
    fname = function_name(d)[0]
    assert load_module(src)[f"check_{fname}"](*[env[a] for a in _arguments(d)]) < 1e-5
    wrong = src.replace(f"    return value, {function_name(d)[1]}",
                        f"    return value, 1.001 * {function_name(d)[1]}")
    assert load_module(wrong)[f"check_{fname}"](*[env[a] for a in _arguments(d)]) > 1e-5
    with pytest.raises(SystemExit) as exit_:
        load_module(src, "__main__")
    assert exit_.value.code == 0


def test_tensor_exports_never_build_kron_or_a_dense_diagonal():
    d = matcalc.derive("tanh(W @ x)", "W", shapes={"W": "m,n", "x": "n"})
    assert d.form == "kron"
    for backend in ("numpy", "pytorch", "jax"):
        src = export(d, backend).split("def f_and_grad")[1]
        assert "kron" not in src.split('"""')[2] and "diag(" not in src.split('"""')[2]
        assert "einsum(" in src
