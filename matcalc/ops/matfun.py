"""Records of the matrix functions: `expm`, `logm`, `sqrtm` and the integer matrix power
`mpow(X, k)` (not element-wise: `exp`, `log`, `sqrt` and `^` are), their Fréchet derivatives
`expm_frechet(X, E)` … `mpow_frechet(X, E, k)` (L_f(X, E), linear in E: d f(X) =
L_f(X, dX)) and their Kronecker forms `expm_kron(X)` … `mpow_kron(X, k)` (K_f(X), n²×n²:
vec L_f(X, E) = K_f(X) vec E, vec row-major).

Owns: the records, `FRECHET` (each Fréchet operator's function and Kronecker form: what the
index form reads L as, `tensor/translate.py`), the parse-time reading of a power.  Their
calculus is rules/55-matrix-functions.toml; their numerics matcalc/matfun.py (NumPy only,
imported when a value is first needed); their code spellings `matfun_code`.
- `mpow(X, k)` takes an integer literal k (the power is an operand, a number node);
  `mpow(X, -k)` is read as `mpow(inv(X), k)`; anything else is a ParseError at the power.
- Domains: logm and sqrtm (and their L and K) say "invertible": the sampler then makes every
  square variable strictly diagonally dominant with a positive diagonal, whose eigenvalues
  lie in the open right half-plane (Gershgorin), inside the principal branch.
- SymPy meaning: exact where SymPy can write the entries — mpow always (products), expm,
  logm, sqrtm of a diagonal matrix (L and K by divided differences f[λᵢ, λⱼ]); otherwise
  NotImplementedError, which the exact check reports as skipped (the numeric one proves it).
Invariant: importing this module imports neither NumPy nor SymPy.
"""
from __future__ import annotations

from ..tree import Expr
from . import Op, register
from .matfun_code import code

# Fréchet operator -> (its function, its Kronecker form)
FRECHET = {f"{f}_frechet": (f, f"{f}_kron") for f in ("expm", "logm", "sqrtm", "mpow")}


def _mf():
    from .. import matfun
    return matfun


# -- SymPy: exact entries where SymPy can write them --------------------------------------

def _scalar(sp, name, z, derivative=False):
    f = {"expm": sp.exp, "logm": sp.log, "sqrtm": sp.sqrt}[name]
    if not derivative:
        return f(z)
    d = sp.Dummy("z")
    return sp.diff(f(d), d).subs(d, z)


def _diagonal(sp, name, m):
    if not m.is_diagonal():
        raise NotImplementedError(
            f"SymPy cannot write {name} of a general symbolic matrix entry by entry (only of "
            f"a diagonal one); the numeric method checks it")
    return [m[i, i] for i in range(m.rows)]


def _divided(sp, name, a, b):
    """f[a, b] = (f(a) − f(b)) / (a − b), and f′(a) where a = b."""
    if sp.expand(a - b) == 0:
        return _scalar(sp, name, a, derivative=True)
    return (_scalar(sp, name, a) - _scalar(sp, name, b)) / (a - b)


def _power(k) -> int:
    return int(k[0, 0]) if hasattr(k, "rows") else int(k)


def _sp_function(name):
    return lambda sp, m: sp.diag(*[_scalar(sp, name, z) for z in _diagonal(sp, name, m)])


def _sp_frechet(name):
    def meaning(sp, x, e):
        lam = _diagonal(sp, name, x)
        return sp.Matrix(x.rows, x.rows,
                         lambda i, j: _divided(sp, name, lam[i], lam[j]) * e[i, j])
    return meaning


def _sp_kron(name):
    def meaning(sp, x):
        lam = _diagonal(sp, name, x)
        return sp.diag(*[_divided(sp, name, a, b) for a in lam for b in lam])
    return meaning


def _sp_mpow_frechet(sp, x, e, k):
    k = _power(k)
    return sum((x ** j * e * x ** (k - 1 - j) for j in range(k)), sp.zeros(x.rows, x.cols))


def _sp_mpow_kron(sp, x, k):
    k = _power(k)
    n = x.rows * x.cols
    return sum((sp.kronecker_product(x ** j, (x ** (k - 1 - j)).T) for j in range(k)),
               sp.zeros(n, n))


# -- the power: an integer literal ----------------------------------------------------------

_EXAMPLE = {"mpow": "mpow(X, 3); ^ is the element-wise power",
            "mpow_frechet": "mpow_frechet(X, E, 3)", "mpow_kron": "mpow_kron(X, 3)"}


def _literal_power(k: Expr, name: str, allow_negative: bool) -> int:
    """The integer a power node spells (`3`, `-2`), or a ParseError at it."""
    sign, lit = 1, k
    if lit.op == "neg" and lit.args:
        sign, lit = -1, lit.args[0]
    if lit.op == "num" and lit.value.denominator == 1 and (allow_negative or sign > 0):
        return sign * int(lit.value)
    from ..errors import ParseError
    want = "an integer" if allow_negative else "a non-negative integer"
    raise ParseError(f"the power of {name}() must be {want} written as a number",
                     span=k.span, label="matrix-power", hint=f"e.g. {_EXAMPLE[name]}")


