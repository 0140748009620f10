"""The shared battery: the paper's worked examples and the matrix problems, each with

* the matcalc text, wrt, shapes (and order),
* a NumPy reference `ref(**arrays)` of the *function* (not its derivative): derivatives are
  checked against central finite differences of it, so no closed form is trusted,
* a SymPy encoding built by hand with constructors (`MatrixSymbol`, `Trace`, `HadamardProduct`,
  ...; never `sympify` of a string), and where easy a tensorgrad encoding.

Arrays follow docs/design.md §6: a scalar is a float, a vector is 1-D, a matrix 2-D.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

from bench.common import ROOT

SIZES = {"n": 3, "m": 4, "p": 2, "q": 4, "h": 4, "k": 2, "N": 5}


@dataclass
class Problem:
    id: str
    text: str
    wrt: str
    shapes: dict
    order: int = 1
    group: str = "matrix"
    ref: Callable | None = None          # NumPy f(**arrays)
    sympy: Callable | None = None        # () -> (expr, wrt symbol, {name: symbol}, dims)
    tensorgrad: Callable | None = None   # () -> tensorgrad derivative builder (callable)
    point: dict = field(default_factory=dict)   # special value makers {name: fn(rng, shape)}
    note: str = ""


# -- the paper's examples, read from tests/test_paper.py without importing pytest ------------

def paper_cases() -> list[tuple]:
    """CASES of tests/test_paper.py: (example, expression, wrt, shapes, expected, layout)."""
    src = (ROOT / "tests" / "test_paper.py").read_text(encoding="utf-8")
    tree = ast.parse(src)
    ns: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            try:
                ns[node.targets[0].id] = eval(compile(ast.Expression(node.value), "<cases>", "eval"),
                                              {"__builtins__": {}}, dict(ns))
            except Exception:
                continue
    return list(ns["CASES"])


# -- NumPy references and point makers ---------------------------------------------------------

def _np():
    import numpy as np
    return np


def _sig(z):
    np = _np()
    return np.exp(-np.logaddexp(0.0, -z))


def _pos_def(rng, shape):           # det > 0, well conditioned, not symmetric
    np = _np()
    return np.eye(shape[0]) * 2.0 + 0.3 * rng.standard_normal(shape)


def _away_from_zero(rng, shape):
    np = _np()
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _pm1(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _deep_text(L: int) -> tuple[str, dict]:
    """norm(W_L @ tanh(… tanh(W_1 @ x)) - y)^2 with every W_k n×n."""
    h = "x"
    for k in range(1, L + 1):
        h = f"W{k} @ {h}" if k == L else f"tanh(W{k} @ {h})"
    shapes = {f"W{k}": "n,n" for k in range(1, L + 1)}
    shapes.update(x="n", y="n")
    return f"norm({h} - y)^2", shapes


def _deep_ref(L):
    def f(x, y, **W):
        np = _np()
        h = x
        for k in range(1, L + 1):
            h = W[f"W{k}"] @ h
            if k < L:
                h = np.tanh(h)
        return float(np.sum((h - y) ** 2))
    return f


# -- SymPy encodings (symbolic sizes) ------------------------------------------------------------

def _sp():
    import sympy
    return sympy


def _dims(*names):
    sp = _sp()
    return {d: sp.Symbol(d, integer=True, positive=True) for d in names}


def _ms(name, r, c):
    return _sp().MatrixSymbol(name, r, c)


def sp_scalar(build, wrt="x", names=("x", "y")):
    """A scalar paper example: SymPy's plain Symbol differentiation (what a user would use)."""
    def make():
        sp = _sp()
        syms = {n: sp.Symbol(n, real=True) for n in names}
        return build(sp, syms), syms[wrt], syms, {}
    return make


def sp_matrix(build):
    """build(sp, D) -> (expr, wrt name, {name: MatrixSymbol}) with D the symbolic sizes."""
    def make():
        sp = _sp()
        D = _dims(*SIZES)
        expr, wrt, syms = build(sp, D)
        return expr, syms[wrt], syms, D
    return make


