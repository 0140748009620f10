"""Conversion of typed trees to SymPy: explicit matrices at concrete sizes, or a MatrixExpr.

Owns: `to_sympy_explicit(expr, sizes, symbols)` (every entry a SymPy scalar: what the exact
check differentiates) and `to_sympy(expr, sizes=None)` (a best-effort MatrixSymbol expression;
`UnsupportedError` where SymPy has no counterpart).
Invariants: SymPy objects are built with constructors only — never `sympify`/`parse_expr` of
text — and every `Symbol` name is generated here or checked with `str.isidentifier()`.
SymPy is imported inside the functions, so importing this module costs nothing.
"""
from __future__ import annotations

import keyword

from .errors import CheckError, UnsupportedError
from .evaluate import resolve_dim, resolve_shape
from .tree import EWISE_FUNCS


def safe_name(name: str, fallback: str) -> str:
    """`name` if it can be a SymPy symbol name without surprises, else `fallback`."""
    return name if name.isidentifier() and not keyword.iskeyword(name) else fallback


def entry_symbols(var_shapes: dict, sizes: dict, names=None) -> dict:
    """{var: sympy.Matrix of real symbols `x_i_j`} — one symbol per entry, at concrete sizes.

    Names `name_i_j` are unique: stripping the two trailing indices gives the variable back.
    """
    import sympy
    out = {}
    for k, name in enumerate(names if names is not None else var_shapes):
        base = safe_name(name, f"v{k}")
        r, c = resolve_shape(var_shapes[name], sizes)
        out[name] = sympy.Matrix(r, c, lambda i, j: sympy.Symbol(f"{base}_{i}_{j}", real=True))
    return out


def _ewise_funcs(sp):
    return {
        "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
        "tanh": sp.tanh, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign,
        "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
        "softplus": lambda z: sp.log(1 + sp.exp(z)),
        "step": lambda z: sp.Heaviside(z, 0),          # step(0) = 0 (DESIGN §2)
    }


def _broadcast(sp, a, b, f):
    """Element-wise f with a 1×1 operand expanded (the paper's scalar expansion)."""
    if a.shape == (1, 1) and b.shape != (1, 1):
        return b.applyfunc(lambda y: f(a[0, 0], y))
    if b.shape == (1, 1) and a.shape != (1, 1):
        return a.applyfunc(lambda x: f(x, b[0, 0]))
    if a.shape != b.shape:
        raise CheckError(f"element-wise operands of shapes {a.shape} and {b.shape}",
                         label="shape-mismatch")
    return sp.Matrix(a.rows, a.cols, [f(x, y) for x, y in zip(a, b)])


