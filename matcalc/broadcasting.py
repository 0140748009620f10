"""Element-wise operators on arrays of different shapes: NumPy's broadcasting of a row
(1×k) or a column (N×1) against an N×k matrix, and of a k-vector as NumPy reads a 1-D one.

Owns: `Broadcasting` (a mixin of `shapes.ShapeInference`): the shape rule of every
element-wise binary operator (`broadcast`), the choice of a reading for two arrays
(`ewise_arrays`), a lowercase name added to a matrix read as a vector (`spread_vector`), the
messages, and `expand` (the broadcast operand written out in the typed tree).
Invariant: the typed tree never broadcasts implicitly — the operand is written out, so every
stage reads it as it is printed: a row r is `𝟏 r`, a column c is `c 𝟏ᵀ`, a k-vector b added
to an N×k matrix is `𝟏 bᵀ` (`X W + 𝟏 bᵀ`).

The readings, in order: equal shapes; a row against a matrix with its number of columns (to
every row); a column against a matrix: with its number of rows (to every column), or, as
NumPy reads a 1-D vector, with its number of columns (to every row: a bias) — for `+ - ⊙ ⊘
max min` only, since `A * x` is more often a matrix product written wrongly.  A vector whose
length is both (a square matrix) is ambiguous and refused with both spellings.
"""
from __future__ import annotations

from .reading import written_op
from .shaperules import mk
from .sizes import same_size
from .tree import ones
from .unify import _Lazy, _one, _show, _show_shape, _Slot, _unify

SPREADING = {"add", "sub", "max", "min"}
SPREADING_SPELLINGS = {"⊙", "⊗", "⊘", ".*", "./"}      # `*` and `/` scale: `lam * w`, `x / n`
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "max": "max",
           "min": "min", "juxt": "*"}


def _rel(x, y) -> str:
    """How two sizes compare: eq, conflict, collapse (a free size would have to be 1), free."""
    rx, ry = x.find(), y.find()
    if rx is ry:
        return "eq"
    vx, vy = rx.value, ry.value
    if vx is not None and vy is not None:
        return "eq" if same_size(vx, vy) else "conflict"
    if (vx == 1 and ry.pref == "size") or (vy == 1 and rx.pref == "size"):
        return "collapse"
    return "free"


def _is1(d) -> bool:
    return d.find().value == 1


def _big(d) -> bool:
    root = d.find()
    return root.value != 1 and (root.value is not None or root.pref == "size")


def readings(small, big) -> list:
    """[(kind, fit)]: how `small` (dims) can broadcast against the matrix `big`."""
    (sr, sc), (br, bc) = small, big
    if not (_big(br) and _big(bc)):
        return []
    out = []
    if _is1(sr) and not _is1(sc) and _rel(sc, bc) in ("eq", "free"):
        out.append(("row", _rel(sc, bc)))
    if _is1(sc) and not _is1(sr):
        for kind, other in (("col", br), ("vec", bc)):
            if _rel(sr, other) in ("eq", "free"):
                out.append((kind, _rel(sr, other)))
    return out