def _ones(sp, r, c):
    return sp.OneMatrix(r, c)


def _sp_deep_tanh(L):
    def build(sp, D):
        n = D["n"]
        x = _ms("x", n, 1)
        syms = {"x": x}
        h = x
        for k in range(1, L + 1):
            W = _ms(f"W{k}", n, n)
            syms[f"W{k}"] = W
            h = (W * h).applyfunc(sp.tanh)
        return h, "x", syms
    return build


def _sp_logistic(sp, D):
    m, n = D["m"], D["n"]
    X, w, y = _ms("X", m, n), _ms("w", n, 1), _ms("y", m, 1)
    u = sp.Dummy("u")
    loss = _ones(sp, 1, m) * sp.HadamardProduct(-y, X * w).applyfunc(sp.Lambda(u, sp.log(1 + sp.exp(u))))
    return loss, "w", {"X": X, "w": w, "y": y}


# -- tensorgrad encodings (named edges; only built when tensorgrad is installed) --------------------

def tg_problem(build):
    def make():
        import sympy
        import tensorgrad as tg
        import tensorgrad.functions as F
        n, m = sympy.symbols("n m")
        return build(tg, F, n, m)
    return make


def _tg_quad(tg, F, n, m):
    x, A = tg.Variable("x", n), tg.Variable("A", n, n2=n)
    return x @ A @ x.rename(n="n2"), x


def _tg_linear(tg, F, n, m):
    a, x = tg.Variable("a", n), tg.Variable("x", n)
    return a @ x, x


def _tg_lsq(tg, F, n, m):
    A, x, c = tg.Variable("A", m, n), tg.Variable("x", n), tg.Variable("c", m)
    r = A @ x - c
    return r @ r, x


def _tg_Ax(tg, F, n, m):
    A, x = tg.Variable("A", m, n), tg.Variable("x", n)
    return A @ x, x


def _tg_tr_XtX(tg, F, n, m):
    X = tg.Variable("X", n, m)
    return X @ X, X


def _tg_logdet(tg, F, n, m):
    X = tg.Variable("X", i=n, j=n)
    return F.log(F.det(X)), X


def _tg_logistic(tg, F, n, m):
    X, w, y = tg.Variable("X", m, n), tg.Variable("w", n), tg.Variable("y", m)
    z = -(y * (X @ w))
    return F.sum(F.log(1 + F.exp(z))), w


def _tg_tr_AXB(tg, F, n, m):
    import sympy
    p, q = sympy.symbols("p q")
    A, X = tg.Variable("A", i=p, j=n), tg.Variable("X", j=n, k=q)
    return A @ X @ tg.Variable("B", k=q, i=p), X


def _tg_inv(tg, F, n, m):
    a, X, c = tg.Variable("a", i=n), tg.Variable("X", i=n, j=n), tg.Variable("c", j=n)
    return a @ F.inverse(X) @ c, X


def _tg_sigmoid_affine(tg, F, n, m):
    W, x, b = tg.Variable("W", o=m, n=n), tg.Variable("x", n), tg.Variable("b", o=m)
    return F.sigmoid(W @ x + b), x


def _tg_tanh_x(tg, F, n, m):
    x = tg.Variable("x", n)
    return F.tanh(x), x


def _tg_mlp2(tg, F, n, m):
    import sympy
    k = sympy.symbols("k")
    x, W1 = tg.Variable("x", n), tg.Variable("W1", h=m, n=n)
    W2, y = tg.Variable("W2", k=k, h=m), tg.Variable("y", k=k)
    r = W2 @ F.tanh(W1 @ x) - y
    return r @ r, W1


def _tg_tanh_chain(L):
    def build(tg, F, n, m):
        x = h = tg.Variable("x", n)
        for k in range(1, L + 1):
            h = F.tanh(tg.Variable(f"W{k}", o=n, n=n) @ h).rename(o="n")
        return h, x
    return build


