"""Shapes: the shape rule of every operator, stated as unifications of sizes.

Owns: `ShapeInference`, the shape rule each operator's record names (`matcalc.ops`), and how
an undeclared name is read: which element-wise operators spread an array's shape to it
(`spreads`), juxtaposition (`A x`), and a dialect's letter convention (`kinds`).  Reading a
whole text (names, notes) is `reader.infer`'s; the unification machinery lives in
`inference`; the same rules for typed operands, in `shaperules`.
Invariants: every node of a typed tree has a concrete shape `(rows, cols)` over ints and
size names; a conflict is a `ShapeError` naming the operator, both shapes and the place.
Size: 303 lines — one shape rule per operator kind, kept together so that they read as a table.

Inference, in words: sizes are union-find variables.  Operators that need arrays (`@`, `·`,
reductions, `diag`, `tr`…) unify sizes; element-wise operators broadcast a 1×1 operand
(scalar expansion).  Read the way ML code means it: a name combined by `+ - ⊙ ⊘ max min`
with an array is an array of that shape unless declared scalar; `*`, `/`, `^` and
juxtaposition by a name scale (`lam * w`, `c x`); what nothing forces to be an array is a
scalar.  Leftover sizes get fresh names n, m, k, p, …; a vector is a column unless used as a
row; an undeclared capitalised name used as an array is a matrix (`A x`, `inv(S)`).  A size
a Kronecker product or a literal leaves open (the I of `kron(I, xᵀ)`) is read back from
where its result is used.

>>> from .parser import parse_raw
>>> tree, inf = parse_raw("W @ x + b"), ShapeInference(None, {})
>>> _ = inf.visit(tree); inf.finish(tree)
>>> {n: inf.concrete(h) for n, h in inf.vars.items()}
{'W': ('n', 'm'), 'x': ('m', 1), 'b': ('n', 1)}
"""
from __future__ import annotations

from .axes import AxisShapes
from .broadcasting import SPREADING, SPREADING_SPELLINGS, Broadcasting  # noqa: F401
from .inference import Unifier
from .layers import LayerShapes
from .ops import REGISTRY
from .sizes import add_sizes, mul_sizes
from .tree import Expr
from .unify import _Dim, _one, _show, _show_shape, _Slot, _unify


