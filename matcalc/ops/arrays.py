"""Records of the leaves, constants, products and structural operators, reductions and
matrix functions.

`sympy` here maps explicit SymPy matrices to a matrix or a scalar (the exact check expands
every entry); `sympy_matrix(b, *operands)` builds the MatrixExpr form, with `b` the builder
of `matcalc.sympy_bridge` (its `sp`, `M`, `ew`, `element`, `is_mat`, `dims`).
"""
from __future__ import annotations

import math

from . import Op, register


def _np_logsumexp(np, a):
    top = a.max()
    return top + np.log(np.sum(np.exp(a - top)))


def _np_softmax(np, a):
    e = np.exp(a - a.max())
    return e / e.sum()


def _sp_total(sp, m):
    return sum(m, sp.Integer(0))


def _sp_diag(sp, m):
    if m.rows == 1 or m.cols == 1:
        return sp.diag(*list(m))
    return sp.Matrix([m[i, i] for i in range(m.rows)])


# -- MatrixExpr forms (a 1×1 operand is a SymPy scalar, anything else a MatrixExpr) ---------

def _mx_sum(b, a):
    if not b.is_mat(a):
        return a
    rows, cols = a.shape
    return b.element(b.M.OneMatrix(1, rows) * a * b.M.OneMatrix(cols, 1))


def _mx_mean(b, a):
    if not b.is_mat(a):
        return a
    rows, cols = a.shape
    return _mx_sum(b, a) / (rows * cols)


def _mx_logsumexp(b, a):
    return a if not b.is_mat(a) else b.sp.log(_mx_sum(b, b.ew(a, b.sp.exp)))


def _mx_norm(b, a):
    return b.sp.Abs(a) if not b.is_mat(a) else b.sp.sqrt(b.M.Trace(a.T * a))


def _mx_softmax(b, a):
    e = b.ew(a, b.sp.exp)
    return e * (1 / _mx_sum(b, e)) if b.is_mat(a) else b.sp.Integer(1)


def _mx_diag(b, a):
    if not b.is_mat(a):
        return a
    rows, cols = a.shape
    if rows == 1 or cols == 1:
        return b.M.DiagMatrix(a if cols == 1 else a.T)
    return b.M.DiagonalOf(a)


def _mx_dot(b, x, y):
    if not b.is_mat(x):
        return x * y
    x, y = (v.T if v.shape[0] == 1 else v for v in (x, y))
    return b.element(x.T * y)


def _np_commutation(np, a):
    """K with vec(aᵀ) = K vec(a), vec row-major: K[j m + i, i n + j] = 1 for a m×n."""
    m, n = a.shape
    K = np.zeros((m * n, m * n))
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    K[(j * m + i).ravel(), (i * n + j).ravel()] = 1.0
    return K


_COMMUTATION_SRC = ("def _commutation(a):\n"
                    "    # K with vec(aᵀ) = K vec(a), vec row-major\n"
                    "    m, n = a.shape\n"
                    "    return {lib}.reshape({lib}.{permute}({lib}.reshape({lib}.eye(m * n{dt}), "
                    "(m * n, m, n)), (0, 2, 1)), (m * n, m * n)).T")


def _sp_commutation(sp, a):
    m, n = a.shape
    K = sp.zeros(m * n, m * n)
    for i in range(m):
        for j in range(n):
            K[j * m + i, i * n + j] = 1
    return K


def _square(f, scalar):
    return lambda b, a: f(b, a) if b.is_mat(a) else scalar(b, a)