def to_sympy_explicit(expr, sizes: dict, symbols: dict):
    """The explicit `sympy.Matrix` of `expr`: `symbols` maps each variable to a Matrix of
    its entries (see `entry_symbols`), `sizes` each size name to an int."""
    import sympy as sp
    funcs = _ewise_funcs(sp)
    binary = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
              "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
              "pow": lambda x, y: x ** y, "max": sp.Max, "min": sp.Min}
    memo: dict = {}

    def scalar(v):
        return sp.Matrix([[v]])

    def conv(node):
        if node in memo:
            return memo[node]
        op, a = node.op, [conv(x) for x in node.args]
        if op == "var":
            if node.value not in symbols:
                raise CheckError(f"no symbols for the variable {node.value}", label="missing-var")
            out = symbols[node.value]
        elif op == "num":
            out = scalar(sp.Rational(node.value.numerator, node.value.denominator))
        elif op in ("ones", "zeros"):
            r, c = resolve_shape(node.shape, sizes)
            out = sp.ones(r, c) if op == "ones" else sp.zeros(r, c)
        elif op == "eye":
            out = sp.eye(resolve_dim(node.shape[0], sizes))
        elif op == "size":
            out = scalar(sp.Integer(resolve_dim(node.value, sizes)))
        elif op in binary:
            out = _broadcast(sp, a[0], a[1], binary[op])
        elif op in funcs:
            out = a[0].applyfunc(funcs[op])
        elif op == "neg":
            out = -a[0]
        elif op == "T":
            out = a[0].T
        elif op == "matmul":
            out = a[0] * a[1]
        elif op == "dot":
            out = scalar(sum((x * y for x, y in zip(a[0], a[1])), sp.Integer(0)))
        elif op == "kron":
            out = sp.kronecker_product(a[0], a[1])
        elif op in ("sum", "mean", "norm", "logsumexp"):
            total = {"sum": lambda m: sum(m, sp.Integer(0)),
                     "mean": lambda m: sum(m, sp.Integer(0)) / len(m),
                     "norm": lambda m: sp.sqrt(sum((x ** 2 for x in m), sp.Integer(0))),
                     "logsumexp": lambda m: sp.log(sum((sp.exp(x) for x in m), sp.Integer(0)))}
            out = scalar(total[op](a[0]))
        elif op == "tr":
            out = scalar(a[0].trace())
        elif op in ("det", "logdet"):
            det = a[0].det(method="berkowitz")       # division-free: no spurious poles
            out = scalar(det if op == "det" else sp.log(det))
        elif op == "inv":
            out = a[0].adjugate(method="berkowitz") / a[0].det(method="berkowitz")
        elif op == "softmax":
            e = a[0].applyfunc(sp.exp)
            out = e / sum(e, sp.Integer(0))
        elif op == "diag":
            m, (r, c) = a[0], node.args[0].shape
            out = sp.diag(*list(m)) if (r == 1 or c == 1) else \
                sp.Matrix([m[i, i] for i in range(m.rows)])
        elif op in ("vcat", "hcat"):
            out = (sp.Matrix.vstack if op == "vcat" else sp.Matrix.hstack)(*a)
        else:
            raise CheckError(f"cannot expand the node '{op}' into SymPy"
                             + (": a differential d(·) is not a value" if op == "d" else ""),
                             label="not-evaluable")
        memo[node] = out
        return out

    return conv(expr)


def to_sympy(expr, sizes=None):
    """SymPy form of `expr`: a MatrixExpr over MatrixSymbols (scalars as Symbols) when
    `sizes` is None, else the explicit Matrix at those sizes (entries `x_i_j`)."""
    if sizes is not None:
        shapes = {n.value: n.shape for n in expr.walk() if n.op == "var"}
        return to_sympy_explicit(expr, sizes, entry_symbols(shapes, sizes))
    return _MatrixExprBuilder().conv(expr)