def _number(value: int, like: Expr) -> Expr:
    from fractions import Fraction
    return Expr("num", (), None, Fraction(value), like.span)


def _pattern(k: Expr) -> bool:
    """A rule file's power (?k, ?k - 1): left as written."""
    return any(n.op == "pvar" for n in k.walk())


def _mpow_operands(x: Expr, k: Expr):
    if _pattern(k):
        return "mpow", (x, k)
    p = _literal_power(k, "mpow", allow_negative=True)
    if p < 0:                                           # X^-k = (X⁻¹)^k
        return "mpow", (Expr("inv", (x,), None, None, x.span), _number(-p, k))
    return "mpow", (x, _number(p, k))


def _natural(op: str):
    """The operands of mpow_frechet(X, E, k) / mpow_kron(X, k): k a non-negative literal."""
    def expand(*args: Expr):
        k = args[-1]
        if not _pattern(k):
            k = _number(_literal_power(k, op, allow_negative=False), k)
        return op, (*args[:-1], k)
    return expand


# -- the records ------------------------------------------------------------------------------

_LATEX = {"expm": r"\exp", "logm": r"\log", "sqrtm": r"\sqrt{\cdot}"}
_DOC = {
    "expm": "matrix exponential e^X = Σ Xᵏ/k! of a square matrix (exp is element-wise)",
    "logm": "principal matrix logarithm: no eigenvalue of X on (−∞, 0] (log is element-wise)",
    "sqrtm": "principal matrix square root: no eigenvalue of X on (−∞, 0] (sqrt is "
             "element-wise)",
}
_L = {"expm": "∫₀¹ e^{(1−s)X} E e^{sX} ds", "logm": "∫₀¹ (t(X−I)+I)⁻¹ E (t(X−I)+I)⁻¹ dt",
      "sqrtm": "the L with S L + L S = E, S = sqrtm(X)",
      "mpow": "Σ_{j<k} Xʲ E X^(k−1−j) (k a non-negative integer literal)"}


def _records():
    for f in ("expm", "logm", "sqrtm"):
        dom = "" if f == "expm" else "invertible"
        yield Op(f, "func", 1, names=(f,), shape="square", domain=dom, code=code(f),
                 numpy=lambda np, a, f=f: getattr(_mf(), f)(a), sympy=_sp_function(f),
                 doc=_DOC[f])
        yield Op(f"{f}_frechet", "func", 2, names=(f"{f}_frechet",), shape="frechet",
                 domain=dom, code=code(f"{f}_frechet"), latex=f"L_{{{_LATEX[f]}}}",
                 numpy=lambda np, x, e, f=f: _mf().frechet(f, x, e), sympy=_sp_frechet(f),
                 doc=f"{f}_frechet(X, E): the Fréchet derivative of {f} at X in the direction "
                     f"E, {_L[f]}; d {f}(X) = {f}_frechet(X, dX)")
        yield Op(f"{f}_kron", "func", 1, names=(f"{f}_kron",), shape="kron_form", domain=dom,
                 code=code(f"{f}_kron"), latex=f"K_{{{_LATEX[f]}}}",
                 numpy=lambda np, x, f=f: _mf().kron_form(f, x), sympy=_sp_kron(f),
                 doc=f"{f}_kron(X): K with vec {f}_frechet(X, E) = K vec E (row-major vec), "
                     f"n²×n²: ∂ {f}(X)/∂X in Kronecker form")
    yield Op("mpow", "func", 2, names=("mpow",), shape="square", expand=_mpow_operands,
             code=code("mpow"), latex=r"\operatorname{mpow}",
             numpy=lambda np, a, k: _mf().mpow(a, k),
             sympy=lambda sp, m, k: m ** _power(k),
             doc="mpow(X, k): the matrix power X X ⋯ X for an integer literal k (k = 0: I; "
                 "mpow(X, -k) = mpow(inv(X), k)); ^ is element-wise")
    yield Op("mpow_frechet", "func", 3, names=("mpow_frechet",), shape="frechet",
             expand=_natural("mpow_frechet"), code=code("mpow_frechet"),
             latex=r"L_{\operatorname{mpow}}",
             numpy=lambda np, x, e, k: _mf().frechet("mpow", x, e, k), sympy=_sp_mpow_frechet,
             doc=f"mpow_frechet(X, E, k): the Fréchet derivative of mpow(·, k) at X, "
                 f"{_L['mpow']}")
    yield Op("mpow_kron", "func", 2, names=("mpow_kron",), shape="kron_form",
             expand=_natural("mpow_kron"), code=code("mpow_kron"),
             latex=r"K_{\operatorname{mpow}}",
             numpy=lambda np, x, k: _mf().kron_form("mpow", x, k), sympy=_sp_mpow_kron,
             doc="mpow_kron(X, k): K with vec mpow_frechet(X, E, k) = K vec E (row-major "
                 "vec), Σ_{j<k} kron(Xʲ, (X^(k−1−j))ᵀ)")


register(*_records())
