"""NumPy evaluation, lambdify's S+T shapes, the diag peephole, and agreement of the NumPy
and SymPy evaluators on every operator."""
import tracemalloc

import numpy as np
import pytest
import sympy

import matcalc
from matcalc.evaluate import evaluate, lambdify
from matcalc.sympy_bridge import entry_symbols, to_sympy, to_sympy_explicit
from matcalc.tree import Expr, eye, var

RNG = np.random.default_rng(1)


def test_evaluate_relu_layer_matches_numpy():
    tree = matcalc.parse("max(0, X @ w + b)", {"X": "N,n", "w": "n", "b": "scalar"})
    X, w = RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    out = evaluate(tree, {"X": X, "w": w, "b": 0.25})
    assert out.shape == (5, 1)
    np.testing.assert_allclose(out[:, 0], np.maximum(0, X @ w + 0.25))


def test_inputs_scalar_1d_2d_are_normalised_and_checked():
    tree = matcalc.parse("x' @ A + b", {"x": "n", "A": "n,m", "b": "scalar"})
    A = RNG.standard_normal((3, 2))
    out1 = evaluate(tree, {"x": [1.0, 2.0, 3.0], "A": A, "b": 1})
    out2 = evaluate(tree, {"x": np.array([[1.0], [2.0], [3.0]]), "A": A, "b": np.array([[1]])})
    np.testing.assert_allclose(out1, out2)
    assert out1.shape == (1, 2)
    with pytest.raises(matcalc.ShapeError):
        evaluate(tree, {"x": np.ones((1, 3)), "A": A, "b": 1})      # a row for a column
    with pytest.raises(matcalc.ShapeError):
        evaluate(tree, {"x": np.ones(4), "A": A, "b": 1})           # n is 3 (from A) and 4


def test_step_and_sign_conventions_at_zero():
    tree = matcalc.parse("step(x) + sign(x)", {"x": "n"})
    np.testing.assert_array_equal(evaluate(tree, {"x": [-1.0, 0.0, 2.0]})[:, 0], [-1, 0, 2])


def test_d_is_not_evaluable():
    with pytest.raises(matcalc.CheckError, match="differential"):
        evaluate(Expr("d", (var("x"),)), {"x": 1.0})


