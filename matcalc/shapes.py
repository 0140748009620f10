"""Shapes: declarations, inference by unification, and the shape rule of every operator.

Owns: `infer(raw_tree, declared) -> (typed_tree, var_shapes)` and `shape_of(op, args)` (the
construction-time rule the engine uses for nodes it builds).
Invariants: every node of a typed tree has a concrete shape `(rows, cols)` over ints and
size names; a conflict is a `ShapeError` naming the operator, both shapes and the place.

Inference, in words: sizes are union-find variables.  Operators that need arrays (`@`, `·`,
reductions, `diag`, `tr`…) unify sizes; element-wise operators broadcast a 1×1 operand
(scalar expansion), and a variable nothing forces to be an array is a scalar.  Leftover
sizes get fresh names n, m, k, p, …; a vector is a column unless used as a row; an
undeclared capitalised name used as an array is a matrix.
"""
from __future__ import annotations

import itertools
import re

from .errors import ShapeError
from .tree import SCALAR, Expr, format_shape

# a size: a name or a positive integer, or a sum / product of them (n+1, n*k: what
# literals and Kronecker products give, so that inferred shapes can be declared back)
_ATOM = r"(?:[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*|[0-9]+)"
_SIZE = rf"{_ATOM}(?:[+*]{_ATOM})*"
FRESH_NAMES = ["n", "m", "k", "p", "q", "r", "s", "t", "h", "j", "l", "u", "v"]


# -- declarations ----------------------------------------------------------------------

def parse_decl(decl, name: str = "?"):
    """'scalar' | 'n' | 'm,n' | '3' | '3,4' | (m, n) -> (rows, cols)."""
    if isinstance(decl, tuple) or isinstance(decl, list):
        parts = list(decl)
    else:
        s = str(decl).strip()
        if s.lower() in ("scalar", "()", ""):
            return SCALAR
        parts = [p.strip() for p in re.split(r"[,×]|(?<=\d)x(?=\d)", s) if p.strip()] if \
            re.fullmatch(rf"{_SIZE}(\s*[,×]\s*{_SIZE})?|\d+x\d+", s) else None
        if parts is None:
            raise ShapeError(f"cannot read the shape {decl!r} declared for {name}",
                             hint="write 'scalar', 'n' (a vector of length n), 'm,n' (a matrix) "
                                  "or integers such as '3' or '3,4'", label="bad-declaration")
    if len(parts) == 1:
        parts.append(1)
    if len(parts) != 2:
        raise ShapeError(f"the shape declared for {name} has {len(parts)} sizes; at most 2",
                         label="bad-declaration")
    out = []
    for p in parts:
        if isinstance(p, int) or (isinstance(p, str) and p.isdigit()):
            v = int(p)
            if v < 1:
                raise ShapeError(f"sizes are positive; {name} was declared with {p}",
                                 label="bad-declaration")
            out.append(v)
        elif isinstance(p, str) and re.fullmatch(_SIZE, p):
            out.append(p)
        else:
            raise ShapeError(f"cannot read the size {p!r} declared for {name}",
                             label="bad-declaration")
    return tuple(out)


# -- union-find sizes ----------------------------------------------------------------------

class _Dim:
    __slots__ = ("parent", "value", "pref")

    def __init__(self, value=None, pref=None):
        self.parent = self
        self.value = value      # int | str | None
        self.pref = pref        # "size" (becomes a name) | "one" | None

    def find(self) -> "_Dim":
        root = self
        while root.parent is not root:
            root = root.parent
        node = self
        while node.parent is not root:
            node.parent, node = root, node.parent
        return root


def _unify(a: _Dim, b: _Dim) -> bool:
    ra, rb = a.find(), b.find()
    if ra is rb:
        return True
    if ra.value is not None and rb.value is not None and ra.value != rb.value:
        return False
    rb.parent = ra
    if ra.value is None:
        ra.value = rb.value
    if rb.pref == "size" or ra.pref is None:
        ra.pref = rb.pref if rb.pref == "size" or ra.pref is None else ra.pref
    return True


def _one() -> _Dim:
    return _Dim(1)


def _show(d: _Dim) -> str:
    v = d.find().value
    return "?" if v is None else str(v)


