"""Reductions and row-wise functions along an axis, in NumPy's terms: `sum(X, axis=0)`,
`mean(X, 1)`, `var`, `std`, `norm`, `logsumexp`, `softmax(Z, dim=-1)`, `log_softmax`, with
`keepdims`; and the layers and losses that are compositions of them (`matcalc.ops.layers`).

Owns: `read_call` (a call with keyword arguments, or one of `CALLS`, into an untyped `axis`
node or a layer's expansion), `AxisShapes` (the shape rule of an `axis` node, a mixin of
`shapes.ShapeInference`) and `AxisShapes.build_axis` (the node in the typed tree's terms).
Invariant: no `axis` node reaches the typed tree — it is written there with the operators
every stage knows: a sum over rows is `X 𝟏`, over columns `𝟏ᵀ X` (a mean divides by the
size), a row-wise softmax is `softmax_rows(Z)`, a column-wise one `softmax_rows(Zᵀ)ᵀ`.

Semantics: axis 0 runs down the rows (one result per column), axis 1 along each row (one per
row); -1 is 1 and -2 is 0.  Results keep the reduced axis (NumPy's keepdims=True): a sum
over axis 0 of an N×k matrix is a 1×k row, over axis 1 an N×1 column, so either broadcasts
back; `keepdims=False` makes the first a k-vector (a column).  A vector has one axis: any
axis of a vector (column or row) runs along it, as for NumPy's 1-D arrays.
"""
from __future__ import annotations

from fractions import Fraction

from .errors import ParseError
from .ops import REGISTRY
from .shaperules import mk
from .sizes import SCALAR
from .tree import Expr, num, ones, size
from .unify import _one

AXIS_FUNCTIONS = ("sum", "mean", "var", "std", "norm", "logsumexp", "softmax", "log_softmax")
ROWWISE = ("softmax", "log_softmax")            # same shape as the operand
WITH_EPS = frozenset({"layer_norm", "batch_norm"})  # the layers that take eps=
DEFAULT_EPS = Fraction(1, 100000)                   # PyTorch's: normalize_rows' own
OPTIONS = {"axis": "axis", "dim": "axis", "keepdims": "keepdims", "keepdim": "keepdims"}
CALLS = frozenset(AXIS_FUNCTIONS) | {"max", "min"} | frozenset(
    n for r in REGISTRY.values() if r.kind == "layer" for n in r.names)


def _err(text, span, message, hint=None, label="keyword-argument"):
    return ParseError(message, text=text, span=span, hint=hint, label=label)


def split_arguments(items, build, text, name, span):
    """The operands and the options (`key=value`) of a call's Lark arguments: (args,
    {key: (value node, span of key=value)}); an operand after an option is refused."""
    args, options = [], {}
    for a in items:
        if getattr(a, "data", None) == "kwarg":
            key, end = a.children[0], a.meta.end_pos
            options[str(key)] = (build(a.children[2]), (key.start_pos, end))
        elif options:
            raise _err(text, (a.meta.start_pos, a.meta.end_pos) if hasattr(a, "meta") and
                       not a.meta.empty else span, "an operand after a keyword argument",
                       hint=f"write the operands first: {name}(X, axis=0)")
        else:
            args.append(build(a))
    return args, options


def read_call(name, args, options, text, span, nspan, functions):
    """The untyped node of a call with options (or None: the ordinary call).  `options`
    maps a keyword to (value node, span of `key=value`)."""
    rec = functions.get(name)
    if name in ("max", "min"):
        if options:
            raise _err(text, span, f"{name}() over an axis is not in the language",
                       hint=f"{name}(a, b) is element-wise (relu is max(0, z)); for a smooth "
                            "maximum over an axis use logsumexp(X, axis=1)")
        return None
    if rec is None or name not in CALLS:
        if options and rec is not None:
            key = next(iter(options))
            raise _err(text, options[key][1], f"{name}() takes no keyword arguments",
                       hint=f"write {name}(…) with its operands only; the functions with an "
                            f"axis are {', '.join(AXIS_FUNCTIONS)}")
        return None
    if rec.kind == "layer":
        return _layer(rec, args, options, text, span)
    return _axis_call(name, args, options, text, span)


def _axis_call(name, args, options, text, span):
    if len(args) == 2:                      # sum(X, 0): NumPy's positional axis
        options = {"axis": (args[1], args[1].span or span), **options}
        args = args[:1]
    if len(args) != 1:
        raise _err(text, span, f"{name}() takes one operand, got {len(args)}",
                   hint=f"e.g. {name}(X) or {name}(X, axis=1)", label="wrong-arity")
    axis, keep = None, True
    for key, (value, where) in options.items():
        what = OPTIONS.get(key)
        if what is None:
            raise _err(text, where, f"{name}() has no option '{key}'",
                       hint=f"{name}() takes axis (or dim) and keepdims: "
                            f"{name}(X, axis=1, keepdims=False)")
        if what == "axis":
            if axis is not None:
                raise _err(text, where, "the axis is given twice",
                           hint="give one of axis=…, dim=… or a second operand")
            axis = _axis_value(value, text, where)
        else:
            keep = _flag(value, text, where)
    if axis is None and not keep:
        raise _err(text, span, "keepdims without an axis", hint=f"e.g. {name}(X, axis=0, "
                   "keepdims=False)")
    if axis is None and name in ("sum", "mean", "norm", "logsumexp", "softmax"):
        return None                          # over every entry: the ordinary call
    return Expr("axis", (args[0],), None, (name, axis, keep), span)


