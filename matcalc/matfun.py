"""Matrix functions in NumPy alone: the exponential, the principal logarithm and square root,
integer powers, their Fréchet derivatives L_f(X, E) and their Kronecker forms K_f(X).

Owns: `expm`, `logm`, `sqrtm`, `mpow`, `frechet(name, X, E, *params)`,
`kron_form(name, X, *params)` (vec L_f(X, E) = K_f(X) vec E, vec row-major as everywhere in
matcalc).  The `_`-functions are also the NumPy code export's fallback where SciPy is
missing: `matcalc.ops.matfun` copies their source from this file into the exported module,
so the exported code computes what matcalc computed.

The algorithms: expm by scaling and squaring with the [13/13] Padé approximant (Higham 2005);
sqrtm by the scaled Denman–Beavers iteration; logm by inverse scaling and squaring (square
roots until X is near I, then the [8/8] Padé approximant as Gauss–Legendre quadrature of
log(I + M) = ∫₀¹ M (I + tM)⁻¹ dt); L_f(X, E) by the block identity
f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]] (Mathias 1996; Higham 2008, §3.2);
K_f(X) by the same identity lifted to the n²-space, f([[X ⊗ I, I], [0, I ⊗ Xᵀ]]).

Invariants: NumPy only — SciPy is never imported (it is not a run-time dependency of
matcalc); the `_`-functions use nothing but `np` and each other, so their source stands alone
in an exported module.  Every function takes and returns 2-D float arrays.  Outside a
function's domain (logm, sqrtm: an eigenvalue on the closed negative real axis, or an
iteration that does not converge) the value is NaN: the sampler reads that as "outside".
"""
from __future__ import annotations

import numpy as np


def _expm_pade(a):
    """e^a: scaling and squaring with the [13/13] Padé approximant (Higham 2005)."""
    b = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
         1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
         33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
    norm = np.linalg.norm(a, 1)
    if not np.isfinite(norm):
        return np.full(a.shape, np.nan)
    s = int(np.ceil(np.log2(norm / 5.371920351148152))) if norm > 5.371920351148152 else 0
    a = a / 2.0 ** s
    ident = np.eye(a.shape[0])
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4
             + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def _on_branch_cut(a):
    """Whether a has an eigenvalue on the closed negative real axis (or is not finite):
    there the principal logarithm and square root are not defined."""
    if not np.all(np.isfinite(a)):
        return True
    w = np.linalg.eigvals(a)
    return bool(np.any((w.real <= 0) & (np.abs(w.imag) <= 1e-12 * np.maximum(1.0, abs(w)))))


def _sqrtm_db(a):
    """a^(1/2), the principal square root: the product form of the Denman–Beavers iteration
    with determinant scaling (Higham 2008, §6.3), M → I, Y → a^(1/2), one inverse a step;
    NaN on the branch cut or without convergence."""
    n = a.shape[0]
    if _on_branch_cut(a):
        return np.full(a.shape, np.nan)
    ident = np.eye(n)
    m, y = np.array(a, dtype=float), np.array(a, dtype=float)
    for k in range(100):
        gap = np.linalg.norm(m - ident, 1)
        if not np.isfinite(gap):
            break
        mu = np.exp(-np.linalg.slogdet(m)[1] / (2 * n)) if gap > 1e-2 else 1.0
        m_inv = np.linalg.inv(m) / mu ** 2
        y = 0.5 * mu * (y + y @ m_inv)
        m = 0.5 * ident + 0.25 * (mu ** 2 * m + m_inv)
        if gap <= 1e-9:                      # quadratic: this step took it to rounding level
            return y
    return np.full(a.shape, np.nan)


