"""Size expressions: the sums and products of sizes that literals and Kronecker products give
(`n+1`, `m*n`), kept as strings a declaration accepts back.

Owns: `add_sizes`, `mul_sizes`, `same_size`, `solve_size`.  A size is an int, a name, or a
sum of products of names and ints — `*` binds tighter than `+`, as `evaluate.resolve_dim`
reads it, so `(n+1)*k` is written `n*k+k`.  Imports nothing of matcalc.

>>> add_sizes("n", 1), mul_sizes("m", "n"), mul_sizes("n+1", "k"), same_size("m*n", "n*m")
('n+1', 'm*n', 'n*k+k', True)
>>> solve_size(mul_sizes, "m*n", ["n"]), solve_size(add_sizes, "n+3", ["n"])
('m', 3)
"""
from __future__ import annotations

from collections import Counter


def _monomials(v) -> list:
    """'2*n*k+1' -> [(2, ['n', 'k']), (1, [])]."""
    out = []
    for term in str(v).split("+"):
        coef, names = 1, []
        for f in term.split("*"):
            f = f.strip()
            if f.isdigit():
                coef *= int(f)
            else:
                names.append(f)
        out.append((coef, names))
    return out


def _key(v) -> Counter:
    out: Counter = Counter()
    for coef, names in _monomials(v):
        out[tuple(sorted(names))] += coef
    return out


def _format(monomials):
    """[(coef, names)] -> 'n*k+k' (like terms merged, names in the order given), or an int."""
    merged: dict = {}
    for coef, names in monomials:
        c, first = merged.get(tuple(sorted(names)), (0, names))
        merged[tuple(sorted(names))] = (c + coef, first)
    parts = [(c, names) for c, names in merged.values() if c]
    if all(not names for _, names in parts):
        return sum(c for c, _ in parts)
    return "+".join("*".join(([str(c)] if c != 1 or not names else []) + list(names))
                    for c, names in parts)


def same_size(a, b) -> bool:
    """'n+1' and '1+n', 'm*n' and 'n*m' name one size."""
    return a == b or _key(a) == _key(b)


def add_sizes(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return f"{a}+{b}"


def mul_sizes(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    if "+" not in f"{a}{b}":
        return f"{a}*{b}"
    return _format([(ca * cb, na + nb) for ca, na in _monomials(a) for cb, nb in _monomials(b)])


def solve_size(combine, total, known: list):
    """The size u with combine(*known, u) == total, or None when there is none or it is not
    one monomial away: m*n / n = m, 12 / 3 = 4, (n+3) - n = 3."""
    if combine is add_sizes:
        rest = _key(total)
        for k in known:
            rest.subtract(_key(k))
        if min(rest.values(), default=0) < 0 or not +rest:
            return None
        return _format([(c, list(names)) for names, c in rest.items() if c])
    if all(k == 1 for k in known):
        return total
    (coef, names), *more = _monomials(total)
    if more:
        return None
    for k in known:
        (kc, kn), *more = _monomials(k)
        if more or coef % kc:
            return None
        coef //= kc
        for name in kn:
            if name not in names:
                return None
            names.remove(name)
    return _format([(coef, names)]) if coef > 0 else None
