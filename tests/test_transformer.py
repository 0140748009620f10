"""The README's showcase (issue 13): a pre-norm transformer block written with named
intermediates (examples/transformer.mc), its loss derived by every weight matrix, bias and
gain in closed form — checked against PyTorch's autograd, by matcalc's numeric check, and
exported to NumPy and PyTorch code that computes the same gradient — and depth as a matter of
lines: a 128-layer network written one layer per line.

The block is too large for the exact (SymPy) method; its parts are proved exactly in
tests/cases/block.toml and attention.toml.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import matcalc
from matcalc.answer import text_answer

torch = pytest.importorskip("torch")
F = torch.nn.functional
BLOCK = (Path(__file__).resolve().parent.parent / "examples" / "transformer.mc").read_text(
    encoding="utf-8")
SHAPES = {"X": "N,d"}
PARAMETERS = ["Wq", "Wk", "Wv", "Wo", "W1", "c1", "W2", "c2", "g1", "b1", "g2", "b2"]
SIZES = {"N": 3, "d": 4, "n": 2, "m": 3, "k": 5}


def block(X, g1, b1, Wq, Wk, Wv, dk, Wo, g2, b2, W1, c1, W2, c2, T):
    """The same block as PyTorch code writes it."""
    H = F.layer_norm(X, X.shape[-1:], g1, b1, eps=1e-5)
    Q, K, V = H @ Wq, H @ Wk, H @ Wv
    S = torch.softmax(Q @ K.T / torch.sqrt(dk), dim=-1)
    X1 = X + S @ V @ Wo
    H2 = F.layer_norm(X1, X1.shape[-1:], g2, b2, eps=1e-5)
    Y = X1 + F.gelu(H2 @ W1 + c1) @ W2 + c2
    return F.mse_loss(Y, T)


@pytest.fixture(scope="module")
def derivations():
    return {w: matcalc.derive(BLOCK, w, shapes=SHAPES) for w in PARAMETERS}


def _point(var_shapes, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for name, (r, c) in var_shapes.items():
        r, c = (SIZES.get(x, x) for x in (r, c))
        if name == "dk":
            out[name] = np.array(2.0)
        elif c == 1 and r != 1:
            out[name] = rng.standard_normal(r) + (1.0 if name.startswith("g") else 0.0)
        else:
            out[name] = rng.standard_normal((r, c))
    return out


def test_the_block_is_read_as_written(derivations):
    shapes = derivations["Wq"].var_shapes
    assert shapes["X"] == ("N", "d") and shapes["T"] == ("N", "d")
    assert shapes["g1"] == shapes["b1"] == shapes["c2"] == ("d", 1)      # per feature
    assert shapes["Wq"][0] == shapes["W1"][0] == "d" and shapes["dk"] == (1, 1)
    assert shapes["c1"] == (shapes["W1"][1], 1)                           # the MLP's bias


@pytest.mark.parametrize("wrt", PARAMETERS)
def test_every_gradient_matches_pytorch(derivations, wrt):
    d = derivations[wrt]
    assert sorted(d.shape) == sorted(str(s) for s in d.var_shapes[wrt])   # a row for a vector
    for seed in (0, 1):
        arrays = _point(d.var_shapes, seed)
        ours = np.asarray(d.lambdify()(**arrays), dtype=float).reshape(arrays[wrt].shape)
        tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k == wrt)
                   for k, v in arrays.items()}
        block(**tensors).backward()
        truth = tensors[wrt].grad.numpy()
        assert np.allclose(ours, truth, rtol=1e-7, atol=1e-10), \
            f"{wrt}: worst {np.abs(ours - truth).max():.2e}"


@pytest.mark.parametrize("wrt", ["Wq", "g1", "W1"])
def test_the_numeric_check_passes(derivations, wrt):
    report = derivations[wrt].check(methods=("numeric",))
    assert report.passed, str(report)


def test_the_answer_uses_the_names_of_the_text(derivations):
    out = text_answer(derivations["Wq"])
    first = out.splitlines()[0]
    assert first.startswith("∂/∂Wq mean((Y - T)^2) = 2 Hᵀ (")     # the block's names kept
    assert "⊙ S) H Wk / (N d sqrt(dk))" in first or "⊙ S) H Wk / (m n sqrt(dk))" in first
    assert "  where S = softmax_rows(Q Kᵀ / sqrt(dk))" in out
    assert "  where h₁ = " in out                     # shared parts of the gradient, named
    assert len(out) < 2500                           # printed once each
    w2 = text_answer(derivations["W2"]).splitlines()[0]
    assert w2 == "∂/∂W2 mean((Y - T)^2) = (2 / (N d)) gelu(Z)ᵀ (Y - T)"


@pytest.mark.parametrize("backend", ["numpy", "pytorch"])
def test_the_exported_code_computes_the_gradient(derivations, backend):
    from matcalc.codegen import export
    d = derivations["Wq"]
    namespace: dict = {}
    exec(compile(export(d, backend), "<export>", "exec"), namespace)   # noqa: S102 — ours
    arrays = _point(d.var_shapes)
    args = [arrays[n] if backend == "numpy" else torch.tensor(arrays[n], dtype=torch.float64)
            for n in d.var_shapes]
    value, grad = namespace["f_and_grad"](*args)
    grad = np.asarray(grad.detach().numpy() if hasattr(grad, "detach") else grad)
    want = np.asarray(d.lambdify()(**arrays), dtype=float)
    assert np.allclose(grad.reshape(want.shape), want, rtol=1e-9, atol=1e-12)
    tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in arrays.items()}
    assert float(value) == pytest.approx(float(block(**tensors)), rel=1e-9)


def test_depth_is_a_matter_of_lines():
    layers = 128
    lines = ["h1 = tanh(W1 @ x)"] + [f"h{i} = tanh(W{i} @ h{i - 1})"
                                     for i in range(2, layers + 1)]
    text = "\n".join(lines + [f"norm(W{layers + 1} @ h{layers} - y)^2"])
    start = time.perf_counter()
    d = matcalc.derive(text, "W1")
    assert time.perf_counter() - start < 120          # a guard against a hang, not a timing
    main, where = d.display()
    assert main.startswith("2 (W2ᵀ (W3ᵀ (W4ᵀ (") and \
        main.endswith(" ⊙ (1 - h2^2)) ⊙ (1 - h1^2)) xᵀ")
    assert where[0] == ("h1", "tanh(W1 x)") and where[-1] == ("h128", "tanh(W128 h127)")
    nested = "x"
    for i in range(1, layers + 1):
        nested = f"tanh(W{i} @ {nested})"
    with pytest.raises(matcalc.ParseError) as info:       # one expression keeps its limit
        matcalc.parse(f"norm(W{layers + 1} @ {nested} - y)^2")
    assert info.value.label == "too-deep" and "name an inner part" in str(info.value)
