"""The machinery of shape inference: sizes as union-find variables, and the solver that
settles them once every operator has stated its rule.

Owns: `Unifier`, the base of `shapes._Inference` (which states the rule of each operator),
and the solver over the handles of `unify` (`_Dim`, `_Slot`, `_Lazy`).
Invariants: after `finish`, every size reachable from the tree has a value (an int, a name,
or a sum of products of them: `sizes`); a conflict is a `ShapeError` naming the operator,
both shapes and the place.  Imports nothing of matcalc but `errors`, `sizes` and `tree`.

The sizes themselves (union-find) are `unify`'s.
"""
from __future__ import annotations

import itertools

from .errors import ShapeError
from .ops import REGISTRY
from .sizes import add_sizes, mul_sizes, same_size, solve_size
from .tree import Expr
from .unify import FRESH_NAMES, _Dim, _Lazy, _one, _show_shape, _Slot, _unify

class Unifier:
    """Handles for every node, the checks left for the end, and the end itself: `finish`
    settles broadcasts, names the free sizes and computes the derived ones.  A subclass
    supplies `rule(node, kid_handles) -> handle`, `var_handle(node)` and the element-wise
    messages `ewise_msg` / `ewise_hint`."""

    def __init__(self, text, declared):
        self.text = text
        self.declared = declared    # {name: (rows, cols)}, already read by shapes.parse_decl
        self.vars: dict[str, object] = {}
        self.pending: list = []      # (array dims, other handle, node) checked at the end
        self.lazies: list[_Lazy] = []
        self.handles: dict[int, object] = {}
        self.post: list = []         # checks run after defaults
        self.derived: list = []      # (dim, combine, part dims, node, axis): sums, products

    # errors
    def fail(self, node, message, hint=None, label="shape-mismatch"):
        return ShapeError(message, text=self.text, span=node.span, hint=hint, label=label)

    # handle helpers
    def is_scalar(self, h) -> bool:
        if isinstance(h, _Slot):
            return h.state == "scalar"
        if isinstance(h, _Lazy):
            return h.result is not None and self.is_scalar(h.result)
        r, c = h
        return r.find().value == 1 and c.find().value == 1

    def is_array(self, h) -> bool:
        if isinstance(h, _Slot):
            return h.state == "array"
        if isinstance(h, _Lazy):
            return h.result is not None and not self.is_scalar(h.result)
        return not self.is_scalar(h)

    def undetermined(self, h) -> bool:
        return not self.is_array(h) and not self.is_scalar(h)

    def make_array(self, h):
        """Force `h` to be an array (a variable used as a vector/matrix); return its dims."""
        if isinstance(h, _Slot):
            if h.state == "scalar":
                return (_one(), _one())
            if h.state == "?" and h.node is not None and h.node.op == "ones":
                _unify(h.dims[1], _one())   # 𝟏 used as an array (𝟏ᵀ x) is a column vector
            h.state = "array"
            return h.dims
        if isinstance(h, _Lazy):
            if h.result is None:
                # an operand typed since the broadcast was seen decides; else the first open one
                target = next((o for o in h.operands if self.is_array(o)), None) or \
                    next((o for o in h.operands if self.undetermined(o)), None)
                if target is None:        # every operand turned out scalar
                    h.result = (_one(), _one())
                    return h.result
                h.result = self.make_array(target)
                for o in h.operands:
                    if o is not target:
                        self.pending.append((h.result, o, h.node))
            return self.dims(h.result)
        return h

    def make_scalar(self, h):
        if isinstance(h, _Slot) and h.state == "?":
            h.state = "scalar"
            _unify(h.dims[0], _one())
            _unify(h.dims[1], _one())
        elif isinstance(h, _Lazy) and h.result is None:
            for o in h.operands:
                self.make_scalar(o)
            h.result = (_one(), _one())

    def dims(self, h):
        if isinstance(h, _Slot):
            return h.dims if h.state != "scalar" else (_one(), _one())
        if isinstance(h, _Lazy):
            return self.dims(h.result) if h.result is not None else None
        return h

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

    def unify_dims(self, a, b, node, message, hint=None):
        if not (_unify(a[0], b[0]) and _unify(a[1], b[1])):
            raise self.fail(node, message(), hint)

    def visit(self, node: Expr):
        kids = [self.visit(a) for a in node.args]
        h = self.rule(node, kids)
        self.handles[id(node)] = h
        return h


    def desc(self, node: Expr) -> str:
        if node.span is not None and self.text is not None:
            s = self.text[node.span[0]:node.span[1]].strip()
            if len(s) <= 30:
                return s
            return s[:27] + "…"
        return node.op

    # -- finish ----------------------------------------------------------------------------
    def finish(self, root):
        # Lazies: an operand that became an array decides the result.  A constant (𝟏, 𝟎, I)
        # nothing sized is an array of a fresh size, never a scalar: re-parsing the printed
        # tree must give the same shapes, and there the constant stands alone.
        while True:
            self.settle_lazies()
            const = next((c for lz in self.lazies if lz.result is None
                          for c in [self.undetermined_constant(lz)] if c is not None), None)
            if const is None:
                break
            const.state = "array"
        for lz in self.lazies:
            if lz.result is None:
                self.make_scalar(lz)
        for dims, other, node in self.pending:
            if self.is_scalar(other):
                continue
            if isinstance(other, _Slot) and other.state == "?":
                if other.follow:
                    other.state = "array"
                    before = _show_shape(dims)
                    square = " (I is square)" if other.node is not None and \
                        other.node.op == "eye" else ""
                    self.unify_dims(dims, other.dims, node,
                                    lambda: f"{self.desc(other.node)}{square} takes the shape "
                                            f"of the other operand of "
                                            f"{self.desc(node)}, which is {before}")
                else:
                    self.make_scalar(other)
                continue
            od = self.dims(other)
            if od is None:
                continue
            a_scalar = dims[0].find().value == 1 and dims[1].find().value == 1
            if a_scalar or (od[0].find().value == 1 and od[1].find().value == 1):
                continue
            self.unify_dims(dims, od, node, lambda: self.ewise_msg(node, dims, other),
                            self.ewise_hint(node, dims, other))
        for slot in self.vars.values():
            if isinstance(slot, _Slot) and slot.state == "?":
                self.make_scalar(slot)
        for n in root.walk():
            h = self.handles.get(id(n))
            if isinstance(h, _Slot) and h.state == "?":
                if h.follow and n.op in ("ones", "zeros", "eye"):
                    h.state = "array"
                else:
                    self.make_scalar(h)
        self.name_sizes(root)
        self.compute_derived()
        for item in self.post:
            if item[0] == "vector":
                _, node, (r, c) = item
                if self.value(r) != 1 and self.value(c) != 1:
                    name = REGISTRY[node.op].spelling if node.op in REGISTRY else node.op
                    raise self.fail(node, f"{name}() takes a vector; its argument is "
                                          f"{self.value(r)}×{self.value(c)}", label="not-vector")

    def settle_lazies(self):
        changed = True
        while changed:
            changed = False
            for lz in self.lazies:
                if lz.result is None and any(self.is_array(o) for o in lz.operands):
                    arr = next(o for o in lz.operands if self.is_array(o))
                    lz.result = self.dims(arr)
                    for o in lz.operands:
                        if o is not arr:
                            self.pending.append((lz.result, o, lz.node))
                    changed = True

    def undetermined_constant(self, lz):
        for o in lz.operands:
            if isinstance(o, _Slot) and o.follow and o.state == "?":
                return o
            if isinstance(o, _Lazy) and o.result is None:
                found = self.undetermined_constant(o)
                if found is not None:
                    return found
        return None

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

    def value(self, d):
        return d.find().value

    def concrete(self, h):
        d = self.dims(h)
        return (self.value(d[0]), self.value(d[1]))


def _preorder(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))