def _show_shape(dims) -> str:
    r, c = dims
    if r.find().value == 1 and c.find().value == 1:
        return "scalar"
    return f"{_show(r)}×{_show(c)}"


# -- shape handles -----------------------------------------------------------------------

class _Slot:
    """A shape not yet known to be scalar or array: a variable, or a constant 𝟏 / 𝟎 / I."""

    def __init__(self, rows_pref, cols_pref, follow=False, square=False, node=None):
        self.node = node
        self.dims = (_Dim(None, rows_pref), _Dim(None, cols_pref))
        if square:
            _unify(self.dims[0], self.dims[1])
        self.state = "?"          # "?" | "array" | "scalar"
        self.follow = follow      # constants take the other operand's shape in a broadcast


class _Lazy:
    """The result of a broadcast between operands none of which is known to be an array."""

    def __init__(self, operands, node):
        self.operands = operands
        self.node = node
        self.result = None


class _Inference:
    def __init__(self, text, declared):
        self.text = text
        self.declared = {k: parse_decl(v, k) for k, v in (declared or {}).items()}
        self.vars: dict[str, object] = {}
        self.pending: list = []      # (array dims, other handle, node) checked at the end
        self.lazies: list[_Lazy] = []
        self.handles: dict[int, object] = {}
        self.post: list = []         # checks run after defaults
        self.derived: list = []      # (dim, combine, part dims, node): sums and products

    # errors
    def fail(self, node, message, hint=None, label="shape-mismatch"):
        return ShapeError(message, text=self.text, span=node.span, hint=hint, label=label)

    # handle helpers
    def var_handle(self, node):
        name = node.value
        if name not in self.vars:
            if name in self.declared:
                r, c = self.declared[name]
                self.vars[name] = (_Dim(r), _Dim(c))
            else:
                upper = name[:1].isupper()
                self.vars[name] = _Slot("size", "size" if upper else "one")
        return self.vars[name]

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

    def unify_dims(self, a, b, node, message, hint=None):
        if not (_unify(a[0], b[0]) and _unify(a[1], b[1])):
            raise self.fail(node, message(), hint)

    # -- per operator --------------------------------------------------------------------
    def visit(self, node: Expr):
        kids = [self.visit(a) for a in node.args]
        h = self.rule(node, kids)
        self.handles[id(node)] = h
        return h

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
        if op in ("add", "sub", "mul", "div", "pow", "max", "min"):
            return self.broadcast(node, kids[0], kids[1])
        if op == "juxt":
            a, b = kids
            # A scalar scales; two arrays take the matrix product.  An undetermined operand
            # (a name nothing has typed yet) is read the way people write: `c x` scales by a
            # lowercase name; `A x`, `xᵀ y`, `W x` (an array whose columns may be many, then a
            # name) are matrix products; `x y` with x a column scales x.
            if self.is_scalar(a) or self.is_scalar(b) or \
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
        if op == "matmul":
            return self.matmul(node, *kids)
        if op == "neg" or op in _EWISE:
            return kids[0]
        if op == "T":
            r, c = self.make_array(kids[0])
            return (c, r)
        if op == "dot":
            la = self.vec_length(node, kids[0], 0)
            lb = self.vec_length(node, kids[1], 1)
            if not _unify(la, lb):
                raise self.fail(node, f"'·' needs vectors of one length: {self.desc(node.args[0])}"
                                      f" has {_show(la)} entries, {self.desc(node.args[1])} "
                                      f"has {_show(lb)}")
            return (_one(), _one())
        if op in ("sum", "mean", "norm", "logsumexp"):
            self.make_array(kids[0])
            return (_one(), _one())
        if op == "softmax":
            d = self.make_array(kids[0])
            self.post.append(("vector", node, d))
            return d
        if op in ("tr", "det", "logdet", "inv"):
            r, c = self.make_array(kids[0])
            if not _unify(r, c):
                raise self.fail(node, f"{op}() needs a square matrix; "
                                      f"{self.desc(node.args[0])} is {_show(r)}×{_show(c)}",
                                label="not-square")
            return (_one(), _one()) if op != "inv" else (r, c)
        if op == "diag":
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
        if op in ("vcat", "hcat"):
            return self.concat(node, kids, vertical=(op == "vcat"))
        if op == "kron":
            (ar, ac), (br, bc) = self.make_array(kids[0]), self.make_array(kids[1])
            rows, cols = _Dim(None, "size"), _Dim(None, "size")
            self.derived.append((rows, _mul_dims, [ar, br], node))
            self.derived.append((cols, _mul_dims, [ac, bc], node))
            return (rows, cols)
        raise self.fail(node, f"'{op}' cannot appear in an expression", label="bad-node")

    def broadcast(self, node, a, b):
        if self.is_scalar(a):
            if self.is_scalar(b):
                return (_one(), _one())
            return b
        if self.is_scalar(b):
            return a
        if self.is_array(a) and self.is_array(b):
            self.unify_dims(self.dims(a), self.dims(b), node, lambda: self.ewise_msg(node, a, b),
                            self.ewise_hint(node, a, b))
            return a
        if self.is_array(a):
            self.pending.append((self.dims(a), b, node))
            return a
        if self.is_array(b):
            self.pending.append((self.dims(b), a, node))
            return b
        lazy = _Lazy([a, b], node)
        self.lazies.append(lazy)
        return lazy

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
        total = _Dim(None, "size")
        self.derived.append((total, _add_dims, [p[along] for p in parts], node))
        return (total, parts[0][1]) if vertical else (parts[0][0], total)

    # messages
    def desc(self, node: Expr) -> str:
        if node.span is not None and self.text is not None:
            s = self.text[node.span[0]:node.span[1]].strip()
            if len(s) <= 30:
                return s
            return s[:27] + "…"
        return node.op

    def ewise_msg(self, node, a, b):
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "max": "max",
               "min": "min", "juxt": "*"}[node.op]
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
                    raise self.fail(node, f"softmax() takes a vector; its argument is "
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
        for dim, combine, parts, node in self.derived:
            vals = [self.value(p) for p in parts]
            want = vals[0]
            for v in vals[1:]:
                want = combine(want, v)
            root = dim.find()
            if root.value is None:
                root.value = want
            elif _canonical(root.value) != _canonical(want):
                what = "literal's blocks add up to" if combine is _add_dims else \
                    "Kronecker product has"
                raise self.fail(node, f"the {what} {want} rows/columns, but it is used "
                                      f"as {root.value}", label="shape-mismatch")

    def name_sizes(self, root):
        """Fresh names for the sizes nothing fixed: the variables' sizes first, in order of
        appearance, so `A @ x` reads A: n×m, x: m."""
        used = set(self.declared_sizes()) | {n.value for n in root.walk() if n.op == "var"}
        fresh = (n for n in itertools.chain(FRESH_NAMES, (f"n{i}" for i in itertools.count(1)))
                 if n not in used)
        skip = {d.find() for d, *_ in self.derived}
        order = []
        for h in self.vars.values():
            order.extend(self.dims(h))
        for n in _preorder(root):
            h = self.handles.get(id(n))
            d = self.dims(h) if h is not None else None
            if d:
                order.extend(d)
        for d in order:
            r = d.find()
            if r.value is None and r not in skip:
                r.value = next(fresh) if r.pref == "size" else 1

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

    def build(self, node: Expr) -> Expr:
        args = tuple(self.build(a) for a in node.args)
        op = node.op
        if op == "juxt":
            op = self.juxt_as[id(node)]
        shape = self.concrete(self.handles[id(node)])
        return Expr(op, args, shape, node.value, node.span)


_EWISE = {"exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "softplus", "sqrt", "abs",
          "step", "sign"}


def _capital(node: Expr) -> bool:
    """A matrix by convention: a capitalised name, or the identity I."""
    return node.op == "eye" or (node.op == "var" and node.value[:1].isupper())


def _same(a: _Dim, b: _Dim) -> bool:
    ra, rb = a.find(), b.find()
    return ra is rb or (ra.value is not None and ra.value == rb.value)


def _may_be_size(d: _Dim) -> bool:
    root = d.find()
    return root.value != 1 and (root.value is not None or root.pref == "size")


def _preorder(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))