def _axis_value(value: Expr, text, where) -> int:
    v = value
    sign = 1
    if v.op == "neg":
        sign, v = -1, v.args[0]
    if v.op == "num" and v.value.denominator == 1 and sign * int(v.value) in (0, 1, -1, -2):
        return (sign * int(v.value)) % 2
    raise _err(text, where, "the axis must be 0, 1, -1 or -2",
               hint="matcalc's arrays have two axes: 0 runs down the rows (one result per "
                    "column), 1 along each row (one per row); -1 is 1", label="bad-axis")


def _flag(value: Expr, text, where) -> bool:
    if value.op == "var" and value.value in ("True", "False"):
        return value.value == "True"
    if value.op == "num" and value.value in (0, 1):
        return bool(value.value)
    raise _err(text, where, "keepdims is True or False", hint="e.g. keepdims=False",
               label="bad-option")


def _layer(rec, args, options, text, span):
    lo, hi = rec.arity
    name = rec.names[0]
    if not lo <= len(args) <= hi:
        n = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise _err(text, span, f"{name}() takes {n} operands, got {len(args)}",
                   hint=f"e.g. {rec.doc.split(':')[0]}", label="wrong-arity")
    eps = DEFAULT_EPS
    for key, (value, where) in options.items():
        if key != "eps" or name not in WITH_EPS:
            raise _err(text, where, f"{name}() has no option '{key}'",
                       hint=rec.doc.split(":")[0])
        if value.op != "num" or value.value <= 0:
            raise _err(text, where, "eps must be a positive number", hint="e.g. eps=1e-5",
                       label="bad-option")
        eps = value.value
    return Expr("layer", tuple(args), None, (rec.name, eps), span)


class AxisShapes:
    """The shape rule of an `axis` node and its typed form (mixed into ShapeInference)."""

    def shape_axis(self, node, kids):
        fn, axis, keep = node.value
        r, c = self.make_array(kids[0])
        cr, cc = r.find(), c.find()
        vector = cc.value == 1 or cr.value == 1 or (cc.value is None and cc.pref != "size")
        self.axis_vector[id(node)] = vector
        if fn in ROWWISE:
            if axis is None and not vector:
                self.post.append(("vector", node, (r, c)))
            return (r, c)
        if axis is None or vector:
            return (_one(), _one())
        if axis == 0:
            return (_one(), c) if keep else (c, _one())
        return (r, _one())

    def build_axis(self, node, x: Expr) -> Expr:
        fn, axis, keep = node.value
        if axis is None or self.axis_vector[id(node)]:
            return _whole(fn, x)
        out = _along(fn, x, axis)
        if axis == 0 and not keep and fn not in ROWWISE:      # a k-vector: a column
            return out.args[0] if out.op == "T" else mk("T", out)
        return out


def _whole(fn, x):
    """fn over every entry of x (a vector, or a matrix with no axis)."""
    if fn in ("sum", "mean", "norm", "logsumexp", "softmax"):
        return mk(fn, x)
    if fn == "log_softmax":
        return mk("log", mk("softmax", x))
    centred = mk("sub", x, mk("mean", x))
    var = mk("mean", mk("pow", centred, num(2)))
    return var if fn == "var" else mk("sqrt", var)


def _along(fn, x, axis):
    """fn along `axis` of a matrix x, keeping the reduced axis."""
    rows, cols = x.shape
    if fn in ROWWISE or fn == "logsumexp":
        op = {"softmax": "softmax_rows", "log_softmax": "log_softmax_rows",
              "logsumexp": "logsumexp_rows"}[fn]
        return mk(op, x) if axis == 1 else mk("T", mk(op, mk("T", x)))
    if fn == "sum":
        return axis_sum(x, axis)
    if fn == "mean":
        return axis_mean(x, axis)
    if fn == "norm":
        return mk("sqrt", axis_sum(mk("pow", x, num(2)), axis))
    centred = mk("sub", x, spread(axis_mean(x, axis), x.shape))
    var = axis_mean(mk("pow", centred, num(2)), axis)
    return var if fn == "var" else mk("sqrt", var)


def axis_sum(x: Expr, axis: int) -> Expr:
    """Σ over axis 0 (𝟏ᵀ X, a row) or axis 1 (X 𝟏, a column)."""
    rows, cols = x.shape
    if axis == 0:
        return mk("matmul", mk("T", ones((rows, 1))), x)
    return mk("matmul", x, ones((cols, 1)))


def axis_mean(x: Expr, axis: int) -> Expr:
    return mk("div", axis_sum(x, axis), size(x.shape[axis]))


def spread(v: Expr, shape) -> Expr:
    """A row (1×k) or a column (N×1) repeated to `shape`: 𝟏 r or c 𝟏ᵀ."""
    rows, cols = shape
    if v.shape == SCALAR or v.shape == shape:
        return v
    if v.shape[0] == 1:
        return mk("matmul", ones((rows, 1)), v)
    return mk("matmul", v, mk("T", ones((cols, 1))))