def _logm_iss(a):
    """log(a), the principal logarithm: inverse scaling and squaring — square roots until
    ‖a − I‖₁ ≤ 0.7, then the [16/16] Padé approximant (16-point Gauss–Legendre quadrature of
    log(I + M) = ∫₀¹ M (I + tM)⁻¹ dt, M = a − I), times 2^k; NaN on the branch cut."""
    ident = np.eye(a.shape[0])
    if _on_branch_cut(a):
        return np.full(a.shape, np.nan)
    k = 0
    while np.linalg.norm(a - ident, 1) > 0.7:
        if k == 64 or not np.all(np.isfinite(a)):
            return np.full(a.shape, np.nan)
        a = _sqrtm_db(a)
        k += 1
    m = a - ident
    j = np.arange(1.0, 16.0)                 # Gauss–Legendre nodes on [-1, 1] (Golub–Welsch)
    nodes, vectors = np.linalg.eigh(np.diag(j / np.sqrt(4 * j * j - 1), 1)
                                    + np.diag(j / np.sqrt(4 * j * j - 1), -1))
    r = sum(w * np.linalg.solve(ident + 0.5 * (t + 1) * m, m)
            for t, w in zip(nodes, vectors[0] ** 2))
    return 2.0 ** k * r


def _block_frechet(f, x, e, y=None):
    """The top-right block of f([[x, e], [0, y]]) (y = x: L_f(x, e)), with e scaled to the
    norm of x (the block is linear in e) so that neither block swamps the other."""
    y = x if y is None else y
    size = np.linalg.norm(e, 1)
    if size == 0 or not np.isfinite(size):
        return np.zeros(e.shape) if size == 0 else np.full(e.shape, np.nan)
    t = max(np.linalg.norm(x, 1), 1.0) / size
    big = np.block([[x, t * e], [np.zeros((y.shape[0], x.shape[1])), y]])
    return f(big)[:x.shape[0], x.shape[1]:] / t


def _mpow_frechet(x, e, k):
    """L(x, e) = Σ_{j<k} x^j e x^(k−1−j) for an integer k ≥ 0: the top-right block of
    [[x, e], [0, x]]^k."""
    n = x.shape[0]
    big = np.block([[x, e], [np.zeros((n, n)), x]])
    return np.linalg.matrix_power(big, int(k))[:n, n:]


def _kron_form(f, x):
    """K_f(x), vec L_f(x, e) = K vec e with vec row-major: vec(x e) = (x ⊗ I) vec e and
    vec(e x) = (I ⊗ xᵀ) vec e commute, so K is the top-right block of
    f([[x ⊗ I, I], [0, I ⊗ xᵀ]]) (the block identity, lifted to the n²-space)."""
    ident = np.eye(x.shape[0])
    return _block_frechet(f, np.kron(x, ident), np.eye(x.size), np.kron(ident, x.T))


# -- the public face: by name --------------------------------------------------------------

def expm(a):
    return _expm_pade(np.asarray(a, dtype=float))


def logm(a):
    return _logm_iss(np.asarray(a, dtype=float))


def sqrtm(a):
    return _sqrtm_db(np.asarray(a, dtype=float))


def mpow(a, k):
    """a^k for an integer k (k < 0: the inverse's power)."""
    return np.linalg.matrix_power(np.asarray(a, dtype=float), _integer(k))


FUNCTIONS = {"expm": _expm_pade, "logm": _logm_iss, "sqrtm": _sqrtm_db}


def frechet(name: str, x, e, *params):
    """L_f(x, e) for f = `name` ('expm', 'logm', 'sqrtm', or 'mpow' with the power)."""
    x, e = np.asarray(x, dtype=float), np.asarray(e, dtype=float)
    if name == "mpow":
        return _mpow_frechet(x, e, _integer(params[0]))
    return _block_frechet(FUNCTIONS[name], x, e)


def kron_form(name: str, x, *params):
    """K_f(x), (n·n)×(n·n): the Jacobian of vec L_f(x, E) by vec E (row-major vec)."""
    x = np.asarray(x, dtype=float)
    if name == "mpow":
        k = _integer(params[0])
        return _kron_form(lambda a: np.linalg.matrix_power(a, k), x)
    return _kron_form(FUNCTIONS[name], x)


def _integer(k) -> int:
    v = float(np.asarray(k, dtype=float).reshape(-1)[0])
    if v != round(v):
        raise ValueError(f"a matrix power must be an integer, not {v}")
    return int(round(v))