class _MatrixExprBuilder:
    """Tree -> SymPy MatrixExpr.  A 1×1 node is always a SymPy scalar, every other node a
    MatrixExpr, so each operator only has to tell the two apart."""

    def __init__(self):
        import sympy
        self.sp = sympy
        self.memo: dict = {}

    def dim(self, d):
        if isinstance(d, int):
            return d
        if d.isdigit():
            return int(d)
        if "+" in d:
            return sum(self.dim(p.strip()) for p in d.split("+"))
        if "*" in d:
            out = 1
            for p in d.split("*"):
                out *= self.dim(p.strip())
            return out
        if not safe_name(d, ""):
            raise UnsupportedError(f"the size {d!r} is not a valid SymPy name")
        return self.sp.Symbol(d, integer=True, positive=True)

    def conv(self, node):
        if node not in self.memo:
            out = self.build(node, [self.conv(a) for a in node.args])
            if node.shape == (1, 1) and getattr(out, "is_Matrix", False):
                out = self.element(out)   # keep the invariant: 1×1 nodes are scalars
            self.memo[node] = out
        return self.memo[node]

    def element(self, m):
        """m[0, 0] kept unevaluated: indexing a product would expand it into a Sum."""
        from sympy.matrices.expressions.matexpr import MatrixElement
        return MatrixElement(m, 0, 0)

    def ew(self, a, f):
        """Element-wise function of a scalar or a matrix."""
        sp = self.sp
        if not getattr(a, "is_Matrix", False):
            return f(a)
        d = sp.Dummy("d")
        return a.applyfunc(sp.Lambda(d, f(d)))

    def build(self, node, a):
        sp, op = self.sp, node.op
        M = sp.matrices.expressions
        is_mat = [getattr(x, "is_Matrix", False) for x in a]
        r, c = (self.dim(d) for d in node.shape)
        if op == "var":
            name = safe_name(node.value, "")
            if not name:
                raise UnsupportedError(f"the variable {node.value!r} is not a valid SymPy name")
            return sp.Symbol(name, real=True) if node.shape == (1, 1) else \
                M.MatrixSymbol(name, r, c)
        if op == "num":
            return sp.Rational(node.value.numerator, node.value.denominator)
        if op in ("ones", "zeros", "eye"):
            if node.shape == (1, 1):
                return sp.Integer(0 if op == "zeros" else 1)
            return {"ones": M.OneMatrix, "zeros": M.ZeroMatrix}[op](r, c) if op != "eye" \
                else M.Identity(r)
        if op == "size":
            return self.dim(node.value)
        if op in ("add", "sub"):
            x, y = a
            if is_mat[0] != is_mat[1]:      # scalar expansion: s + A = s 𝟏 + A
                x, y = (x * M.OneMatrix(r, c) if not is_mat[0] else x,
                        y * M.OneMatrix(r, c) if not is_mat[1] else y)
            return x + y if op == "add" else x - y
        if op == "mul":
            return M.HadamardProduct(*a) if all(is_mat) else a[0] * a[1]
        if op == "div":
            if not is_mat[1]:
                return a[0] * (1 / a[1])
            inv = M.HadamardPower(a[1], -1)
            return M.HadamardProduct(a[0], inv) if is_mat[0] else a[0] * inv
        if op == "pow":
            if is_mat[1]:
                raise UnsupportedError("SymPy has no element-wise power with an array exponent")
            return M.HadamardPower(a[0], a[1]) if is_mat[0] else a[0] ** a[1]
        if op in ("max", "min"):
            if any(is_mat):
                raise UnsupportedError(f"SymPy has no element-wise {op} of matrices")
            return (sp.Max if op == "max" else sp.Min)(*a)
        if op in EWISE_FUNCS:
            return self.ew(a[0], _ewise_funcs(sp)[op])
        if op == "neg":
            return -a[0]
        if op == "T":
            return a[0].T if is_mat[0] else a[0]
        if op == "matmul":
            out = a[0] * a[1]
            return out
        if op == "dot":
            x, y = (v.T if v.shape[0] == 1 else v for v in a)
            return self.element(x.T * y)
        if op == "kron":
            return M.KroneckerProduct(*a)
        if op in ("sum", "mean", "logsumexp", "norm") and not is_mat[0]:
            return {"sum": a[0], "mean": a[0], "logsumexp": a[0], "norm": sp.Abs(a[0])}[op]
        if op in ("sum", "mean", "logsumexp"):
            x = self.ew(a[0], sp.exp) if op == "logsumexp" else a[0]
            rows, cols = x.shape
            total = self.element(M.OneMatrix(1, rows) * x * M.OneMatrix(cols, 1))
            return sp.log(total) if op == "logsumexp" else \
                total / (rows * cols) if op == "mean" else total
        if op == "norm":
            return sp.sqrt(M.Trace(a[0].T * a[0]))
        if op in ("tr", "det", "logdet", "inv") and not is_mat[0]:
            return {"tr": a[0], "det": a[0], "logdet": sp.log(a[0]), "inv": 1 / a[0]}[op]
        if op in ("tr", "det", "logdet"):
            return {"tr": M.Trace, "det": M.Determinant,
                    "logdet": lambda x: sp.log(M.Determinant(x))}[op](a[0])
        if op == "inv":
            return M.Inverse(a[0])
        if op == "softmax":
            e = self.ew(a[0], sp.exp)
            rows, cols = e.shape
            return e * (1 / self.element(M.OneMatrix(1, rows) * e * M.OneMatrix(cols, 1)))
        if op == "diag":
            rows, cols = node.args[0].shape
            if rows == 1 or cols == 1:
                return M.DiagMatrix(a[0] if cols == 1 else a[0].T) if is_mat[0] else a[0]
            return M.DiagonalOf(a[0])
        if op in ("vcat", "hcat"):
            if not any(is_mat):            # a literal of scalars is an explicit matrix
                return sp.ImmutableMatrix([[x] for x in a] if op == "vcat" else [a])
            blocks = [x if getattr(x, "is_Matrix", False) else sp.ImmutableMatrix([[x]])
                      for x in a]
            return M.BlockMatrix([[b] for b in blocks] if op == "vcat" else [blocks])
        raise UnsupportedError(f"'{op}' has no SymPy matrix-expression counterpart")