def _tg_paper(which):
    """The paper's examples tensorgrad can write (scalars are edge-less variables; it has no
    sin or cos, so paper_23 and paper_25 are not written)."""
    def build(tg, F, n, m):
        x, w = tg.Variable("x", n), tg.Variable("w", n)
        s = tg.Variable("x")
        if which == "paper_3":
            return F.pow(s, 3), s
        if which == "paper_7":
            return F.log(F.pow(s, 2)), s
        if which == "paper_9a":
            return 3 * F.pow(s, 2) * tg.Variable("y"), s
        if which == "paper_16a":
            return w * x, w
        if which == "paper_17b":
            return w * F.pow(x, -1), x
        if which == "paper_20":
            return F.sum(x), x
        if which == "paper_28a":
            return w @ x, w
        if which == "paper_31":
            return F.relu(x), x
        if which == "paper_32a":
            return F.relu(w @ x + tg.Variable("b")), w
        X, y = tg.Variable("X", N=m, n=n), tg.Variable("y", N=m)        # paper_33
        r = y - F.relu(X @ w + tg.Variable("b"))
        return F.mean(r * r, ["N"]), w
    return build


TG_PAPER = ("paper_3", "paper_7", "paper_9a", "paper_16a", "paper_17b", "paper_20", "paper_28a", "paper_31",
            "paper_32a", "paper_33")


# -- the battery ---------------------------------------------------------------------------------

def _paper_refs():
    """NumPy references and SymPy encodings for the paper examples the battery compares."""
    np = _np()
    V = {"w": "n", "x": "n"}
    NEURON = {"w": "n", "x": "n", "b": "scalar"}
    LOSS = {"X": "N,n", "w": "n", "b": "scalar", "y": "N"}

    def sp_vec(build, wrt, names, extra=()):
        def b(sp, D):
            n = D["n"]
            syms = {k: _ms(k, n, 1) for k in names}
            syms.update({k: sp.Symbol(k, real=True) for k in extra})
            return build(sp, syms, D), wrt, syms
        return sp_matrix(b)

    return [
        Problem("paper_3", "x^3", "x", {}, group="paper", ref=lambda x: x ** 3,
                sympy=sp_scalar(lambda sp, s: s["x"] ** 3)),
        Problem("paper_7", "ln(x^2)", "x", {}, group="paper", ref=lambda x: np.log(x ** 2),
                sympy=sp_scalar(lambda sp, s: sp.log(s["x"] ** 2)), point={"x": _away_from_zero}),
        Problem("paper_9a", "3x^2 y", "x", {}, group="paper", ref=lambda x, y: 3 * x ** 2 * y,
                sympy=sp_scalar(lambda sp, s: 3 * s["x"] ** 2 * s["y"])),
        Problem("paper_23", "ln(sin(x^3)^2)", "x", {}, group="paper",
                ref=lambda x: np.log(np.sin(x ** 3) ** 2),
                sympy=sp_scalar(lambda sp, s: sp.log(sp.sin(s["x"] ** 3) ** 2)),
                point={"x": lambda rng, sh: rng.uniform(0.5, 1.2)}),
        Problem("paper_25", "sin(x + x^2)", "x", {}, group="paper",
                ref=lambda x: np.sin(x + x ** 2),
                sympy=sp_scalar(lambda sp, s: sp.sin(s["x"] + s["x"] ** 2))),
        Problem("paper_16a", "w ⊗ x", "w", V, group="paper", ref=lambda w, x: w * x,
                sympy=sp_vec(lambda sp, s, D: sp.HadamardProduct(s["w"], s["x"]), "w", "wx")),
        Problem("paper_17b", "w ⊘ x", "x", V, group="paper", ref=lambda w, x: w / x,
                sympy=sp_vec(lambda sp, s, D: sp.HadamardProduct(s["w"], sp.HadamardPower(s["x"], -1)),
                             "x", "wx"), point={"x": _away_from_zero}),
        Problem("paper_20", "sum(x)", "x", {"x": "n"}, group="paper", ref=lambda x: float(np.sum(x)),
                sympy=sp_vec(lambda sp, s, D: _ones(sp, 1, D["n"]) * s["x"], "x", "x")),
        Problem("paper_28a", "w.x", "w", V, group="paper", ref=lambda w, x: float(w @ x),
                sympy=sp_vec(lambda sp, s, D: s["w"].T * s["x"], "w", "wx")),
        Problem("paper_31", "max(0, x)", "x", {"x": "n"}, group="paper",
                ref=lambda x: np.maximum(0, x),
                sympy=sp_vec(lambda sp, s, D: s["x"].applyfunc(_sp_relu(sp)), "x", "x"),
                point={"x": _away_from_zero}),
        Problem("paper_32a", "max(0, w.x + b)", "w", NEURON, group="paper",
                ref=lambda w, x, b: max(0.0, float(w @ x) + b),
                sympy=sp_vec(lambda sp, s, D: sp.Max(0, (s["w"].T * s["x"])[0, 0] + s["b"]),
                             "w", "wx", extra="b"),
                point={"b": lambda rng, sh: 0.7}),
        Problem("paper_33", "mean((y - max(0, X @ w + b))^2)", "w", LOSS, group="paper",
                ref=lambda X, w, b, y: float(np.mean((y - np.maximum(0, X @ w + b)) ** 2)),
                sympy=sp_matrix(_sp_paper33), point={"b": lambda rng, sh: 0.3}),
    ]


