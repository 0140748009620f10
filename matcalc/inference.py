"""The machinery of shape inference: sizes as union-find variables, and the solver that
settles them once every operator has stated its rule.

Owns: `Unifier`, the base of `shapes._Inference` (which states the rule of each operator),
and the solver over the handles of `unify` (`_Dim`, `_Slot`, `_Lazy`).
Invariants: after `finish`, every size reachable from the tree has a value (an int, a name,
or a sum of products of them: `sizes`); a conflict is a `ShapeError` naming the operator,
both shapes and the place.

The default, as ML code means it: an undetermined operand of an element-wise operator that
*spreads* (`+ - ⊙ ⊘ max min`: the subclass's `spreads(node)`) whose other operand is an
array becomes an array of that shape (`W @ x + b`: b is a bias vector); what nothing makes
an array is a scalar, and is remembered as such (`defaulted`: `w.x + b`, `lam * norm(w)^2`).
The sizes themselves (union-find) are `unify`'s; derived sizes and fresh names `size_solver`'s.
"""
from __future__ import annotations

from .errors import ShapeError
from .ops import REGISTRY
from .size_solver import SizeSolver
from .tree import Expr
from .unify import _Lazy, _one, _show_shape, _Slot, _unify


class Unifier(SizeSolver):
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
        self.defaulted: set = set()  # variables that are scalars because nothing said otherwise

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

    def spreads(self, node) -> bool:
        """Does an array operand of `node` make its undetermined operand an array? (The
        subclass says which element-wise operators do.)"""
        return False

    def default_scalar(self, h):
        """A scalar because nothing said otherwise: remembered, for the notes."""
        if isinstance(h, _Slot) and h.state == "?" and h.node is not None and \
                h.node.op == "var":
            self.defaulted.add(h.node.value)
        elif isinstance(h, _Lazy) and h.result is None:
            for o in h.operands:
                self.default_scalar(o)
        self.make_scalar(h)

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

    def unify_dims(self, a, b, node, message, hint=None):
        if not (_unify(a[0], b[0]) and _unify(a[1], b[1])):
            raise self.fail(node, message(), hint)

    def visit(self, root: Expr):
        """State every node's rule, children first (iteratively: a text of definitions may
        be deep), each node once however often a definition is used."""
        for node in root.walk():
            if id(node) not in self.handles:
                kids = [self.handles[id(a)] for a in node.args]
                self.handles[id(node)] = self.rule(node, kids)
        return self.handles[id(root)]


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
            if self.spread():
                continue
            const = next((c for lz in self.lazies if lz.result is None
                          for c in [self.undetermined_constant(lz)] if c is not None), None)
            if const is None:
                break
            const.state = "array"
        for lz in self.lazies:
            if lz.result is None:
                self.default_scalar(lz)
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
                    self.default_scalar(other)
                continue
            od = self.dims(other)
            if od is None:
                continue
            a_scalar = dims[0].find().value == 1 and dims[1].find().value == 1
            if a_scalar or (od[0].find().value == 1 and od[1].find().value == 1):
                continue
            mine = self.handles.get(id(node))
            mine = self.dims(mine) if mine is not None and not isinstance(mine, _Lazy) \
                else dims
            pair = (od, dims) if self.handles.get(id(node.args[0])) is other else (dims, od)
            self.ewise_arrays(node, *pair, result=mine)
        for slot in self.vars.values():
            if isinstance(slot, _Slot) and slot.state == "?":
                self.default_scalar(slot)
        for n in root.walk():
            h = self.handles.get(id(n))
            if isinstance(h, _Slot) and h.state == "?":
                if h.follow and n.op in ("ones", "zeros", "eye"):
                    h.state = "array"
                else:
                    self.make_scalar(h)
        self.name_sizes(root)
        self.compute_derived()
        for kind, node, (r, c) in self.post:
            name = node.value[0] if node.op == "axis" else \
                REGISTRY[node.op].spelling if node.op in REGISTRY else node.op
            r, c = self.value(r), self.value(c)
            if kind == "vector" and r != 1 and c != 1:
                raise self.fail(node, f"{name}() takes a vector; its argument is {r}×{c}",
                                label="not-vector",
                                hint=f"for each row of a matrix write {name}(X, axis=1)")
            if kind == "matrix" and (r == 1 or c == 1):
                raise self.fail(node, f"{name}() takes a matrix; its argument is {r}×{c}",
                                label="not-matrix", hint="for a vector write "
                                f"{name.replace('_rows', '')}(x)")

    def spread(self) -> bool:
        """An undetermined operand of a spreading element-wise operator whose other operand
        is an array becomes an array of that shape; True if one did."""
        changed = False
        for dims, other, node in self.pending:     # (spreading may append to pending)
            if not self.undetermined(other) or not self.spreads(node) or \
                    (isinstance(other, _Slot) and other.follow) or \
                    not any(_may_be_size(d) for d in dims):    # an array for sure
                continue
            changed = True
            if self.spread_vector(node, dims, other):           # X @ W + b: a bias
                continue
            od = self.make_array(other)
            self.unify_dims(dims, od, node, lambda: self.ewise_msg(node, dims, other),
                            self.ewise_hint(node, dims, other))
            changed = True
        return changed

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

    def value(self, d):
        return d.find().value

    def concrete(self, h):
        d = self.dims(h)
        return (self.value(d[0]), self.value(d[1]))


def _may_be_size(d) -> bool:
    """A size that will not be 1: known and not 1, or unknown but preferring a name."""
    root = d.find()
    return root.value != 1 and (root.value is not None or root.pref == "size")