def _central(f, x, h=1e-6):
    """Independent reference: central differences of f over the entries of x (C order)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        cols.append((f(x + e.reshape(x.shape)) - f(x - e.reshape(x.shape))) / (2 * h))
    return np.stack(cols, -1).reshape(np.shape(f(x)) + x.shape)


def test_lambdify_shapes_and_values():
    n, m = 4, 3
    x, w, A, M = (RNG.standard_normal(n), RNG.standard_normal(n),
                  RNG.standard_normal((n, n)), RNG.standard_normal((m, n)))
    S = {"x": "n", "w": "n", "A": "n,n", "M": "m,n", "z": "scalar"}
    p = lambda text: matcalc.parse(text, S)                          # noqa: E731

    # scalar by n-vector -> (n,)
    f = lambdify(p("x' @ (A + A')"), "x", S, out_shape="scalar")
    assert f(x=x, A=A).shape == (n,)
    np.testing.assert_allclose(f(x=x, A=A), _central(lambda v: v @ A @ v, x), rtol=1e-6)
    # m-vector by n-vector -> (m, n)
    f = lambdify(p("M"), "x", S, out_shape="m")
    np.testing.assert_allclose(f(M=M, x=x), _central(lambda v: M @ v, x), rtol=1e-6)
    # scalar by m×n matrix -> (m, n)
    f = lambdify(p("x @ w'"), "A", S, out_shape="scalar")
    assert f(x=x, w=w, A=A).shape == (n, n)
    np.testing.assert_allclose(f(x=x, w=w, A=A), _central(lambda B: x @ B @ w, A), rtol=1e-6)
    # m-vector by scalar -> (m,)
    f = lambdify(p("M @ x"), "z", S, out_shape="m")
    assert f(M=M, x=x).shape == (m,)
    np.testing.assert_allclose(f(M=M, x=x), _central(lambda s: s * (M @ x), np.float64(2.0)),
                               rtol=1e-6)
    # Hessian of a scalar by an n-vector -> (n, n)
    f = lambdify(p("A + A'"), "x", S, order=2, out_shape="scalar")
    assert f(A=A).shape == (n, n)
    # a vector by a matrix -> (m, m, n): ∂(M x)_i / ∂M_ab = δ_ia x_b
    closed = Expr("kron", (eye("m"), Expr("T", (var("x", ("n", 1)),), (1, "n"))), ("m", "m*n"))
    f = lambdify(closed, "M", S, out_shape="m")
    assert f(M=M, x=x).shape == (m, m, n)
    np.testing.assert_allclose(f(M=M, x=x), _central(lambda B: B @ x, M), rtol=1e-6)
    # denominator layout: a column gradient, returned in the §3 convention
    f = lambdify(p("x"), "w", S, layout="denominator", out_shape="scalar")
    np.testing.assert_allclose(f(x=x), x)
    # several variables: the concatenation
    f = lambdify(matcalc.parse("[6*x*y, 3*x^2; 2, 8*y^7]"), ["x", "y"],
                 {"x": "scalar", "y": "scalar"}, out_shape="2")
    np.testing.assert_allclose(f(x=2.0, y=1.0), [[12, 12], [2, 8]])
    # a closed form of the wrong size is refused
    with pytest.raises(matcalc.ShapeError):
        lambdify(p("M"), "x", S, out_shape="scalar")(M=M)


def test_diag_product_is_not_materialised(monkeypatch):
    n = 2000
    u, A = RNG.standard_normal(n), RNG.standard_normal((n, 3))
    S = {"u": "n", "A": "n,m", "v": "n"}
    monkeypatch.setattr(np, "diag", lambda *a, **k: pytest.fail("diag materialised"))
    tracemalloc.start()
    left = evaluate(matcalc.parse("diag(u) @ A", S), {"u": u, "A": A})
    right = evaluate(matcalc.parse("A' @ diag(u)", S), {"u": u, "A": A})
    vec = evaluate(matcalc.parse("diag(u) @ diag(2 u) @ v + tr(diag(u))", S), {"u": u, "v": u})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < n * n * 8 / 10           # an n×n float64 would be 32 MB
    np.testing.assert_allclose(left, u[:, None] * A)
    np.testing.assert_allclose(right, A.T * u[None, :])
    np.testing.assert_allclose(vec[:, 0], 2 * u ** 3 + u.sum())


def test_diag_is_materialised_only_when_needed():
    out = evaluate(matcalc.parse("diag(u) + 1", {"u": "n"}), {"u": [1.0, 2.0]})
    np.testing.assert_array_equal(out, [[2, 1], [1, 3]])


# every operator, evaluated by NumPy and by SymPy's explicit expansion at the same point
ALL_OPS = {
    "x + y - x ⊙ y / z + x^2 - (-y)": {},
    "max(x, y) + min(x, 0.5)": {},
    "exp(x) + log(z) + sin(x) + cos(x) + tan(x) + tanh(x) + sigmoid(x) + softplus(x)": {},
    "sqrt(z) + abs(x) + step(x) + sign(y)": {},
    "sum(x) + mean(M) + norm(x) + norm(M) + logsumexp(x)": {},
    "tr(A) + det(A) + logdet(A'A + 1) + w.x": {},
    "softmax(x) + diag(A) + diag(x) @ y + inv(A) @ x": {},
    "M @ x + [sum(x), mean(x)]": {"M": "2,n"},
    "[sum(x), 1; 2, x.y] @ [z.w, 3]": {},
    "x + 𝟏 - 𝟎": {},
    "kron(M, x')": {},
}


@pytest.mark.parametrize("text", list(ALL_OPS))
def test_numpy_and_sympy_evaluators_agree(text):
    shapes = {"x": "n", "y": "n", "w": "n", "z": "n", "A": "n,n", "M": "m,n", **ALL_OPS[text]}
    tree, var_shapes = matcalc.parse_with_shapes(text, shapes)
    sizes = {"n": 3, "m": 2}
    env = {k: RNG.uniform(0.5, 1.5, matcalc.evaluate.resolve_shape(s, sizes))
           for k, s in var_shapes.items()}
    env["A"] = env.get("A", np.eye(3)) + 3 * np.eye(3)
    env["x"] = env["x"] * np.array([[1], [-1], [1]])            # a negative entry or two
    numeric = evaluate(tree, env)
    symbols = entry_symbols(var_shapes, sizes)
    explicit = to_sympy_explicit(tree, sizes, symbols)
    point = {s: sympy.Float(v, 30) for k in var_shapes
             for s, v in zip(symbols[k], env[k].reshape(-1))}
    exact = np.array(explicit.xreplace(point).evalf(20).tolist(), dtype=float)
    np.testing.assert_allclose(numeric, exact, rtol=1e-10, atol=1e-12)


def test_eye_and_size_leaves():
    from matcalc.tree import size
    n_leaf, A = size("n"), var("A", ("n", "n"))
    tree = Expr("add", (Expr("mul", (n_leaf, eye("n")), ("n", "n")), A), ("n", "n"))
    A0 = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(evaluate(tree, {"A": A0}), 3 * np.eye(3) + A0)
    symbols = entry_symbols({"A": ("n", "n")}, {"n": 3})
    explicit = to_sympy_explicit(tree, {"n": 3}, symbols)
    assert explicit - symbols["A"] == 3 * sympy.eye(3)
    with pytest.raises(matcalc.CheckError, match="size 'k'"):
        evaluate(Expr("ones", (), ("k", 1)), {})


def test_block_concatenation_of_arrays():
    # the parser builds literals of scalars; array blocks are built here with shape_of
    from matcalc.shaperules import shape_of
    x, y, A = var("x", ("n", 1)), var("y", ("n", 1)), var("A", ("n", "n"))
    xt, one = Expr("T", (x,), (1, "n")), Expr("num", (), (1, 1), matcalc.tree.Fraction(1))
    top = Expr("hcat", (xt, one), shape_of("hcat", (xt, one)))
    bottom = Expr("hcat", (A, y), shape_of("hcat", (A, y)))
    block = Expr("vcat", (top, bottom), shape_of("vcat", (top, bottom)))
    env = {"x": RNG.standard_normal(3), "y": RNG.standard_normal(3),
           "A": RNG.standard_normal((3, 3))}
    want = np.block([[env["x"][None, :], np.ones((1, 1))], [env["A"], env["y"][:, None]]])
    np.testing.assert_allclose(evaluate(block, env), want)
    symbols = entry_symbols({"x": ("n", 1), "y": ("n", 1), "A": ("n", "n")}, {"n": 3})
    assert to_sympy_explicit(block, {"n": 3}, symbols).shape == (4, 4)


def test_to_sympy_matrix_expressions():
    S = {"x": "n", "A": "n,n", "w": "n", "b": "scalar", "u": "n"}
    M = sympy.matrices.expressions
    quad = to_sympy(matcalc.parse("x' @ A @ x", S))
    assert str(quad) == "(x.T*A*x)[0, 0]"
    assert isinstance(to_sympy(matcalc.parse("diag(u) @ A", S)).args[0], M.DiagMatrix)
    assert isinstance(to_sympy(matcalc.parse("inv(A)", S)), M.Inverse)
    assert to_sympy(matcalc.parse("logdet(A)", S)) == \
        sympy.log(M.Determinant(M.MatrixSymbol("A", sympy.Symbol("n", integer=True,
                                                                   positive=True),
                                              sympy.Symbol("n", integer=True, positive=True))))
    assert isinstance(to_sympy(matcalc.parse("max(0, w.x + b)", S)), sympy.Max)
    with pytest.raises(matcalc.UnsupportedError):
        to_sympy(matcalc.parse("max(x, u)", S))
    explicit = to_sympy(matcalc.parse("w.x", S), {"n": 2})
    w0, w1, x0, x1 = (sympy.Symbol(f"{v}_{i}_0", real=True) for v in "wx" for i in range(2))
    assert explicit == sympy.Matrix([[w0 * x0 + w1 * x1]])


def test_unsafe_variable_names_never_become_symbol_names():
    from matcalc.sympy_bridge import safe_name
    assert safe_name("x1", "v0") == "x1"
    assert safe_name("lambda", "v0") == "v0"
    assert safe_name("__import__('os')", "v0") == "v0"


# -- a removable 0/0 is its limit (issue 11, item 7) ----------------------------------------

@pytest.mark.parametrize("text,wrt,shape", [
    ("norm(relu(x))", "x", (3,)), ("sqrt(relu(a))", "a", ()), ("norm(relu(X))", "X", (3, 2))])
def test_removable_zero_over_zero_is_the_limit(text, wrt, shape):
    # every entry negative: the function is 0 near the point, so is its derivative; the
    # closed form is (x ⊙ step(x))ᵀ / norm(max(0, x)) = 0/0 there
    from matcalc.codegen import export
    from tests.test_exports import BACKENDS, load_module
    d = matcalc.derive(text, wrt, shapes={"x": "n", "X": "n,m"})
    point = -np.ones(shape) if shape else -1.0
    got = d.lambdify()(**{wrt: point})
    assert np.all(np.asarray(got) == 0.0), got
    for backend in [b for b, reason in BACKENDS.items() if reason is None]:
        src = export(d, backend)
        assert "_div0(" in src
        value, grad = load_module(src)["f_and_grad"](point)
        assert np.all(np.asarray(grad) == 0.0), (backend, grad)


def test_a_real_pole_is_not_hidden():
    d = matcalc.derive("1 / x", "x")
    with np.errstate(all="ignore"):
        assert not np.isfinite(d.lambdify()(x=0.0))