register(
    # leaves: their values come from the environment, the sizes or the node itself
    Op("var", "leaf", 0, shape="leaf", doc="a variable: x, W1, x_i, β"),
    Op("num", "leaf", 0, shape="leaf", doc="a number: 2, 0.5, 1e-3 (exact rational)"),
    Op("pvar", "leaf", 0, shape="leaf", doc="a pattern variable ?u (rule files only)"),
    Op("ones", "leaf", 0, shape="leaf", doc="𝟏, all ones, shape from context"),
    Op("zeros", "leaf", 0, shape="leaf", doc="𝟎, all zeros, shape from context"),
    Op("eye", "leaf", 0, shape="leaf", doc="I, the identity, shape from context"),
    Op("size", "leaf", 0, shape="leaf", doc="a size (N) as a number"),
    Op("pi", "const", 0, names=("π", "pi"), shape="leaf", value=math.pi, latex=r"\pi",
       mathml="π", sympy=lambda sp: sp.pi,
       code={"numpy": "np.pi", "pytorch": "math.pi", "jax": "jnp.pi"}, doc="π"),
    Op("e", "const", 0, names=("e",), shape="leaf", value=math.e, latex="e", mathml="e",
       sympy=lambda sp: sp.E, code={"numpy": "np.e", "pytorch": "math.e", "jax": "jnp.e"},
       doc="Euler's number (unless e is declared as a variable)"),
    Op("d", "internal", 1, shape="same", doc="the differential d(x) (rules and steps only)"),
    # E with E[i, j] = 1 where i = j + offset: puts a block into a literal (index forms only)
    Op("embed", "internal", 0, shape="leaf", doc="the embedding of a block into a literal",
       numpy=None, code={"numpy": "np.eye({0}, {1}, -{2})", "pytorch":
                         "torch.eye({0}, {1}, dtype=torch.float64).roll({2}, 0)",
                         "jax": "jnp.eye({0}, {1}, -{2})"}),
    # products and structure (their calculus is linear: rules/40-chain.toml, 50-matrix.toml)
    Op("neg", "linear", 1, shape="same", numpy=lambda np, a: -a, sympy=lambda sp, a: -a,
       sympy_matrix=lambda b, a: -a, doc="-a"),
    Op("T", "linear", 1, shape="transpose", numpy=lambda np, a: a.T,
       sympy=lambda sp, a: a.T, sympy_matrix=lambda b, a: a.T if b.is_mat(a) else a,
       doc="transpose: x', xᵀ, x.T"),
    Op("matmul", "linear", 2, shape="matmul", numpy=lambda np, a, b: a @ b,
       sympy=lambda sp, a, b: a * b, sympy_matrix=lambda b, x, y: x * y,
       doc="matrix product: A @ B, A B"),
    Op("dot", "linear", 2, names=("dot",), shape="dot", commutative=True,
       numpy=lambda np, a, b: np.dot(a.reshape(-1), b.reshape(-1)),
       sympy=lambda sp, a, b: sum((x * y for x, y in zip(a, b)), sp.Integer(0)),
       sympy_matrix=_mx_dot, latex=r"\cdot", doc="dot product: w.x, w·x, dot(w, x)"),
    Op("kron", "linear", 2, names=("kron",), shape="kron", numpy=lambda np, a, b: np.kron(a, b),
       sympy=lambda sp, a, b: sp.kronecker_product(a, b),
       sympy_matrix=lambda b, x, y: b.M.KroneckerProduct(x, y) if b.is_mat(x) and
       b.is_mat(y) else x * y, code={"numpy": "np.kron",   # torch.kron views: contiguous operands
                                     "pytorch": "torch.kron(({0}).contiguous(), ({1}).contiguous())",
                                     "jax": "jnp.kron"}, doc="Kronecker product kron(A, B)"),
    Op("vcat", "linear", None, names=("vcat",), shape="vcat",
       numpy=lambda np, *a: np.vstack(a), sympy=lambda sp, *a: sp.Matrix.vstack(*a),
       doc="a column literal [a, b] / blocks stacked"),
    Op("hcat", "linear", None, names=("hcat",), shape="hcat",
       numpy=lambda np, *a: np.hstack(a), sympy=lambda sp, *a: sp.Matrix.hstack(*a),
       doc="blocks side by side"),
    # row-major vec and the commutation matrix: the vec/Kronecker form of derivatives
    Op("vec", "linear", 1, names=("vec",), shape="vec", numpy=lambda np, a: a.reshape(-1, 1),
       sympy=lambda sp, m: sp.Matrix(m.rows * m.cols, 1, list(m)), latex=r"\operatorname{vec}",
       code={"numpy": "np.reshape({0}, (-1,))", "pytorch": "torch.reshape({0}, (-1,))",
             "jax": "jnp.reshape({0}, (-1,))"},
       doc="vec(X): the entries of X row by row (NumPy's C order), as a column"),
    Op("unvec", "internal", 1, shape="unvec",
       doc="the inverse of vec: a column back to the node's shape (gradients through vec)"),
    Op("commutation", "func", 1, names=("commutation",), shape="commutation",
       numpy=_np_commutation, sympy=_sp_commutation, latex="K", mathml="K",
       code={"numpy": "_commutation", "pytorch": "_commutation", "jax": "_commutation",
             "helpers": {b: {"_commutation": _COMMUTATION_SRC.format(lib=lib, permute=pm, dt=dt)}
                         for b, lib, pm, dt in (("numpy", "np", "transpose", ""),
                                                ("pytorch", "torch", "permute",
                                                 ", dtype=torch.float64"),
                                                ("jax", "jnp", "transpose", ""))}},
       doc="commutation(X): K with vec(Xᵀ) = K vec(X) (row-major vec); depends only on "
           "X's shape"),
    # reductions: array -> scalar
    Op("sum", "reduce", 1, names=("sum",), shape="scalar", numpy=lambda np, a: a.sum(),
       sympy=_sp_total, sympy_matrix=_mx_sum, latex=r"\operatorname{sum}",
       code={"numpy": "np.sum", "pytorch": "torch.sum", "jax": "jnp.sum"},
       doc="sum of all entries"),
    Op("mean", "reduce", 1, names=("mean",), shape="scalar", numpy=lambda np, a: a.mean(),
       sympy=lambda sp, m: _sp_total(sp, m) / len(m), sympy_matrix=_mx_mean,
       code={"numpy": "np.mean", "pytorch": "torch.mean", "jax": "jnp.mean"},
       doc="mean of all entries"),
    Op("norm", "reduce", 1, names=("norm",), shape="scalar",
       numpy=lambda np, a: np.sqrt(np.sum(a * a)),
       sympy=lambda sp, m: sp.sqrt(sum((x ** 2 for x in m), sp.Integer(0))),
       sympy_matrix=_mx_norm, code={"numpy": "np.linalg.norm", "pytorch": "torch.linalg.norm",
                                    "jax": "jnp.linalg.norm"},
       doc="2-norm (Frobenius for a matrix)"),
    Op("logsumexp", "reduce", 1, names=("logsumexp",), shape="scalar", numpy=_np_logsumexp,
       sympy=lambda sp, m: sp.log(sum((sp.exp(x) for x in m), sp.Integer(0))),
       sympy_matrix=_mx_logsumexp,
       code={"numpy": "_logsumexp", "pytorch": "torch.logsumexp(torch.reshape({0}, (-1,)), 0)",
             "jax": "jax.nn.logsumexp", "helpers": {"numpy": {"_logsumexp": (
                 "def _logsumexp(a):\n    top = np.max(a)\n"
                 "    return top + np.log(np.sum(np.exp(a - top)))")}}},
       doc="log(sum(exp(x))), computed stably"),
    Op("tr", "reduce", 1, names=("tr", "trace"), shape="square_scalar",
       numpy=lambda np, a: np.trace(a), sympy=lambda sp, m: m.trace(),
       sympy_matrix=_square(lambda b, a: b.M.Trace(a), lambda b, a: a),
       code={"numpy": "np.trace", "pytorch": "torch.trace", "jax": "jnp.trace"},
       doc="trace of a square matrix"),
    Op("det", "reduce", 1, names=("det",), shape="square_scalar", domain="invertible",
       numpy=lambda np, a: np.linalg.det(a), sympy=lambda sp, m: m.det(method="berkowitz"),
       sympy_matrix=_square(lambda b, a: b.M.Determinant(a), lambda b, a: a), latex=r"\det",
       code={"numpy": "np.linalg.det", "pytorch": "torch.linalg.det",
             "jax": "jnp.linalg.det"}, doc="determinant"),
    Op("logdet", "reduce", 1, names=("logdet",), shape="square_scalar", domain="invertible",
       numpy=lambda np, a: _np_logdet(np, a),
       sympy=lambda sp, m: sp.log(m.det(method="berkowitz")),
       sympy_matrix=_square(lambda b, a: b.sp.log(b.M.Determinant(a)),
                            lambda b, a: b.sp.log(a)),
       mathml="log det", code={"numpy": "np.linalg.slogdet({0})[1]", "pytorch": "torch.logdet",
                               "jax": "jnp.linalg.slogdet({0})[1]"},
       doc="log of a positive determinant"),
    # other functions
    Op("softmax", "func", 1, names=("softmax",), shape="vector", numpy=_np_softmax,
       sympy=lambda sp, m: m.applyfunc(sp.exp) / _sp_total(sp, m.applyfunc(sp.exp)),
       sympy_matrix=_mx_softmax,
       code={"numpy": "_softmax", "pytorch": "_softmax", "jax": "_softmax", "helpers": {
           "numpy": {"_softmax": "def _softmax(a):\n    e = np.exp(a - np.max(a))\n"
                                 "    return e / np.sum(e)"},
           "pytorch": {"_softmax": "def _softmax(a):\n    return torch.softmax(torch.reshape("
                                   "a, (-1,)), 0).reshape(a.shape)"},
           "jax": {"_softmax": "def _softmax(a):\n    return jnp.exp(a - jax.nn.logsumexp(a))"}}},
       doc="softmax of a vector"),
    Op("diag", "func", 1, names=("diag",), shape="diag",
       numpy=lambda np, a: np.diag(a.reshape(-1)) if 1 in a.shape else
       np.diagonal(a).copy()[:, None], sympy=_sp_diag, sympy_matrix=_mx_diag,
       doc="diag(v): the diagonal matrix; diag(A): the diagonal of a square matrix"),
    Op("inv", "func", 1, names=("inv",), shape="square", domain="invertible",
       numpy=lambda np, a: np.linalg.inv(a),
       sympy=lambda sp, m: m.adjugate(method="berkowitz") / m.det(method="berkowitz"),
       sympy_matrix=_square(lambda b, a: b.M.Inverse(a), lambda b, a: 1 / a),
       code={"numpy": "np.linalg.inv", "pytorch": "torch.linalg.inv", "jax": "jnp.linalg.inv"},
       doc="matrix inverse"),
)


def _np_logdet(np, a):
    sign, logabs = np.linalg.slogdet(a)
    return logabs if sign > 0 else np.nan
