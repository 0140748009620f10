"""Records of the batched-network operators: row-wise softmax, log-softmax and logsumexp,
ELU, the axis functions that are compositions (var, std, log_softmax), the layers and losses
(layer_norm, batch_norm, cross_entropy, mse), and the reader's internal nodes (`ref`, a use
of a defined name; `axis`, a call with an axis; `layer`).

The row-wise operators act on each row of a matrix (NumPy's axis=1, PyTorch's dim=-1); the
reader writes a column-wise one as the row-wise one of the transpose (`matcalc.axes`).
Their calculus is in rules/35-axes.toml.  The compositions and the layers never reach the
typed tree: `matcalc.axes` and `matcalc.layers` write them with the operators here and the
common ones, so every stage (evaluation, SymPy, code) knows them already.
"""
from __future__ import annotations

from . import Op, register


def _np_softmax_rows(np, a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _np_logsumexp_rows(np, a):
    top = a.max(axis=1, keepdims=True)
    return top + np.log(np.exp(a - top).sum(axis=1, keepdims=True))


def _sp_rows(f):
    """A row-wise function on an explicit SymPy matrix: f(sp, row entries) -> entries."""
    def apply(sp, m):
        rows = [f(sp, [m[i, j] for j in range(m.cols)]) for i in range(m.rows)]
        return sp.Matrix([r if isinstance(r, list) else [r] for r in rows])
    return apply


def _sp_softmax(sp, xs):
    total = sum((sp.exp(x) for x in xs), sp.Integer(0))
    return [sp.exp(x) / total for x in xs]


def _sp_lse(sp, xs):
    return sp.log(sum((sp.exp(x) for x in xs), sp.Integer(0)))


EPS = 1e-5            # normalize_rows, std_rows: PyTorch's default ε; other ε: compositions


def _np_std_rows(np, a):
    c = a - a.mean(axis=1, keepdims=True)
    return np.sqrt((c * c).mean(axis=1, keepdims=True) + EPS)


def _sp_std(sp, xs):
    mean = sum(xs, sp.Integer(0)) / len(xs)
    return sp.sqrt(sum(((x - mean) ** 2 for x in xs), sp.Integer(0)) / len(xs) +
                   sp.Rational(1, 100000))


def _sp_normalize(sp, xs):
    mean, std = sum(xs, sp.Integer(0)) / len(xs), _sp_std(sp, xs)
    return [(x - mean) / std for x in xs]


_PY_HELPERS = {
    "_softmax_rows": "def _softmax_rows(a):\n    e = np.exp(a - np.max(a, axis=1, keepdims=True))"
                     "\n    return e / np.sum(e, axis=1, keepdims=True)",
    "_log_softmax_rows": "def _log_softmax_rows(a):\n"
                         "    return a - _logsumexp_rows(a)[:, None]",
    "_logsumexp_rows": "def _logsumexp_rows(a):\n    top = np.max(a, axis=1)\n"
                       "    return top + np.log(np.sum(np.exp(a - top[:, None]), axis=1))",
    "_std_rows": "def _std_rows(a):\n    c = a - np.mean(a, axis=1, keepdims=True)\n"
                 "    return np.sqrt(np.mean(c * c, axis=1) + 1e-05)",
    "_normalize_rows": "def _normalize_rows(a):\n    c = a - np.mean(a, axis=1, keepdims=True)\n"
                       "    return c / np.sqrt(np.mean(c * c, axis=1, keepdims=True) + 1e-05)",
    "_elu": "def _elu(z):\n    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))",
}


def _helpers(*names):
    return {"numpy": {n: _PY_HELPERS[n] for n in names}}


register(
    Op("softmax_rows", "func", 1, names=("softmax_rows",), shape="matrix_same",
       numpy=_np_softmax_rows, sympy=_sp_rows(_sp_softmax),
       latex=r"\operatorname{softmax}_{\mathrm{rows}}", mathml="softmax_rows",
       code={"numpy": "_softmax_rows", "pytorch": "torch.softmax({0}, 1)",
             "jax": "jax.nn.softmax({0}, axis=1)", "helpers": _helpers("_softmax_rows")},
       doc="softmax of each row of a matrix: softmax(Z, axis=1) (dim=-1)"),
    Op("log_softmax_rows", "func", 1, names=("log_softmax_rows",), shape="matrix_same",
       numpy=lambda np, a: a - _np_logsumexp_rows(np, a),
       sympy=_sp_rows(lambda sp, xs: [x - _sp_lse(sp, xs) for x in xs]),
       latex=r"\operatorname{log\,softmax}_{\mathrm{rows}}", mathml="log_softmax_rows",
       code={"numpy": "_log_softmax_rows", "pytorch": "torch.log_softmax({0}, 1)",
             "jax": "jax.nn.log_softmax({0}, axis=1)",
             "helpers": _helpers("_log_softmax_rows", "_logsumexp_rows")},
       doc="log-softmax of each row of a matrix: log_softmax(Z, axis=1)"),
    Op("logsumexp_rows", "func", 1, names=("logsumexp_rows",), shape="row_reduce",
       numpy=_np_logsumexp_rows, sympy=_sp_rows(_sp_lse),
       latex=r"\operatorname{logsumexp}_{\mathrm{rows}}", mathml="logsumexp_rows",
       code={"numpy": "_logsumexp_rows", "pytorch": "torch.logsumexp({0}, 1)",
             "jax": "jax.nn.logsumexp({0}, axis=1)", "helpers": _helpers("_logsumexp_rows")},
       doc="logsumexp of each row of a matrix, a column: logsumexp(Z, axis=1)"),
    Op("normalize_rows", "func", 1, names=("normalize_rows",), shape="matrix_same",
       numpy=lambda np, a: (a - a.mean(axis=1, keepdims=True)) / _np_std_rows(np, a),
       sympy=_sp_rows(_sp_normalize), latex=r"\operatorname{normalize}_{\mathrm{rows}}",
       mathml="normalize_rows",
       code={"numpy": "_normalize_rows",
             "pytorch": "torch.nn.functional.layer_norm({0}, ({0}).shape[-1:], eps=1e-05)",
             "jax": "_normalize_rows", "helpers": {
                 **_helpers("_normalize_rows"), "jax": {"_normalize_rows": _PY_HELPERS[
                     "_normalize_rows"].replace("np.", "jnp.")}}},
       doc="each row of a matrix minus its mean, over sqrt(its variance + 1e-5): "
           "layer_norm(X) without gain and bias"),
    Op("std_rows", "func", 1, names=("std_rows",), shape="row_reduce",
       numpy=_np_std_rows, sympy=_sp_rows(_sp_std),
       latex=r"\operatorname{std}_{\mathrm{rows}}", mathml="std_rows",
       code={"numpy": "_std_rows",
             "pytorch": "torch.sqrt(torch.var({0}, 1, correction=0) + 1e-05)",
             "jax": "jnp.sqrt(jnp.var({0}, axis=1) + 1e-05)", "helpers": _helpers("_std_rows")},
       doc="sqrt(variance + 1e-5) of each row of a matrix, a column: what normalize_rows "
           "divides by"),
    Op("elu", "ewise", 1, names=("elu",), shape="same", kink="arg",
       numpy=lambda np, z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
       sympy=lambda sp, z: sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)),
       latex=r"\operatorname{elu}",
       code={"numpy": "_elu", "pytorch": "torch.nn.functional.elu", "jax": "jax.nn.elu",
             "helpers": _helpers("_elu")},
       doc="ELU (α = 1): z for z > 0, exp(z) - 1 otherwise"),
    # compositions, read by matcalc.axes (they never reach the typed tree)
    Op("variance", "reduce", 1, names=("var",),
       doc="var(x) = mean((x - mean(x))^2) (NumPy's, ddof = 0); var(X, axis=…)"),
    Op("stddev", "reduce", 1, names=("std",), doc="std(x) = sqrt(var(x)); std(X, axis=…)"),
    Op("log_softmax", "func", 1, names=("log_softmax",),
       doc="log_softmax(x) = log(softmax(x)); log_softmax(Z, axis=1) is log_softmax_rows(Z)"),
    # layers and losses, written out by matcalc.layers
    Op("layer_norm", "layer", (1, 3), names=("layer_norm",),
       doc="layer_norm(X, g, b, eps=1e-5): each row normalised to mean 0, variance 1, "
           "times g plus b (g, b: one entry per column)"),
    Op("batch_norm", "layer", (1, 3), names=("batch_norm",),
       doc="batch_norm(X, g, b, eps=1e-5): each column normalised over the batch (the "
           "training form), times g plus b"),
    Op("cross_entropy", "layer", (2, 2), names=("cross_entropy",),
       doc="cross_entropy(Z, Y): mean over rows of logsumexp(z) - y·z, = -mean Σ y log "
           "softmax(z) for one-hot (or probability) rows y"),
    Op("mse", "layer", (2, 2), names=("mse",),
       doc="mse(P, Y): mean((P - Y)^2), over every entry"),
    # the reader's own nodes
    Op("ref", "internal", 1, shape="same", doc="a use of a defined name (reader only)"),
    Op("axis", "internal", 1, shape="axis", doc="a call along an axis (reader only)"),
    Op("layer", "internal", None, shape="layer", doc="a layer or loss (reader only)"),
)