class Broadcasting:
    """Element-wise binary operators (mixed into ShapeInference, which has the handles)."""

    def spreads(self, node) -> bool:
        return node.op in SPREADING or (node.op in ("mul", "div") and
                                        written_op(node, self.text) in SPREADING_SPELLINGS)

    def broadcast(self, node, a, b):
        if self.is_scalar(a):
            return (_one(), _one()) if self.is_scalar(b) else b
        if self.is_scalar(b):
            return a
        if self.is_array(a) and self.is_array(b):
            return self.ewise_arrays(node, self.dims(a), self.dims(b))
        if self.is_array(a):
            self.pending.append((self.dims(a), b, node))
            return a
        if self.is_array(b):
            self.pending.append((self.dims(b), a, node))
            return b
        lazy = _Lazy([a, b], node)
        self.lazies.append(lazy)
        return lazy

    def ewise_arrays(self, node, da, db, result=None):
        """Two arrays under an element-wise operator: unify them or choose a broadcast;
        the result's dims.  `result`: the dims already given to the node (a broadcast may
        not widen them)."""
        rels = (_rel(da[0], db[0]), _rel(da[1], db[1]))
        if not {"conflict", "collapse"} & set(rels):
            self.unify_dims(da, db, node, lambda: self.ewise_msg(node, da, db))
            return da
        open_sizes = {d.find() for d, *_ in self.derived}    # kron / literal sizes: not
        cands = [(i, k, f) for i, (small, big) in enumerate(((da, db), (db, da)))  # guessed
                 if not {big[0].find(), big[1].find()} & open_sizes
                 for k, f in readings(small, big)]
        scaling = not self.spreads(node)
        usable = [c for c in cands if not (scaling and c[1] == "vec")]
        eq = [c for c in usable if c[2] == "eq"]
        if len(eq) > 1:
            raise self.ambiguous(node, eq[0][0], (da, db)[eq[0][0]])
        choice = eq[0] if eq else next((c for kind in ("vec", "col", "row") for c in usable
                                        if c[1] == kind), None)
        if choice is None:
            if "conflict" not in rels:                  # a free size becomes 1 (x' vs x)
                self.unify_dims(da, db, node, lambda: self.ewise_msg(node, da, db))
                return da
            extra = None
            vec = next((c for c in cands if c[1] == "vec"), None)
            if vec is not None:
                x, big = self.desc(node.args[vec[0]]), self.desc(node.args[1 - vec[0]])
                extra = (f"to multiply every row of {big} by {x} entry by entry, write "
                         f"{big} ⊙ {x} (or {big} * {x}ᵀ)")
            hint = "; ".join(h for h in (self.ewise_hint(node, da, db), extra) if h) or None
            raise self.fail(node, self.ewise_msg(node, da, db), hint)
        idx, kind, _ = choice
        small, big = (da, db) if idx == 0 else (db, da)
        if result is not None and result is small:
            raise self.fail(node, f"the shape of {self.desc(node)} depends on a broadcast "
                                  "matcalc could not settle in time",
                            hint="declare the shapes of its operands (--shape)")
        target = {"row": (small[1], big[1]), "col": (small[0], big[0]),
                  "vec": (small[0], big[1])}[kind]
        _unify(*target)
        self.bcast[id(node)] = (idx, kind)
        return big

    def spread_vector(self, node, dims, other) -> bool:
        """`X @ W + b`: an undeclared lowercase name added to a matrix is a vector with one
        entry per column, added to every row (NumPy's 1-D broadcasting); False if not."""
        if not (isinstance(other, _Slot) and other.node is not None and
                other.node.op == "var" and not other.node.value[:1].isupper() and
                _big(dims[0]) and _big(dims[1]) and _rel(dims[0], dims[1]) != "eq"):
            return False
        idx = 0 if self.handles.get(id(node.args[0])) is other else 1
        r, c = self.make_array(other)
        if not (_unify(c, _one()) and _unify(r, dims[1])):
            return False
        self.bcast[id(node)] = (idx, "vec")
        return True

    def ambiguous(self, node, idx, dims):
        s, big = self.desc(node.args[idx]), self.desc(node.args[1 - idx])
        sym = SYMBOLS.get(node.op, node.op)
        return self.fail(node, f"{s} has {_show(dims[0])} entries and {big} is "
                               f"{_show(dims[0])}×{_show(dims[0])}: {s} could go with every row "
                               "or with every column", label="ambiguous-broadcast",
                         hint=f"write {big} {sym} 𝟏 {s}ᵀ for every row (NumPy's reading of a "
                              f"1-D {s}), or {big} {sym} {s} 𝟏ᵀ for every column")

    def ewise_msg(self, node, a, b):
        sym = SYMBOLS[node.op]
        return (f"'{sym}' is element-wise and needs equal shapes or a scalar: "
                f"{self.desc(node.args[0])} is {_show_shape(self.dims(a))}, "
                f"{self.desc(node.args[1])} is {_show_shape(self.dims(b))}")

    def ewise_hint(self, node, a, b):
        (ar, ac), (br, bc) = self.dims(a), self.dims(b)
        if node.op in ("mul", "juxt") and ac.find().value is not None and \
                ac.find().value == br.find().value:
            return (f"did you mean '@'? {self.desc(node.args[0])} @ {self.desc(node.args[1])} "
                    "is the matrix product")
        if ar.find().value == bc.find().value and ac.find().value == br.find().value:
            return "one of them is transposed: did you mean to transpose it (x')?"
        return None

    def expand(self, node, args):
        """The operands of an element-wise node with the broadcast one written out."""
        how = self.bcast.get(id(node))
        if how is None:
            return args
        idx, kind = how
        rows, cols = self.concrete(self.handles[id(node)])
        v = args[idx]
        if kind == "row":
            v = mk("matmul", ones((rows, 1)), v)
        elif kind == "col":
            v = mk("matmul", v, mk("T", ones((cols, 1))))
        else:
            v = mk("matmul", ones((rows, 1)), mk("T", v))
        return args[:idx] + (v,) + args[idx + 1:]