def _sp_relu(sp):
    u = sp.Dummy("u")
    return sp.Lambda(u, sp.Max(0, u))


def _sp_paper33(sp, D):
    N, n = D["N"], D["n"]
    X, w, y, b = _ms("X", N, n), _ms("w", n, 1), _ms("y", N, 1), sp.Symbol("b", real=True)
    u = sp.Dummy("u")
    r = y - (X * w + b * _ones(sp, N, 1)).applyfunc(sp.Lambda(u, sp.Max(0, u)))
    return (r.T * r) / N, "w", {"X": X, "w": w, "y": y, "b": b}


def matrix_problems(deep_levels=(1, 2, 4)) -> list[Problem]:
    np = _np()
    out = [
        Problem("quad", "x' @ A @ x", "x", {"x": "n", "A": "n,n"},
                ref=lambda x, A: float(x @ A @ x),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda x, A: (x.T * A * x, "x", {"x": x, "A": A}))(
                        _ms("x", D["n"], 1), _ms("A", D["n"], D["n"])))),
                tensorgrad=tg_problem(_tg_quad)),
        Problem("linear", "a' @ x", "x", {"x": "n", "a": "n"},
                ref=lambda a, x: float(a @ x),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda a, x: (a.T * x, "x", {"a": a, "x": x}))(
                        _ms("a", D["n"], 1), _ms("x", D["n"], 1)))),
                tensorgrad=tg_problem(_tg_linear)),
        Problem("lsq", "norm(A @ x - c)^2", "x", {"A": "m,n", "x": "n", "c": "m"},
                ref=lambda A, x, c: float(np.sum((A @ x - c) ** 2)),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda A, x, c: ((A * x - c).T * (A * x - c), "x", {"A": A, "x": x, "c": c}))(
                        _ms("A", D["m"], D["n"]), _ms("x", D["n"], 1), _ms("c", D["m"], 1)))),
                tensorgrad=tg_problem(_tg_lsq)),
        Problem("Ax", "A @ x", "x", {"A": "m,n", "x": "n"},
                ref=lambda A, x: A @ x,
                sympy=sp_matrix(lambda sp, D: (
                    (lambda A, x: (A * x, "x", {"A": A, "x": x}))(
                        _ms("A", D["m"], D["n"]), _ms("x", D["n"], 1)))),
                tensorgrad=tg_problem(_tg_Ax)),
        Problem("tr_AXB", "tr(A @ X @ B)", "X", {"A": "p,n", "X": "n,q", "B": "q,p"},
                ref=lambda A, X, B: float(np.trace(A @ X @ B)),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda A, X, B: (sp.Trace(A * X * B), "X", {"A": A, "X": X, "B": B}))(
                        _ms("A", D["p"], D["n"]), _ms("X", D["n"], D["q"]),
                        _ms("B", D["q"], D["p"])))),
                tensorgrad=tg_problem(_tg_tr_AXB)),
        Problem("logdet", "logdet(X)", "X", {"X": "n,n"},
                ref=lambda X: float(np.linalg.slogdet(X)[1]),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda X: (sp.log(sp.Determinant(X)), "X", {"X": X}))(
                        _ms("X", D["n"], D["n"])))),
                tensorgrad=tg_problem(_tg_logdet), point={"X": _pos_def}),
        Problem("tr_XtX", "tr(X' @ X)", "X", {"X": "n,q"},
                ref=lambda X: float(np.trace(X.T @ X)),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda X: (sp.Trace(X.T * X), "X", {"X": X}))(_ms("X", D["n"], D["q"])))),
                tensorgrad=tg_problem(_tg_tr_XtX)),
        Problem("inv", "a' @ inv(X) @ c", "X", {"a": "n", "X": "n,n", "c": "n"},
                ref=lambda a, X, c: float(a @ np.linalg.solve(X, c)),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda a, X, c: (a.T * sp.Inverse(X) * c, "X", {"a": a, "X": X, "c": c}))(
                        _ms("a", D["n"], 1), _ms("X", D["n"], D["n"]), _ms("c", D["n"], 1)))),
                tensorgrad=tg_problem(_tg_inv), point={"X": _pos_def}),
        Problem("logistic", "sum(log(1 + exp(-y ⊙ (X @ w))))", "w",
                {"X": "m,n", "w": "n", "y": "m"},
                ref=lambda X, w, y: float(np.sum(np.logaddexp(0.0, -y * (X @ w)))),
                sympy=sp_matrix(_sp_logistic), tensorgrad=tg_problem(_tg_logistic),
                point={"y": _pm1}),
        Problem("sigmoid_affine", "sigmoid(W @ x + b)", "x", {"W": "m,n", "x": "n", "b": "m"},
                ref=lambda W, x, b: _sig(W @ x + b),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda W, x, b, u: ((W * x + b).applyfunc(sp.Lambda(u, 1 / (1 + sp.exp(-u)))),
                                         "x", {"W": W, "x": x, "b": b}))(
                        _ms("W", D["m"], D["n"]), _ms("x", D["n"], 1), _ms("b", D["m"], 1),
                        sp.Dummy("u")))),
                tensorgrad=tg_problem(_tg_sigmoid_affine)),
        Problem("tanh_x", "tanh(x)", "x", {"x": "n"}, ref=lambda x: np.tanh(x),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda x: (x.applyfunc(sp.tanh), "x", {"x": x}))(_ms("x", D["n"], 1)))),
                tensorgrad=tg_problem(_tg_tanh_x)),
        Problem("mlp2_W1", "norm(W2 @ tanh(W1 @ x) - y)^2", "W1",
                {"W1": "h,n", "W2": "k,h", "x": "n", "y": "k"},
                ref=lambda W1, W2, x, y: float(np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2)),
                sympy=sp_matrix(_sp_mlp2), tensorgrad=tg_problem(_tg_mlp2)),
        Problem("hess_quad", "x' @ A @ x", "x", {"x": "n", "A": "n,n"}, order=2,
                ref=lambda x, A: float(x @ A @ x),
                sympy=sp_matrix(lambda sp, D: (
                    (lambda x, A: (x.T * A * x, "x", {"x": x, "A": A}))(
                        _ms("x", D["n"], 1), _ms("A", D["n"], D["n"])))),
                tensorgrad=tg_problem(_tg_quad)),
        Problem("hess_logistic", "sum(log(1 + exp(-y ⊙ (X @ w))))", "w",
                {"X": "m,n", "w": "n", "y": "m"}, order=2,
                ref=lambda X, w, y: float(np.sum(np.logaddexp(0.0, -y * (X @ w)))),
                sympy=sp_matrix(_sp_logistic), tensorgrad=tg_problem(_tg_logistic),
                point={"y": _pm1}),
    ]
    for L in deep_levels:
        text = "x"
        for k in range(1, L + 1):
            text = f"tanh(W{k} @ {text})"
        shapes = {f"W{k}": "n,n" for k in range(1, L + 1)}
        shapes["x"] = "n"

        out.append(Problem(f"deep_tanh_L{L}", text, "x", shapes, ref=_tanh_chain_ref(L),
                           sympy=sp_matrix(_sp_deep_tanh(L)),
                           tensorgrad=tg_problem(_tg_tanh_chain(L))))
    return out


