"""Sizes that shape inference settles last: derived sizes (the sums a literal's blocks make,
the products of a Kronecker product) and fresh names for the sizes nothing fixed.

Owns: `SizeSolver`, the mixin of `inference.Unifier` that holds `derive`, `name_sizes`,
`solve_derived`, `compute_derived`.  Fresh names are n, m, k, p, … in order of appearance,
skipping the names the text and the declarations use.
"""
from __future__ import annotations

import itertools

from .sizes import add_sizes, mul_sizes, same_size, solve_size
from .unify import FRESH_NAMES, _Dim, _unify


class SizeSolver:
    """Derived sizes and fresh size names; needs `self.derived`, `self.vars`,
    `self.declared`, `self.handles`, `self.dims`, `self.fail` (see `inference.Unifier`)."""

    def derive(self, combine, parts, node, axis: str) -> _Dim:
        """A size that is the sum (a literal's blocks) or product (kron) of `parts`: known now
        if they are (so `kron(a, u)` is at once an m×1 column), else settled in `finish`."""
        values = [p.find().value for p in parts]
        if None not in values:
            total = values[0]
            for v in values[1:]:
                total = combine(total, v)
            return _Dim(total)
        dim = _Dim(None, "size")
        self.derived.append((dim, combine, parts, node, axis))
        return dim

    def compute_derived(self):
        """Sizes that are sums (literals) or products (kron) of other sizes, in build order."""
        for dim, combine, parts, node, axis in self.derived:
            vals = [self.value(p) for p in parts]
            want = vals[0]
            for v in vals[1:]:
                want = combine(want, v)
            root = dim.find()
            if root.value is None:
                root.value = want
            elif not same_size(root.value, want):
                what = "literal's blocks add up to" if combine is add_sizes else \
                    "Kronecker product has"
                raise self.fail(node, f"the {what} {want} {axis}, but it is used "
                                      f"as {root.value}", label="shape-mismatch")

    def name_sizes(self, root):
        """Fresh names for the sizes nothing fixed: the variables' sizes first, in order of
        appearance, so `A @ x` reads A: n×m, x: m.  A size that only a derived one fixes
        (the I of `kron(I, xᵀ)`) is solved for first."""
        order = []
        for h in self.vars.values():
            order.extend(self.dims(h))
        for n in _preorder(root):
            h = self.handles.get(id(n))
            d = self.dims(h) if h is not None else None
            if d:
                order.extend(d)
        skip = {d.find() for d, *_ in self.derived}
        for d in order:                  # what is not a size is 1, whatever else happens
            r = d.find()
            if r.value is None and r not in skip and r.pref != "size":
                r.value = 1
        self.solve_derived()
        skip = {d.find() for d, *_ in self.derived}
        used = set(self.declared_sizes()) | {n.value for n in root.walk() if n.op == "var"}
        fresh = (n for n in itertools.chain(FRESH_NAMES, (f"n{i}" for i in itertools.count(1)))
                 if n not in used)
        for d in order:
            r = d.find()
            if r.value is None and r not in skip:
                r.value = next(fresh)

    def solve_derived(self):
        """Unify the one free factor of a derived size with what its use fixed, rather than
        name it and compare: in `diag(u) kron(I, xᵀ)` the kron has u's length of rows, so
        I·1 = m makes I m×m; in `kron(I, x) + kron(x, I)` the columns I·1 = 1·I make both
        I one size."""
        changed = True
        while changed:
            changed = False
            for item in list(self.derived):
                dim, combine, parts = item[:3]
                root, free = dim.find(), [p.find() for p in parts if p.find().value is None]
                if len(free) != 1 or free[0] is root:
                    continue
                known = [p.find().value for p in parts if p.find().value is not None]
                if root.value is not None:
                    value = solve_size(combine, root.value, known)
                    if value is not None:        # else compute_derived names the conflict
                        free[0].value = value
                        changed = True
                elif all(k == 1 for k in known) and combine is mul_sizes:
                    _unify(dim, free[0])          # I ⊗ 1 is I: one size, not a derived one
                    self.derived.remove(item)
                    changed = True

    def declared_sizes(self):
        for r, c in self.declared.values():
            for d in (r, c):
                if isinstance(d, str):
                    yield d


def _preorder(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))

