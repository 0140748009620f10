"""Code export (matcalc.codegen): the cases (rule examples, the paper's worked examples, the
acceptance problems) that tests/test_exports.py runs through every backend against
`Derivation.lambdify()`; the self-test of the acceptance problems; and the promises about the
code's shape: shared subexpressions once, no dense diagonal, negation on the small side."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
from matcalc.codegen import _arguments, export
from matcalc.evaluate import evaluate
from matcalc.rulebook import load
from tests.test_paper import CASES as PAPER_CASES

SIZES = {"n": 3, "m": 4, "N": 5, "k": 2}
LOSS = {"X": "N,n", "w": "n", "b": "scalar", "y": "N"}
LOGREG = {"X": "m,n", "y": "m", "w": "n"}
LOSS_EXPR = "mean((y - max(0, X @ w + b))^2)"
LOGREG_EXPR = "sum(log(1 + exp(-y ⊙ (X @ w))))"

# (id, expression, wrt, shapes, order, layout)
ACCEPTANCE = [
    ("loss-w", LOSS_EXPR, "w", LOSS, 1, "numerator"),
    ("loss-b", LOSS_EXPR, "b", LOSS, 1, "numerator"),
    ("logreg-grad", LOGREG_EXPR, "w", LOGREG, 1, "numerator"),
    ("logreg-hess", LOGREG_EXPR, "w", LOGREG, 2, "numerator"),
    ("softmax-jac", "softmax(x)", "x", {"x": "n"}, 1, "numerator"),
    ("tanh-jac-denominator", "tanh(W @ x)", "x", {"W": "m,n", "x": "n"}, 1, "denominator"),
    ("quadratic-hess", "x' @ A @ x", "x", {"A": "n,n", "x": "n"}, 2, "numerator"),
    ("logsumexp-hess", "logsumexp(x)", "x", {"x": "n"}, 2, "numerator"),
    ("two-vars", "w.x + sum(x)", "w,x", {"w": "n", "x": "n"}, 1, "numerator"),
    ("keyword-and-module-names", "lambda_ * sum(np)", "np", {"np": "n"}, 1, "numerator"),
]
RULE_CASES = [(f"{r.id}[{i}]", ex["expr"], ex["wrt"], ex.get("shapes") or {}, 1, "numerator")
              for r in load().rules for i, ex in enumerate(r.derivations)]
PAPER = [(f"paper-{c[0]}", c[1], c[2], c[3], 1, c[5]) for c in PAPER_CASES]
ALL = RULE_CASES + PAPER + ACCEPTANCE
# Cases the engine cannot derive yet: (expression, wrt) -> reason.  Empty at hand-off.
ENGINE_XFAIL: dict = {}


def _param(cases):
    out = []
    for c in cases:
        marks = [pytest.mark.xfail(strict=False, reason=ENGINE_XFAIL[(c[1], c[2])])] \
            if (c[1], c[2]) in ENGINE_XFAIL else []
        out.append(pytest.param(*c[1:], id=c[0], marks=marks))
    return out


def inputs(d, seed=1):
    """Random inputs in (0.5, 1.5) (inside every domain); square matrices diagonally dominant."""
    rng = np.random.default_rng(seed)
    env = {}
    for name, shape in d.var_shapes.items():
        dims = [SIZES.get(x, 6) if isinstance(x, str) else x for x in shape if x != 1]
        a = rng.uniform(0.5, 1.5, dims) if dims else float(rng.uniform(0.5, 1.5))
        if len(dims) == 2 and dims[0] == dims[1]:
            a = a + dims[0] * np.eye(dims[0])
        env[name] = a
    return env


def load_module(src: str, name="exported") -> dict:
    ns = {"__name__": name}
    exec(compile(src, "<exported>", "exec"), ns)   # tests only: the library never runs code
    return ns


def run_export(expr, wrt, shapes, order, layout, backend="numpy", with_check=False):
    d = matcalc.derive(expr, wrt, shapes=shapes, order=order, layout=layout)
    ns = load_module(export(d, backend, with_check=with_check))
    fn = ns["f_and_hess" if order == 2 else "f_and_grad"]
    env = inputs(d)
    args = [env[a] for a in _arguments(d)]
    return d, ns, fn, env, args


def assert_matches(d, env, value, deriv, rtol=1e-10, atol=1e-12):
    want = d.lambdify()(**env)
    deriv = np.asarray(deriv)
    assert deriv.shape == want.shape, (deriv.shape, want.shape)
    np.testing.assert_allclose(deriv, want, rtol=rtol, atol=atol)
    want_value = evaluate(d.expr, env)
    np.testing.assert_allclose(np.asarray(value).reshape(-1), want_value.reshape(-1),
                               rtol=rtol, atol=atol)


@pytest.mark.parametrize("expr,wrt,shapes,order,layout", _param(ACCEPTANCE))
def test_with_check_runs_and_passes(expr, wrt, shapes, order, layout):
    d, ns, _, env, args = run_export(expr, wrt, shapes, order, layout, with_check=True)
    name = "check_f_and_hess" if order == 2 else "check_f_and_grad"
    assert ns[name](*args) < (1e-4 if order == 2 else 1e-6)
    src = export(d, with_check=True)
    with pytest.raises(SystemExit) as exit_:
        load_module(src, "__main__")
    assert exit_.value.code == 0


def test_check_function_catches_a_wrong_gradient():
    d = matcalc.derive(LOGREG_EXPR, "w", shapes=LOGREG)
    src = export(d, with_check=True).replace("    return value, grad",
                                             "    return value, 1.01 * grad")
    ns = load_module(src)
    env = inputs(d)
    assert ns["check_f_and_grad"](*[env[a] for a in _arguments(d)]) > 1e-4


# -- the shape of the code -------------------------------------------------------------------

def _body(src: str) -> str:
    """The statements of the function (no docstring, no comments)."""
    lines = src.split('"""')[4].splitlines()
    return "\n".join(ln for ln in lines if ln.startswith("    ") and "return" not in ln)