def _tanh_chain_ref(L):
    def f(x, **W):
        np = _np()
        h = x
        for k in range(1, L + 1):
            h = np.tanh(W[f"W{k}"] @ h)
        return h
    return f


def _sp_mlp2(sp, D):
    h, n, k = D["h"], D["n"], D["k"]
    W1, W2, x, y = _ms("W1", h, n), _ms("W2", k, h), _ms("x", n, 1), _ms("y", k, 1)
    r = W2 * (W1 * x).applyfunc(sp.tanh) - y
    return r.T * r, "W1", {"W1": W1, "W2": W2, "x": x, "y": y}


def battery(deep_levels=(1, 2, 4)) -> list[Problem]:
    paper = _paper_refs()
    for p in paper:
        if p.id in TG_PAPER:
            p.tensorgrad = tg_problem(_tg_paper(p.id))
    return paper + matrix_problems(deep_levels)


# -- numeric checks ------------------------------------------------------------------------------

def numpy_shape(decl: str):
    """'n' -> (n,), 'm,n' -> (m, n), 'scalar' / missing -> () at SIZES."""
    if not decl or decl == "scalar":
        return ()
    return tuple(SIZES[d.strip()] for d in decl.split(","))


def random_point(p: Problem, rng, names) -> dict:
    pt = {}
    for name in names:
        shape = numpy_shape(p.shapes.get(name, "scalar"))
        make = p.point.get(name)
        if make is not None:
            v = make(rng, shape)
        else:
            v = rng.standard_normal(shape)
        pt[name] = float(v) if shape == () else v
    return pt


