"""Layers and losses of batched networks, written out in the language's own operators:
`layer_norm`, `batch_norm` (training form), `cross_entropy`, `mse`.

Owns: `LayerShapes` (the shape rule of a `layer` node — a mixin of `shapes.ShapeInference`)
and `LayerShapes.build_layer` (its composition in the typed tree).
Invariant: a layer is a composition, so its derivative is the rules' and correct by
construction; the composition is the textbook definition, term for term:

    layer_norm(X, g, b) = (X - μ 𝟏ᵀ) ⊘ (sqrt(σ² + ε) 𝟏ᵀ) ⊙ (𝟏 gᵀ) + 𝟏 bᵀ,
        μ = X 𝟏 / k and σ² = (X - μ 𝟏ᵀ)^2 𝟏 / k, per row (k columns);
    batch_norm(X, g, b): the same per column, over the N rows (μ = 𝟏ᵀ X / N);
    cross_entropy(Z, Y) = mean(logsumexp_rows(Z) - (Y ⊙ Z) 𝟏)
        (= -mean Σⱼ Yᵢⱼ log softmax(Z)ᵢⱼ when each row of Y sums to 1: one-hot labels);
    mse(P, Y) = mean((P - Y)^2).

A vector is one example: layer_norm(x, g, b) normalises x as a whole (g, b like x),
cross_entropy(z, y) = logsumexp(z) - y·z.
"""
from __future__ import annotations

from .axes import DEFAULT_EPS, axis_mean, axis_sum, spread
from .shaperules import mk
from .sizes import SCALAR
from .tree import num, ones
from .unify import _one, _show, _unify


class LayerShapes:
    """The shape rule of a `layer` node and its typed form (mixed into ShapeInference)."""

    def shape_layer(self, node, kids):
        name, _ = node.value
        if name in ("cross_entropy", "mse"):
            a, b = kids
            if name == "mse" and self.is_scalar(a) and self.is_scalar(b):
                return (_one(), _one())
            da, db = self.make_array(a), self.make_array(b)
            self.unify_dims(da, db, node, lambda: (
                f"{name}() takes two arrays of one shape: {self.desc(node.args[0])} is "
                f"{_show(da[0])}×{_show(da[1])}, {self.desc(node.args[1])} is "
                f"{_show(db[0])}×{_show(db[1])}"))
            return (_one(), _one())
        r, c = self.make_array(kids[0])
        cr, cc = r.find(), c.find()
        vector = cc.value == 1 or cr.value == 1 or (cc.value is None and cc.pref != "size")
        self.axis_vector[id(node)] = vector
        for kid, arg in zip(kids[1:], node.args[1:]):
            if self.is_scalar(kid):
                continue
            gr, gc = self.make_array(kid)
            if vector and name == "layer_norm":
                ok = _unify(gr, r) and _unify(gc, c)
                want = "the shape of the input"
            elif vector:
                ok = False
                want = "one entry (a scalar): a vector is one feature over the batch"
            elif gr.find().value == 1 and gc.find().value != 1:
                ok = _unify(gc, c)
                want = "one entry per column"
            else:
                ok = _unify(gr, c) and _unify(gc, _one())
                want = "one entry per column"
            if not ok:
                raise self.fail(arg, f"{name}(): {self.desc(arg)} must have {want} of "
                                     f"{self.desc(node.args[0])} ({_show(r)}×{_show(c)})",
                                label="shape-mismatch",
                                hint=f"e.g. {name}(X, g, b) with X: N,k and g, b: k")
        return (r, c)

    def build_layer(self, node, args):
        name, eps = node.value
        if name == "mse":
            return mk("mean", mk("pow", mk("sub", *args), num(2)))
        if name == "cross_entropy":
            z, y = args
            if z.is_vector or z.shape == SCALAR:
                return mk("sub", mk("logsumexp", z), mk("dot", y, z))
            return mk("mean", mk("sub", mk("logsumexp_rows", z), axis_sum(mk("mul", y, z), 1)))
        x, params = args[0], args[1:]
        if eps == DEFAULT_EPS and not (self.axis_vector[id(node)] or x.is_vector):
            out = mk("normalize_rows", x) if name == "layer_norm" else \
                mk("T", mk("normalize_rows", mk("T", x)))
        elif self.axis_vector[id(node)] or x.is_vector:
            centred = mk("sub", x, mk("mean", x))
            scale = mk("sqrt", mk("add", mk("mean", mk("pow", centred, num(2))), num(eps)))
            out = mk("div", centred, scale)
        else:
            axis = 1 if name == "layer_norm" else 0
            centred = mk("sub", x, spread(axis_mean(x, axis), x.shape))
            var = axis_mean(mk("pow", centred, num(2)), axis)
            out = mk("div", centred, spread(mk("sqrt", mk("add", var, num(eps))), x.shape))
        for op, p in zip(("mul", "add"), params):
            out = mk(op, out, _over_rows(p, out.shape))
        return out


def _over_rows(p, shape):
    """A per-column parameter (a k-vector, a 1×k row or a scalar) repeated on every row."""
    if p.shape == SCALAR or p.shape == shape:
        return p
    row = p if p.shape[0] == 1 else mk("T", p)
    return mk("matmul", ones((shape[0], 1)), row)