def infer(raw: Expr, declared=None, text: str | None = None):
    """Typed tree and {variable: shape} for an untyped tree from `parser.parse_raw`."""
    inf = _Inference(text, declared)
    inf.juxt_as = {}
    try:
        inf.visit(raw)
        inf.finish(raw)
    except ShapeError as e:
        hint = _run_together_hint(raw.free_vars(), set(inf.declared))
        if hint and e.text is not None:
            raise ShapeError(e.message, text=e.text, span=e.span, label=e.label,
                             hint="; ".join(h for h in (e.hint, hint) if h)) from None
        raise
    typed = inf.build(raw)
    shapes = {}
    for name, h in inf.vars.items():
        shapes[name] = inf.concrete(h)
    for name in inf.declared:
        shapes.setdefault(name, inf.declared[name])
    _refuse_run_together(raw, inf.declared, text)
    return typed, shapes


def run_together(name: str, names) -> list | None:
    """`Ax` -> ['A', 'x'] when `name` is two or more of `names` written without a space."""
    names = {n for n in names if n and n != name}
    best: dict[int, list] = {0: []}
    for i in range(1, len(name) + 1):
        for j in range(i):
            if j in best and name[j:i] in names:
                best[i] = best[j] + [name[j:i]]
                break
    parts = best.get(len(name))
    return parts if parts and len(parts) >= 2 else None