def ref_names(p: Problem) -> list[str]:
    import inspect
    params = inspect.signature(p.ref).parameters
    names = [k for k, v in params.items() if v.kind != v.VAR_KEYWORD]
    if any(v.kind == v.VAR_KEYWORD for v in params.values()):
        names += [k for k in p.shapes if k not in names]
    return names


def fd_derivative(p: Problem, pt: dict, h: float | None = None):
    """Central finite differences of `p.ref` by `p.wrt` at `pt`: shape out + wrt (× wrt for
    order 2), in numerator layout."""
    np = _np()
    x0 = np.asarray(pt[p.wrt], dtype=float)

    def f(x):
        q = dict(pt)
        q[p.wrt] = float(x) if x0.shape == () else x
        return np.asarray(p.ref(**q), dtype=float)

    def jac(fun, x, step):
        flat = x.reshape(-1)
        cols = []
        for i in range(flat.size):
            e = np.zeros_like(flat)
            e[i] = step
            cols.append((fun((flat + e).reshape(x.shape)) - fun((flat - e).reshape(x.shape))) / (2 * step))
        J = np.stack(cols, axis=-1)
        return J.reshape(np.asarray(fun(x)).shape + x.shape)

    if p.order == 1:
        return jac(f, x0, h or 1e-6)
    return jac(lambda x: jac(f, x, 1e-5), x0, h or 1e-4)


def compare(got, want, rtol=1e-4, atol=1e-6) -> str:
    """'ok', 'ok-transposed' (the answer is the transpose of the numerator-layout one: SymPy's
    denominator layout), or 'wrong'."""
    np = _np()
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.size != want.size:
        return "wrong"
    if np.allclose(got.reshape(want.shape), want, rtol=rtol, atol=atol):
        return "ok"
    if got.ndim == 2 and want.ndim == 2 and got.T.shape == want.shape and \
            np.allclose(got.T, want, rtol=rtol, atol=atol):
        return "ok-transposed"
    return "wrong"
