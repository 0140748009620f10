"""The batch cases of issue 13 against PyTorch's autograd: every case of tests/cases/batched,
axes, norms, attention and block has a forward pass here written the way PyTorch code writes
it (1-D bias vectors broadcast over the rows, `dim=`, `keepdim=`, `F.layer_norm`), and
`Derivation.lambdify()` must give torch.func's Jacobian (Hessian) at random points, at sizes
other than the exact proof's.  Nothing here goes through matcalc's evaluator or rules.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import matcalc
from matcalc.sizes import parse_decl
from tests.test_cases import CASES

torch = pytest.importorskip("torch")
F = torch.nn.functional
FAMILIES = ("batched", "axes", "norms", "attention", "block")
SIZES = {"N": 3, "M": 4, "d": 5, "k": 4, "v": 2, "e": 3, "f": 3, "h": 3, "n": 4, "m": 3}


def ln(x, eps=1e-5):
    return F.layer_norm(x, x.shape[-1:], eps=eps)


def bn(x, eps=1e-5):            # training form: over the batch, biased variance
    mu = x.mean(0, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(0, keepdim=True) + eps)


def gelu(z):
    return F.gelu(z)            # the exact (erf) form


def attn(Q, K, V, s=2.0):
    return torch.softmax(Q @ K.T / s, dim=-1) @ V


def ce(Z, Y):
    return -(Y * torch.log_softmax(Z, dim=-1)).sum(-1).mean()   # one-hot / probability rows


REFERENCE = {
    "batched/bias-sum": lambda X, W, b: (X @ W + b).sum(),
    "batched/least-squares-W": lambda X, W, b, Y: ((X @ W + b - Y) ** 2).sum(),
    "batched/least-squares-b": lambda X, W, b, Y: ((X @ W + b - Y) ** 2).sum(),
    "batched/least-squares-b-hessian": lambda X, W, b, Y: ((X @ W + b - Y) ** 2).sum(),
    "batched/bias-row-declared": lambda X, W, b, Y: ((X @ W + b - Y) ** 2).sum(),
    "batched/tanh-layer-W": lambda X, W, b, C: (torch.tanh(X @ W + b) * C).sum(),
    "batched/tanh-layer-b": lambda X, W, b, C: (torch.tanh(X @ W + b) * C).sum(),
    "batched/tanh-layer-sum": lambda X, W, b: torch.tanh(X @ W + b).sum(),
    "batched/relu-layer-W": lambda X, W, b, C: (torch.relu(X @ W + b) * C).sum(),
    "batched/elu-layer-W": lambda X, W, C: (F.elu(X @ W) * C).sum(),
    "batched/gelu-layer-b": lambda X, W, b, C: (gelu(X @ W + b) * C).sum(),
    "batched/mse-W": lambda X, W, b, Y: F.mse_loss(X @ W + b, Y),
    "batched/mse-b": lambda X, W, b, Y: F.mse_loss(X @ W + b, Y),
    "batched/cross-entropy-W": "onehot",
    "batched/cross-entropy-b": "onehot",
    "batched/cross-entropy-logits": "onehot",
    "batched/nll-log-softmax-W":
        lambda X, W, Y: -(Y * torch.log_softmax(X @ W, dim=1)).sum(1).mean(),
    "batched/two-layer-W1": lambda X, W1, b1, W2, b2, Y:
        F.mse_loss(torch.tanh(X @ W1 + b1) @ W2 + b2, Y),
    "batched/two-layer-b1": lambda X, W1, b1, W2, b2, Y:
        F.mse_loss(torch.tanh(X @ W1 + b1) @ W2 + b2, Y),
    "batched/l2-penalty": lambda X, W, Y, lam: ((X @ W - Y) ** 2).sum() + lam * (W ** 2).sum(),
    "batched/l1-penalty": lambda X, W, Y, lam: F.mse_loss(X @ W, Y) + lam * W.abs().sum(),
    "batched/column-broadcast": lambda X, c, C: ((X - c[:, None]) * C).sum(),
    "batched/feature-scale": lambda X, g, C: (X * g * C).sum(),
    "batched/log-softmax-vector-dim": lambda y, z: -(y @ torch.log_softmax(z, dim=-1)),
    "axes/sum-axis0": lambda X, v: X.sum(0) @ v,
    "axes/sum-axis1": lambda X, u: u @ X.sum(1),
    "axes/sum-axis0-positional": lambda X, v: X.sum(0) @ v,
    "axes/sum-keepdims-false": lambda X, w: w @ X.sum(0),
    "axes/mean-dim1": lambda X, u: u @ X.mean(1),
    "axes/mean-axis0-squared": lambda X: (X.mean(0) ** 2).sum(),
    "axes/centred": lambda X: ((X - X.mean(0)) ** 2).sum(),
    "axes/var-axis0": lambda X: X.var(0, correction=0).sum(),
    "axes/var-axis1": lambda X: X.var(1, correction=0).sum(),
    "axes/std-axis1": lambda X: X.std(1, correction=0).sum(),
    "axes/norm-axis1": lambda X: torch.linalg.norm(X, dim=1).sum(),
    "axes/logsumexp-axis1": lambda X: torch.logsumexp(X, 1).sum(),
    "axes/logsumexp-axis0": lambda X: torch.logsumexp(X, 0).sum(),
    "axes/logsumexp-weighted": lambda X, w: w @ torch.logsumexp(X, 1),
    "axes/softmax-axis1": lambda Z, C: (torch.softmax(Z, 1) * C).sum(),
    "axes/softmax-axis0": lambda Z, C: (torch.softmax(Z, 0) * C).sum(),
    "axes/softmax-dim-vector": lambda x: torch.softmax(x, -1),
    "axes/log-softmax-axis1": lambda Z, C: (torch.log_softmax(Z, 1) * C).sum(),
    "axes/log-softmax-axis0": lambda Z, C: (torch.log_softmax(Z, 0) * C).sum(),
    "norms/layer-norm-gain": lambda X, g, b, C: ((ln(X) * g + b) * C).sum(),
    "norms/layer-norm-bias": lambda X, g, b, C: ((ln(X) * g + b) * C).sum(),
    "norms/layer-norm-input": lambda X, C: (ln(X) * C).sum(),
    "norms/layer-norm-input-affine": lambda X, g, b, C: (F.layer_norm(
        X, X.shape[-1:], g, b, eps=1e-5) * C).sum(),
    "norms/layer-norm-std": lambda X: torch.sqrt(X.var(1, correction=0) + 1e-5).sum(),
    "norms/layer-norm-mlp": lambda X, W, C: (gelu(ln(X) @ W) * C).sum(),
    "norms/layer-norm-vector": lambda x, g, b, c: ((ln(x) * g + b) * c).sum(),
    "norms/layer-norm-eps": lambda X, g, b, C: ((ln(X, 0.1) * g + b) * C).sum(),
    "norms/batch-norm-gain": lambda X, g, b, C: ((bn(X) * g + b) * C).sum(),
    "norms/batch-norm-bias": lambda X, g, b, C: ((bn(X) * g + b) * C).sum(),
    "norms/batch-norm-input": lambda X, C: (bn(X) * C).sum(),
    "norms/batch-norm-layer": lambda X, W, g, b, Y: F.mse_loss(bn(X @ W) * g + b, Y),
    "attention/attention-V": lambda Q, K, V, C: (attn(Q, K, V) * C).sum(),
    "attention/attention-Q": lambda Q, K, V, C: (attn(Q, K, V) * C).sum(),
    "attention/attention-K": lambda Q, K, V, C: (attn(Q, K, V) * C).sum(),
    "attention/attention-scale": lambda Q, K, V, C, s: (attn(Q, K, V, s) * C).sum(),
    "attention/attention-jacobian-V": lambda Q, K, V: attn(Q, K, V, 1.0),
    "attention/self-attention-Wv": lambda X, Wq, Wk, Wv, C:
        (attn(X @ Wq, X @ Wk, X @ Wv) * C).sum(),
    "attention/self-attention-Wq": lambda X, Wq, Wk, Wv, C:
        (attn(X @ Wq, X @ Wk, X @ Wv) * C).sum(),
    "attention/self-attention-Wk": lambda X, Wq, Wk, Wv, C:
        (attn(X @ Wq, X @ Wk, X @ Wv) * C).sum(),
    "attention/attention-output-projection": lambda Q, K, V, Wo, X, C:
        ((X + attn(Q, K, V) @ Wo) * C).sum(),
    "block/mlp-W2": lambda X, W1, c1, W2, c2, C: ((X + gelu(X @ W1 + c1) @ W2 + c2) * C).sum(),
    "block/mlp-c2": lambda X, W1, c1, W2, c2, C: ((X + gelu(X @ W1 + c1) @ W2 + c2) * C).sum(),
    "block/mlp-W1": lambda X, W1, c1, W2, c2, C: ((X + gelu(X @ W1 + c1) @ W2 + c2) * C).sum(),
    "block/mlp-input": lambda X, W1, c1, W2, c2, C:
        ((X + gelu(X @ W1 + c1) @ W2 + c2) * C).sum(),
    "block/mlp-mse": lambda X, W1, c1, W2, c2, T: F.mse_loss(X + gelu(X @ W1 + c1) @ W2 + c2,
                                                           T),
    "block/prenorm-mlp-W1": lambda X, g, b, W1, W2, C:
        ((X + gelu((ln(X) * g + b) @ W1) @ W2) * C).sum(),
    "block/prenorm-mlp-gain": lambda X, g, b, W, C: ((X + (ln(X) * g + b) @ W) * C).sum(),
    "block/attention-residual-Wv": lambda X, Wq, Wk, Wv, Wo, C:
        ((X + attn(X @ Wq, X @ Wk, X @ Wv) @ Wo) * C).sum(),
    "block/attention-residual-Wo": lambda X, Wq, Wk, Wv, Wo, C:
        ((X + attn(X @ Wq, X @ Wk, X @ Wv) @ Wo) * C).sum(),
}
ONEHOT = {"batched/cross-entropy-W": lambda X, W, b, Y: ce(X @ W + b, Y),
          "batched/cross-entropy-b": lambda X, W, b, Y: ce(X @ W + b, Y),
          "batched/cross-entropy-logits": lambda Z, Y: ce(Z, Y)}
OURS = [c for c in CASES if c.family in FAMILIES]


def test_every_batch_case_has_a_reference():
    assert len(OURS) >= 40
    assert {c.name for c in OURS} == set(REFERENCE)


def _inputs(case, shapes, rng):
    """Random inputs in PyTorch's shapes (a vector, column or row, is 1-D); Y one-hot."""
    out = {}
    for name, decl in case.shapes.items():
        r, c = parse_decl(decl, name)
        r, c = (SIZES.get(x, x) if isinstance(x, str) else x for x in (r, c))
        if (r, c) == (1, 1):
            out[name] = np.array(1.7 if name == "s" else 0.3)
        elif 1 in (r, c):                       # a vector (a row too): 1-D, as NumPy's
            out[name] = rng.standard_normal(r * c)
        else:
            out[name] = rng.standard_normal((r, c))
    if REFERENCE[case.name] == "onehot":
        Y = np.zeros_like(out["Y"])
        Y[np.arange(len(Y)), rng.integers(0, Y.shape[1], len(Y))] = 1.0
        out["Y"] = Y
    return out


@pytest.mark.parametrize("case", OURS, ids=[c.name for c in OURS])
def test_against_pytorch_autograd(case):
    f = ONEHOT.get(case.name) or REFERENCE[case.name]
    d = matcalc.derive(case.expr, case.wrt, shapes=case.shapes, order=case.order)
    rng = np.random.default_rng(13)
    for _ in range(2):
        arrays = _inputs(case, d.var_shapes, rng)
        ours = np.asarray(d.lambdify()(**arrays), dtype=float)
        tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in arrays.items()}
        names = list(f.__code__.co_varnames[:f.__code__.co_argcount])

        def g(x):
            return f(**{**{n: tensors[n] for n in names}, case.wrt: x})
        diff = torch.func.hessian(g) if case.order == 2 else torch.func.jacrev(g)
        truth = diff(tensors[case.wrt]).numpy()
        assert ours.shape == truth.shape, (ours.shape, truth.shape)
        scale = max(1.0, float(np.abs(truth).max()))
        assert np.allclose(ours, truth, rtol=1e-7, atol=1e-9 * scale), \
            f"{case.name}: worst {np.abs(ours - truth).max():.2e}"
        assert math.isfinite(float(np.abs(ours).sum()))