class ShapeInference(Broadcasting, AxisShapes, LayerShapes, Unifier):
    """The shape rule of every operator, stated as unifications of sizes.  `kinds` gives
    undeclared names a kind ('scalar' | 'vector' | 'matrix': a dialect's letter
    convention) with sizes still to infer."""

    def __init__(self, text, declared, kinds=None):
        super().__init__(text, declared)
        self.kinds = kinds or {}
        self.juxt_as: dict[int, str] = {}     # juxtaposition read as "mul" or "matmul"
        self.bcast: dict[int, tuple] = {}     # element-wise node -> (operand, how) broadcast
        self.axis_vector: dict[int, bool] = {}    # axis / layer node -> operand a vector?
        self.typed: dict[int, Expr] = {}      # untyped node -> its typed tree (build)

    def var_handle(self, node):
        name = node.value
        if name not in self.vars:
            kind = self.kinds.get(name)
            if name in self.declared:
                r, c = self.declared[name]
                self.vars[name] = (_Dim(r), _Dim(c))
            elif kind is not None:
                self.vars[name] = (_one(), _one()) if kind == "scalar" else \
                    (_Dim(None, "size"), _one() if kind == "vector" else _Dim(None, "size"))
            else:
                upper = name[:1].isupper()
                self.vars[name] = _Slot("size", "size" if upper else "one", node=node)
        return self.vars[name]

    def build(self, root: Expr) -> Expr:
        """The typed tree: each node with its settled shape; a juxtaposition as read, a
        broadcast written out, a defined name by its definition (one node however often
        it is used), an axis or a layer in the common operators.  Iterative: a text of
        definitions may be thousands of levels deep."""
        typed: dict[int, Expr] = self.typed
        for node in root.walk():
            if id(node) in typed:
                continue
            args = tuple(typed[id(a)] for a in node.args)
            op = node.op
            if op == "ref":
                typed[id(node)] = args[0]
                continue
            if op == "axis":
                typed[id(node)] = self.build_axis(node, args[0])
                continue
            if op == "layer":
                typed[id(node)] = self.build_layer(node, args)
                continue
            if op == "juxt":
                op = self.juxt_as[id(node)]
            shape = self.concrete(self.handles[id(node)])
            typed[id(node)] = Expr(op, self.expand(node, args), shape, node.value, node.span)
        return typed[id(root)]

    def rule(self, node, kids):
        op = node.op
        if op == "num":
            return (_one(), _one())
        if op == "var":
            return self.var_handle(node)
        if op in ("ones", "zeros"):
            return _Slot("size", "one", follow=True, node=node)
        if op == "eye":
            return _Slot("size", "size", follow=True, square=True, node=node)
        if op == "juxt":
            return self.juxtaposition(node, kids)
        rec = REGISTRY.get(op)
        meth = getattr(self, "shape_" + rec.shape, None) if rec is not None else None
        if meth is None:
            raise self.fail(node, f"'{op}' cannot appear in an expression", label="bad-node")
        return meth(node, kids)

    def juxtaposition(self, node, kids):
        a, b = kids
        # A scalar scales; two arrays take the matrix product.  An undetermined operand
        # (a name nothing has typed yet) is read the way people write: `c x` scales by a
        # lowercase name; `A x`, `xᵀ y`, `W x` (an array whose columns may be many, then a
        # name) are matrix products; `x y` with x a column scales x; `2 A x` with x an array
        # is a product too (A capitalised, scaled).
        if isinstance(a, _Slot) and a.follow and a.node is not None and \
                a.node.op == "ones" and self.undetermined(a) and self.is_array(b) and \
                _is_one(self.dims(b)[0]):
            use = "matmul"                 # 𝟏 rᵀ, c 𝟏 rᵀ: the outer product, as printed
        elif self.is_scalar(a) or self.is_scalar(b) or \
                (self.undetermined(a) and not _capital(node.args[0])):
            use = "mul"
        elif self.undetermined(b) and not _capital(node.args[1]):
            use = "matmul" if self.is_array(a) and _may_be_size(self.dims(a)[1]) else "mul"
        else:
            use = "matmul"
        self.juxt_as[id(node)] = use
        if use == "mul":
            return self.broadcast(node, a, b)
        return self.matmul(node, a, b)

    # -- the shape rules the records name ------------------------------------------------
    def shape_leaf(self, node, kids):
        return (_one(), _one())          # a constant: π, e

    def shape_broadcast(self, node, kids):
        return self.broadcast(node, kids[0], kids[1])

    def shape_same(self, node, kids):
        return kids[0]

    def shape_matmul(self, node, kids):
        return self.matmul(node, *kids)

    def shape_transpose(self, node, kids):
        r, c = self.make_array(kids[0])
        return (c, r)

    def shape_dot(self, node, kids):
        la = self.vec_length(node, kids[0], 0)
        lb = self.vec_length(node, kids[1], 1)
        if not _unify(la, lb):
            raise self.fail(node, f"'·' needs vectors of one length: {self.desc(node.args[0])}"
                                  f" has {_show(la)} entries, {self.desc(node.args[1])} "
                                  f"has {_show(lb)}")
        return (_one(), _one())

    def shape_scalar(self, node, kids):
        self.make_array(kids[0])
        return (_one(), _one())

    def shape_vector(self, node, kids):
        d = self.make_array(kids[0])
        self.post.append(("vector", node, d))
        return d

    def _square(self, node, kids):
        r, c = self.make_array(kids[0])
        if not _unify(r, c):
            raise self.fail(node, f"{REGISTRY[node.op].spelling}() needs a square matrix; "
                                  f"{self.desc(node.args[0])} is {_show(r)}×{_show(c)}",
                            label="not-square")
        return r, c

    def shape_square(self, node, kids):
        return self._square(node, kids)

    def shape_square_scalar(self, node, kids):
        self._square(node, kids)
        return (_one(), _one())

    def shape_frechet(self, node, kids):          # f_frechet(X, E, …): E of X's shape
        r, c = self._square(node, kids)
        if not all(_unify(a, b) for a, b in zip(self.make_array(kids[1]), (r, c))):
            raise self.fail(node, f"{REGISTRY[node.op].spelling}(X, E) needs E of X's shape")
        return r, c

    def shape_kron_form(self, node, kids):        # f_kron(X): (n n)×(n n) for X n×n
        return self.shape_commutation(node, [self._square(node, kids)])

    def shape_diag(self, node, kids):
        r, c = self.make_array(kids[0])
        cr, cc = r.find(), c.find()
        if cc.value == 1 or (cc.value is None and cc.pref != "size"):
            _unify(c, _one())
            return (r, r)
        if cr.value == 1:
            return (c, c)
        if not _unify(r, c):
            raise self.fail(node, f"diag() takes a vector or a square matrix; "
                                  f"{self.desc(node.args[0])} is {_show(r)}×{_show(c)}",
                            label="not-square")
        return (r, _one())

    def shape_matrix_same(self, node, kids):
        d = self.make_array(kids[0])
        self.post.append(("matrix", node, d))
        return d

    def shape_row_reduce(self, node, kids):
        r, c = self.shape_matrix_same(node, kids)
        return (r, _one())

    def shape_vcat(self, node, kids):
        return self.concat(node, kids, vertical=True)

    def shape_hcat(self, node, kids):
        return self.concat(node, kids, vertical=False)

    def shape_vec(self, node, kids):
        r, c = self.make_array(kids[0])
        return (self.derive(mul_sizes, [r, c], node, "rows"), _one())

    def shape_commutation(self, node, kids):
        r, c = self.make_array(kids[0])
        n = self.derive(mul_sizes, [r, c], node, "rows")
        return (n, n)

    def shape_kron(self, node, kids):
        (ar, ac), (br, bc) = self.make_array(kids[0]), self.make_array(kids[1])
        return (self.derive(mul_sizes, [ar, br], node, "rows"),
                self.derive(mul_sizes, [ac, bc], node, "columns"))

    def matmul(self, node, a, b):
        (ar, ac), (br, bc) = self.make_array(a), self.make_array(b)
        if not _unify(ac, br):
            left, right = self.desc(node.args[0]), self.desc(node.args[1])
            hints = []
            if _same(ac, _one()) and _same(bc, _one()) and _same(ar, br):
                hints.append(f"for the dot product write {left}·{right} or {left}ᵀ {right}")
            if _same(ar, br) and _same(ac, bc):
                hints.append(f"for the element-wise product write {left} ⊙ {right}")
            elif _same(ar, br) and not _same(ar, _one()):
                hints.append(f"did you mean {left}ᵀ?")
            elif _same(ac, bc) and not _same(bc, _one()):
                hints.append(f"did you mean {right}ᵀ?")
            what = "'@'" if node.op == "matmul" else \
                f"'{left} {right}' (two arrays side by side) is a matrix product and"
            raise self.fail(node, f"{what} needs inner sizes to agree: {left} is "
                                  f"{_show(ar)}×{_show(ac)}, {right} is "
                                  f"{_show(br)}×{_show(bc)}", "; ".join(hints) or None)
        return (ar, bc)

    def vec_length(self, node, h, which):
        r, c = self.make_array(h)
        if r.find().value == 1 and c.find().value != 1:
            return c
        if not _unify(c, _one()):
            raise self.fail(node, f"'·' takes vectors; {self.desc(node.args[which])} is "
                                  f"{_show(r)}×{_show(c)}",
                            hint="for matrices use tr(Aᵀ @ B) or sum(A ⊙ B)", label="not-vector")
        return r

    def concat(self, node, kids, vertical):
        parts = []
        for k in kids:
            if self.undetermined(k):
                self.make_scalar(k)
            parts.append(self.dims(k))
        along, across = (0, 1) if vertical else (1, 0)
        for p, child in zip(parts[1:], node.args[1:]):
            if not _unify(parts[0][across], p[across]):
                raise self.fail(child, "the blocks of a literal do not line up: "
                                       f"{_show_shape(parts[0])} and {_show_shape(p)}")
        total = self.derive(add_sizes, [p[along] for p in parts], node,
                            "rows" if vertical else "columns")
        return (total, parts[0][1]) if vertical else (parts[0][0], total)


def _capital(node: Expr) -> bool:
    """A matrix by convention: a capitalised name (a variable, or a defined name), or the
    identity I — also scaled by a number or negated (`2 A x`, `-A x`, `eye(3) * X`)."""
    while node.op in ("neg", "mul", "juxt") and node.args:
        if node.op != "neg" and node.args[0].op != "num":
            break
        node = node.args[-1]
    return node.op == "eye" or (node.op in ("var", "ref") and node.value[:1].isupper())


def _is_one(d: _Dim) -> bool:
    return d.find().value == 1


def _same(a: _Dim, b: _Dim) -> bool:
    ra, rb = a.find(), b.find()
    return ra is rb or (ra.value is not None and ra.value == rb.value)


def _may_be_size(d: _Dim) -> bool:
    root = d.find()
    return root.value != 1 and (root.value is not None or root.pref == "size")
