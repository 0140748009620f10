"""How the code export spells the matrix functions (records in `matcalc.ops.matfun`).

Owns: `code(name)` — the `code` field of each matrix-function record: its spelling per
backend and the helper functions an exported module defines.  Every backend has every
function (none is refused):
- NumPy: SciPy where the exported module finds it (`scipy.linalg.expm`, `logm`, `sqrtm`,
  `expm_frechet`, `solve_sylvester` for the square root's L), else matcalc's own algorithms,
  whose source is copied from `matcalc/matfun.py` (the very code matcalc evaluates with);
- PyTorch: `torch.linalg.matrix_exp` and `matrix_power`; torch has no logarithm or square
  root, so the Denman–Beavers iteration and inverse scaling and squaring, written in torch;
- JAX: `jax.scipy.linalg.expm`, `expm_frechet`, `sqrtm` (CPU only); JAX has no logarithm,
  so inverse scaling and squaring on its `sqrtm`.
Elsewhere L_f(X, E) is the block identity on the backend's f, and K_f(X) the same identity
lifted to vec (as in `matcalc/matfun.py`).
Invariant: importing this module imports neither NumPy nor SciPy; the NumPy sources are read
from the file (with `ast`, not imported) when an export first asks for them.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping

# Gauss–Legendre nodes and weights on [0, 1], 8 points: the [8/8] Padé approximant of log
_GAUSS8 = ("((0.019855071751231912, 0.05061426814518853), (0.10166676129318664, "
           "0.11119051722668721),\n        (0.2372337950418355, 0.15685332293894344), "
           "(0.4082826787521751, 0.18134189168918083),\n        (0.5917173212478248, "
           "0.18134189168918083), (0.7627662049581645, 0.15685332293894344),\n        "
           "(0.8983332387068134, 0.11119051722668721), (0.9801449282487681, "
           "0.05061426814518853))")

_SCIPY = '''def _{f}(a):
    try:
        import scipy.linalg
    except ImportError:  # SciPy is optional: matcalc's own algorithm (matcalc/matfun.py)
        return {fallback}(a)
    return np.real(scipy.linalg.{f}(a))'''

_NUMPY = {
    "_expm": _SCIPY.format(f="expm", fallback="_expm_pade"),
    "_logm": _SCIPY.format(f="logm", fallback="_logm_iss"),
    "_sqrtm": _SCIPY.format(f="sqrtm", fallback="_sqrtm_db"),
    "_expm_frechet": '''def _expm_frechet(x, e):
    try:
        import scipy.linalg
    except ImportError:  # SciPy is optional: the block identity on matcalc's expm
        return _block_frechet(lambda a: _expm_pade(a), x, e)
    return scipy.linalg.expm_frechet(x, e, compute_expm=False)''',
    "_sqrtm_frechet": '''def _sqrtm_frechet(x, e):
    # L solves S L + L S = E, S = sqrtm(x)
    try:
        import scipy.linalg
    except ImportError:  # SciPy is optional: the block identity on matcalc's sqrtm
        return _block_frechet(lambda a: _sqrtm_db(a), x, e)
    s = _sqrtm(x)
    return scipy.linalg.solve_sylvester(s, s, e)''',
}
# read from matcalc/matfun.py: matcalc's own algorithms
_FROM_FILE = ("_expm_pade", "_on_branch_cut", "_sqrtm_db", "_logm_iss", "_block_frechet",
              "_mpow_frechet", "_kron_form")

# PyTorch and JAX: the generic helpers, written once over the backend's module `{m}`
_GENERIC = {
    "_block_frechet": '''def _block_frechet(f, x, e, y=None):
    # the top-right block of f([[x, e], [0, y]]) (y = x: L_f(x, e)), e scaled to the norm of x
    y = x if y is None else y
    size = {m}.linalg.norm(e, 1)
    if size == 0:
        return {m}.zeros_like(e)
    t = max(float({m}.linalg.norm(x, 1)), 1.0) / size
    low = {m}.zeros((y.shape[0], x.shape[1]), dtype=x.dtype)
    big = {cat}([{cat}([x, t * e], 1), {cat}([low, y], 1)], 0)
    return f(big)[:x.shape[0], x.shape[1]:] / t''',
    "_mpow_frechet": '''def _mpow_frechet(x, e, k):
    # sum of x^j e x^(k-1-j): the top-right block of [[x, e], [0, x]]^k
    n = x.shape[0]
    big = {cat}([{cat}([x, e], 1), {cat}([{m}.zeros_like(x), x], 1)], 0)
    return {m}.linalg.matrix_power(big, k)[:n, n:]''',
    "_kron_form": '''def _kron_form(f, x):
    # K with vec L_f(x, e) = K vec e (row-major vec): the top-right block of
    # f([[x kron I, I], [0, I kron x.T]]), the block identity lifted to vec
    ident = {m}.eye(x.shape[0], dtype=x.dtype)
    return _block_frechet(f, {m}.kron(x, ident), {m}.eye(x.shape[0] ** 2, dtype=x.dtype),
                          {m}.kron(ident, {xT}))''',
}
_ISS = '''def _logm(a):
    # {why}: inverse scaling and squaring, square roots until a is near I, then the
    # [8/8] Padé approximant (8-point Gauss–Legendre quadrature of the integral of m (I + t m)^-1)
    ident = {m}.eye(a.shape[0], dtype=a.dtype)
    k = 0
    while float({m}.linalg.norm(a - ident, 1)) > 0.25 and k < 64:
        a = _sqrtm(a)
        k += 1
    m = a - ident
    gauss = {gauss}
    return 2.0 ** k * sum(w * {m}.linalg.solve(ident + t * m, m) for t, w in gauss)'''
_TORCH = {
    "_sqrtm": '''def _sqrtm(a):
    # PyTorch has no matrix square root: the Denman-Beavers iteration, determinant scaling
    n = a.shape[0]
    y, z = a, torch.eye(n, dtype=a.dtype)
    for _ in range(100):
        size = torch.linalg.norm(y, 1)
        y_next, z = 0.5 * (y + torch.linalg.inv(z)), 0.5 * (z + torch.linalg.inv(y))
        step = torch.linalg.norm(y_next - y, 1)
        y = y_next
        if step <= 1e-10 * size:
            return 0.5 * (y + torch.linalg.inv(z))
        if step > 1e-2 * size:
            mu = torch.exp(-(torch.linalg.slogdet(y)[1] + torch.linalg.slogdet(z)[1]) / (2 * n))
            y, z = mu * y, mu * z
    return torch.full_like(a, float("nan"))''',
    "_logm": _ISS.format(gauss=_GAUSS8, m="torch", why="PyTorch has no matrix logarithm"),
    "_expm": "def _expm(a):\n    return torch.linalg.matrix_exp(a)",
    "_expm_frechet": "def _expm_frechet(x, e):\n"
                     "    return _block_frechet(lambda a: _expm(a), x, e)",
}
_JAX = {
    "_expm": "def _expm(a):\n    import jax.scipy.linalg\n    return jax.scipy.linalg.expm(a)",
    "_sqrtm": "def _sqrtm(a):\n    import jax.scipy.linalg  # sqrtm: CPU only in JAX\n"
              "    return jnp.real(jax.scipy.linalg.sqrtm(a))",
    "_logm": _ISS.format(gauss=_GAUSS8, m="jnp", why="JAX has no matrix logarithm"),
    "_expm_frechet": "def _expm_frechet(x, e):\n    import jax.scipy.linalg\n"
                     "    return jax.scipy.linalg.expm_frechet(x, e, compute_expm=False)",
}
for _lib, _m, _cat, _xt in ((_TORCH, "torch", "torch.cat", "x.T.contiguous()"),
                            (_JAX, "jnp", "jnp.concatenate", "x.T")):
    _lib.update({k: v.replace("{m}", _m).replace("{cat}", _cat).replace("{xT}", _xt)
                 for k, v in _GENERIC.items()})
    _lib["_mpow_kron"] = ("def _mpow_kron(x, k):\n    return _kron_form(lambda a: "
                          f"{_m}.linalg.matrix_power(a, k), x)")
for _lib in (_NUMPY, _TORCH, _JAX):
    for _f in ("logm", "sqrtm"):
        _lib.setdefault(f"_{_f}_frechet", f"def _{_f}_frechet(x, e):\n"
                                          f"    return _block_frechet(lambda a: _{_f}(a), x, e)")
    for _f in ("expm", "logm", "sqrtm"):
        _lib[f"_{_f}_kron"] = f"def _{_f}_kron(x):\n    return _kron_form(lambda a: _{_f}(a), x)"
_NUMPY["_mpow_kron"] = ("def _mpow_kron(x, k):\n"
                        "    return _kron_form(lambda a: np.linalg.matrix_power(a, int(k)), x)")


@functools.lru_cache(maxsize=None)
def _numpy_helpers() -> dict:
    """The NumPy helpers: the wrappers above and matcalc's own algorithms, their source read
    from matcalc/matfun.py (a file read, not an import)."""
    import ast
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "matfun.py"
    text = path.read_text(encoding="utf-8")
    own = {n.name: ast.get_source_segment(text, n) for n in ast.parse(text).body
           if isinstance(n, ast.FunctionDef) and n.name in _FROM_FILE}
    return {**_NUMPY, **own}


class _Helpers(Mapping):
    """backend -> {helper name: source}; the NumPy entry is read on first use."""

    def __getitem__(self, backend):
        return {"numpy": _numpy_helpers, "pytorch": lambda: _TORCH,
                "jax": lambda: _JAX}[backend]()

    def __iter__(self):
        return iter(("numpy", "pytorch", "jax"))

    def __len__(self):
        return 3


HELPERS = _Helpers()

# the spelling of each record, per backend ("{0}" … are its operands' code)
SPELLINGS = {
    "expm": ("_expm", "torch.linalg.matrix_exp", "_expm"),
    "logm": ("_logm", "_logm", "_logm"),
    "sqrtm": ("_sqrtm", "_sqrtm", "_sqrtm"),
    "mpow": ("np.linalg.matrix_power({0}, {1})", "torch.linalg.matrix_power({0}, {1})",
             "jnp.linalg.matrix_power({0}, {1})"),
    "mpow_frechet": ("_mpow_frechet({0}, {1}, {2})",) * 3,
    "mpow_kron": ("_mpow_kron({0}, {1})",) * 3,
}


def code(name: str) -> dict:
    """The `code` field of the record `name`."""
    numpy, pytorch, jax = SPELLINGS.get(name, (f"_{name}",) * 3)
    return {"numpy": numpy, "pytorch": pytorch, "jax": jax, "helpers": HELPERS}