def _run_together_hint(names, declared) -> str | None:
    for name in sorted(names):
        parts = run_together(name, (set(names) | declared) - {name})
        if parts and name not in declared:
            return f"'{name}' is read as one name; for a product write {' '.join(parts)}"
    return None


def _refuse_run_together(raw, declared, text):
    """With declarations given, an undeclared name spelled from declared ones is a typo for
    their product (`x'Ax` with A and x declared): refuse it rather than guess a new matrix."""
    if not declared:
        return
    for n in raw.walk():
        if n.op == "var" and n.value not in declared:
            parts = run_together(n.value, declared)
            if parts:
                raise ShapeError(f"'{n.value}' is not declared, but {' and '.join(parts)} are",
                                 text=text, span=n.span, label="run-together-names",
                                 hint=f"names need a space or an operator between them: "
                                      f"write {' '.join(parts)} (or {' @ '.join(parts)})")


# -- construction-time shape rule (engine-built nodes; operands already typed) -------------

def _add_dims(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return f"{a}+{b}"


def _canonical(v):
    """'n+1' and '1+n' name one size."""
    if isinstance(v, int):
        return (v, ())
    terms = str(v).split("+")
    ints = sum(int(t) for t in terms if t.isdigit())
    return (ints, tuple(sorted(t for t in terms if not t.isdigit())))


def _mul_dims(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    return f"{a}*{b}"


def shape_of(op: str, args, value=None):
    """Shape of `op(args)` for typed operands; raises ShapeError (no inference here)."""
    shapes = [a.shape for a in args]
    if op in ("add", "sub", "mul", "div", "pow", "max", "min"):
        a, b = shapes
        if a == SCALAR:
            return b
        if b == SCALAR or a == b:
            return a
        raise ShapeError(f"'{op}' of {format_shape(a)} and {format_shape(b)}", label="internal")
    if op in ("neg",) or op in _EWISE:
        return shapes[0]
    if op == "T":
        r, c = shapes[0]
        return (c, r)
    if op == "matmul":
        (ar, ac), (br, bc) = shapes
        if ac != br:
            raise ShapeError(f"'@' of {format_shape(shapes[0])} and {format_shape(shapes[1])}",
                             label="internal")
        return (ar, bc)
    if op in ("dot", "sum", "mean", "norm", "logsumexp", "tr", "det", "logdet"):
        return SCALAR
    if op in ("softmax", "inv", "d"):
        return shapes[0]
    if op == "diag":
        r, c = shapes[0]
        if c == 1:
            return (r, r)
        if r == 1:
            return (c, c)
        return (r, 1)
    if op == "vcat":
        rows = shapes[0][0]
        for s in shapes[1:]:
            rows = _add_dims(rows, s[0])
        return (rows, shapes[0][1])
    if op == "hcat":
        cols = shapes[0][1]
        for s in shapes[1:]:
            cols = _add_dims(cols, s[1])
        return (shapes[0][0], cols)
    if op == "kron":
        (ar, ac), (br, bc) = shapes
        return (_mul_dims(ar, br), _mul_dims(ac, bc))
    raise ShapeError(f"no shape rule for '{op}'", label="internal")