@pytest.mark.parametrize("expr,wrt,shapes,order,present,absent", [
    # the numeric anchor (peer-measurements §5): broadcast, never np.diag; -(Xᵀ v), not -Xᵀ v
    (LOGREG_EXPR, "w", LOGREG, 2, "[:, None] * X).T @ X", "np.diag("),
    (LOGREG_EXPR, "w", LOGREG, 1, "grad = -(", "-X"),
    # X w + b is computed once for the value and the gradient together
    (LOSS_EXPR, "w", LOSS, 1, "t1 = X @ w + b", "X @ w + b -"),
    # diag(x) (A y): the vector first, so not even the scaled rows x[:, None] * A
    ("sum(diag(x) @ A @ y)", "y", {"x": "n", "A": "n,n", "y": "n"}, 1, "x * (A @ y)",
     "np.diag("),
    ("sum(A @ diag(x))", "x", {"x": "n", "A": "n,n"}, 1, "", "np.diag("),
    ("tr(inv(X) @ A)", "A", {"X": "n,n", "A": "n,n"}, 1, "", "np.diag("),
])
def test_code_shape(expr, wrt, shapes, order, present, absent):
    src = export(matcalc.derive(expr, wrt, shapes=shapes, order=order))
    body = _body(src)
    assert present in body, body
    assert absent not in body, body


@pytest.mark.parametrize("expr,wrt,shapes,order,present,absent", [
    # xᵀ (Aᵀ + A) is computed as xᵀ Aᵀ + xᵀ A: two matrix-vector products, no n×n sum, and
    # xᵀ Aᵀ is printed A @ x (the matrix in its own orientation: JAX copies A.T for x @ A.T)
    ("x' @ A @ x", "x", {"A": "n,n", "x": "n"}, 1, "A @ x", "A.T + A"),
    ("x' @ (A + B) @ x", "x", {"A": "n,n", "B": "n,n", "x": "n"}, 1, "", "A + B"),
    ("sum((A - B) @ x)", "A", {"A": "n,n", "B": "n,n", "x": "n"}, 1, "B @ x", "A - B"),
    # a scalar factor of the matrix scales the product: 2 (xᵀ A), not (2 A) x
    ("x' @ (2*A + B) @ x", "x", {"A": "n,n", "B": "n,n", "x": "n"}, 1, "2.0 * (x @ A)", "2.0 * A"),
    # a chain takes the vector first: A (B x), never (A B) x
    # (Python's @ is left-associative: `np.ones(n) @ A @ B` takes the vector first too)
    ("sum(A @ B @ x)", "x", {"A": "n,n", "B": "n,n", "x": "n"}, 1, "A @ (B @ x)", "(A @ B)"),
    ("x' @ A @ B @ C", "x", {"A": "n,n", "B": "n,n", "C": "n,n", "x": "n"}, 1,
     "x @ A @ B @ C", "(B @ C)"),
    # the Hessian is the matrix itself: nothing to distribute
    ("x' @ A @ x", "x", {"A": "n,n", "x": "n"}, 2, "A + A.T", ""),
])
def test_matrix_products_take_the_vector_first(expr, wrt, shapes, order, present, absent):
    d = matcalc.derive(expr, wrt, shapes=shapes, order=order)
    src = export(d)
    body = _body(src)
    assert present in body, body
    assert not absent or absent not in body, body
    ns = load_module(src)
    env = inputs(d)
    value, deriv = ns["f_and_hess" if order == 2 else "f_and_grad"](*[env[a] for a in
                                                                        _arguments(d)])
    assert_matches(d, env, value, deriv)


