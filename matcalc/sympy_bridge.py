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
from .ops import REGISTRY
from .sizes import _monomials, resolve_dim, resolve_shape


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
    its entries (see `entry_symbols`), `sizes` each size name to an int.  Each operator's
    meaning is its record's `sympy` (on scalars for element-wise ones, else on matrices)."""
    import sympy as sp
    memo: dict = {}

    def conv(node):
        if node in memo:
            return memo[node]
        op, a = node.op, [conv(x) for x in node.args]
        rec = REGISTRY.get(op)
        if op == "var":
            if node.value not in symbols:
                raise CheckError(f"no symbols for the variable {node.value}", label="missing-var")
            out = symbols[node.value]
        elif op == "num":
            out = sp.Rational(node.value.numerator, node.value.denominator)
        elif op in ("ones", "zeros"):
            r, c = resolve_shape(node.shape, sizes)
            out = sp.ones(r, c) if op == "ones" else sp.zeros(r, c)
        elif op == "eye":
            out = sp.eye(resolve_dim(node.shape[0], sizes))
        elif op == "size":
            out = sp.Integer(resolve_dim(node.value, sizes))
        elif op == "unvec":
            r, c = resolve_shape(node.shape, sizes)
            out = a[0].reshape(r, c)
        elif op == "embed":
            r, c = resolve_shape(node.shape, sizes)
            off = resolve_dim(node.value, sizes)
            out = sp.Matrix(r, c, lambda i, j: 1 if i == j + off else 0)
        elif rec is None or rec.sympy is None:
            raise CheckError(f"cannot expand the node '{op}' into SymPy"
                             + (": a differential d(·) is not a value" if op == "d" else ""),
                             label="not-evaluable")
        elif rec.kind == "const":
            out = rec.sympy(sp)
        elif rec.kind == "binary":
            out = _broadcast(sp, a[0], a[1], lambda x, y: rec.sympy(sp, x, y))
        elif rec.kind == "ewise":
            out = a[0].applyfunc(lambda z: rec.sympy(sp, z))
        else:
            out = rec.sympy(sp, *a)
        if not isinstance(out, sp.MatrixBase):
            out = sp.Matrix([[out]])
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
        self.M = sympy.matrices.expressions
        self.memo: dict = {}

    def dim(self, d):
        """A size as a SymPy integer expression: 4*N is 4 N, n+1 is n + 1."""
        if isinstance(d, int):
            return d
        total = 0
        for coef, names in _monomials(d):
            term = coef
            for n in names:
                if not safe_name(n, ""):
                    raise UnsupportedError(f"the size {n!r} is not a valid SymPy name")
                term = term * self.sp.Symbol(n, integer=True, positive=True)
            total = total + term
        return total

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

    def is_mat(self, x) -> bool:
        return getattr(x, "is_Matrix", False)

    def build(self, node, a):
        sp, op = self.sp, node.op
        M = self.M
        is_mat = [self.is_mat(x) for x in a]
        r, c = (self.dim(d) for d in node.shape)
        rec = REGISTRY.get(op)
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
        if rec is not None and rec.kind == "const":
            return rec.sympy(sp)
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
            return rec.sympy(sp, *a)
        if rec is not None and rec.kind == "ewise":
            return self.ew(a[0], lambda z: rec.sympy(sp, z))
        if rec is not None and rec.sympy_matrix is not None:
            return rec.sympy_matrix(self, *a)
        if op in ("vcat", "hcat"):
            if not any(is_mat):            # a literal of scalars is an explicit matrix
                return sp.ImmutableMatrix([[x] for x in a] if op == "vcat" else [a])
            blocks = [x if self.is_mat(x) else sp.ImmutableMatrix([[x]]) for x in a]
            return M.BlockMatrix([[b] for b in blocks] if op == "vcat" else [blocks])
        raise UnsupportedError(f"'{op}' has no SymPy matrix-expression counterpart")
