"""Shapes: declarations, the shape rule of every operator, and the public `infer`.

Owns: `parse_decl`, `infer(raw_tree, declared) -> (typed_tree, var_shapes)`, `shape_of(op,
args)` (the construction-time rule the engine uses for nodes it builds) and `run_together`.
The unification machinery the rules are stated in lives in `inference`.
Invariants: every node of a typed tree has a concrete shape `(rows, cols)` over ints and
size names; a conflict is a `ShapeError` naming the operator, both shapes and the place.

Inference, in words: sizes are union-find variables.  Operators that need arrays (`@`, `·`,
reductions, `diag`, `tr`…) unify sizes; element-wise operators broadcast a 1×1 operand
(scalar expansion), and a variable nothing forces to be an array is a scalar.  Leftover
sizes get fresh names n, m, k, p, …; a vector is a column unless used as a row; an
undeclared capitalised name used as an array is a matrix.  A size a Kronecker product or
a literal leaves open (the I of `kron(I, xᵀ)`) is read back from where its result is used.

>>> from .parser import parse_raw
>>> infer(parse_raw("A x"), {"x": "n"})[1]
{'A': ('m', 'n'), 'x': ('n', 1)}
"""
from __future__ import annotations

import re

from .errors import ShapeError
from .inference import Unifier, _Dim, _Lazy, _one, _show, _show_shape, _Slot, _unify
from .sizes import add_sizes, mul_sizes
from .tree import EWISE_FUNCS, SCALAR, Expr, format_shape

# a size: a name or a positive integer, or a sum / product of them (n+1, n*k: what
# literals and Kronecker products give, so that inferred shapes can be declared back)
_ATOM = r"(?:[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*|[0-9]+)"
_SIZE = rf"{_ATOM}(?:[+*]{_ATOM})*"


# -- declarations ----------------------------------------------------------------------

def parse_decl(decl, name: str = "?"):
    """'scalar' | 'n' | 'm,n' | '3' | '3,4' | (m, n) -> (rows, cols)."""
    if isinstance(decl, tuple) or isinstance(decl, list):
        parts = list(decl)
    elif not isinstance(decl, (str, int)) or isinstance(decl, bool):
        raise ShapeError(f"the shape declared for {name} is {decl!r}; write 'scalar', 'n' or "
                         f"'m,n'", label="bad-declaration")
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


class _Inference(Unifier):
    """The shape rule of every operator, stated as unifications of sizes."""

    def __init__(self, text, declared):
        super().__init__(text, declared)
        self.juxt_as: dict[int, str] = {}     # juxtaposition read as "mul" or "matmul"

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

    def build(self, node: Expr) -> Expr:
        """The typed tree: each node with its settled shape; a juxtaposition as read."""
        args = tuple(self.build(a) for a in node.args)
        op = node.op
        if op == "juxt":
            op = self.juxt_as[id(node)]
        shape = self.concrete(self.handles[id(node)])
        return Expr(op, args, shape, node.value, node.span)

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
        if op == "neg" or op in EWISE_FUNCS:
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
            return (self.derive(mul_sizes, [ar, br], node, "rows"),
                    self.derive(mul_sizes, [ac, bc], node, "columns"))
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
        total = self.derive(add_sizes, [p[along] for p in parts], node,
                            "rows" if vertical else "columns")
        return (total, parts[0][1]) if vertical else (parts[0][0], total)


def _capital(node: Expr) -> bool:
    """A matrix by convention: a capitalised name, or the identity I."""
    return node.op == "eye" or (node.op == "var" and node.value[:1].isupper())


def _same(a: _Dim, b: _Dim) -> bool:
    ra, rb = a.find(), b.find()
    return ra is rb or (ra.value is not None and ra.value == rb.value)


def _may_be_size(d: _Dim) -> bool:
    root = d.find()
    return root.value != 1 and (root.value is not None or root.pref == "size")


def infer(raw: Expr, declared=None, text: str | None = None):
    """Typed tree and {variable: shape} for an untyped tree from `parser.parse_raw`."""
    inf = _Inference(text, {k: parse_decl(v, k) for k, v in (declared or {}).items()})
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
    if op in ("neg",) or op in EWISE_FUNCS:
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
            rows = add_sizes(rows, s[0])
        return (rows, shapes[0][1])
    if op == "hcat":
        cols = shapes[0][1]
        for s in shapes[1:]:
            cols = add_sizes(cols, s[1])
        return (shapes[0][0], cols)
    if op == "kron":
        (ar, ac), (br, bc) = shapes
        return (mul_sizes(ar, br), mul_sizes(ac, bc))
    raise ShapeError(f"no shape rule for '{op}'", label="internal")