def test_common_subexpressions_are_computed_once():
    body = _body(export(matcalc.derive(LOGREG_EXPR, "w", shapes=LOGREG, order=2)))
    assert body.count("np.logaddexp(") == 1 and "np.exp(" not in body, body   # stable log
    assert body.count("X @ w") == 1, body


def test_header_docstring_and_signature():
    d = matcalc.derive(LOSS_EXPR, "w", shapes=LOSS)
    src = export(d)
    assert "def f_and_grad(y, X, w, b):" in src           # order of first appearance
    assert "N = y.shape[0]" in src                          # sizes read from the arguments
    for line in d.steps_text().splitlines():
        assert "# " + line.rstrip() in src
    assert "grad has shape (n,)" in src and "numerator layout" in src
    hess = export(matcalc.derive(LOGREG_EXPR, "w", shapes=LOGREG, order=2))
    assert "def f_and_hess(y, X, w):" in hess and "hess has shape (n, n)" in hess


def test_unknown_backend_is_a_matcalc_error():
    d = matcalc.derive("w.x", "w", shapes={"w": "n", "x": "n"})
    with pytest.raises(matcalc.MatcalcError, match="numpy, pytorch, jax"):
        export(d, "tensorflow")


def test_scalar_inputs_may_be_python_floats():
    d = matcalc.derive("sin(x^2) * y", "x")
    value, grad = load_module(export(d))["f_and_grad"](0.5, 2.0)
    assert np.isclose(value, np.sin(0.25) * 2.0) and np.isclose(grad, 2 * 0.5 * np.cos(0.25) * 2)


# -- issue 13.6/13.7: the export as fast as hand-written code ---------------------------------

MLP_EXPR = "mse(relu(X @ W1 + b1) @ W2 + b2, T)"
MLP = {"X": "N,n", "T": "N,k"}


@pytest.mark.parametrize("backend", ["numpy", "pytorch", "jax"])
def test_step_is_a_comparison_and_step_of_0_is_0(backend):
    pytest.importorskip({"numpy": "numpy", "pytorch": "torch", "jax": "jax"}[backend])
    d = matcalc.derive("sum(max(0, x))", "x", shapes={"x": "n"})
    src = export(d, backend)
    assert "heaviside" not in src and "(z > 0)" in src and "_step(x)" in src
    x = np.array([-1.0, 0.0, 2.0])                    # step(0) = 0 (docs/design.md, Kinks)
    grad = load_module(src)["f_and_grad"](x)[1]
    assert np.asarray(grad).tolist() == [0.0, 0.0, 1.0]


def test_a_broadcast_bias_is_not_an_outer_product():
    d = matcalc.derive(MLP_EXPR, ["W1", "b1", "W2", "b2"], shapes=MLP)
    body = _body(export(d))
    assert "X @ W1 + b1" in body and "np.outer(" not in body, body
    ns, env = load_module(export(d)), inputs(d)
    value, deriv = ns["f_and_grad"](*[env[a] for a in _arguments(d)])
    assert_matches(d, env, value, deriv)


def test_the_value_and_the_gradient_share_the_forward_pass():
    from pathlib import Path
    block = (Path(__file__).resolve().parent.parent / "examples" / "transformer.mc").read_text(
        encoding="utf-8")
    params = ["Wq", "Wk", "Wv", "Wo", "W1", "c1", "W2", "c2", "g1", "b1", "g2", "b2"]
    d = matcalc.derive(block, params, shapes={"X": "N,d"})
    body = _body(export(d))
    # the attention softmax, the MLP's GELU and each layer norm once, for value and gradient
    assert body.count("_softmax_rows(") == 1 and body.count("_gelu(") == 1, body
    assert body.count("_normalize_rows(") == 2, body
    ns, env = load_module(export(d)), inputs(d)
    value, deriv = ns["f_and_grad"](*[env[a] for a in _arguments(d)])
    assert_matches(d, env, value, deriv, atol=1e-9)     # entries up to ~10³: 1e-12 relative
