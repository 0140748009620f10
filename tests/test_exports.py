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


FUNCTIONS = sorted(n for n, r in REGISTRY.items() if r.kind in ("ewise", "macro"))
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
