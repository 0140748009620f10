"""A scalar's gradient by several matrices at once is read off one reverse sweep
(`Engine.joint`, `forms.joint_gradients`); each block must be the gradient the question by
that matrix alone gives, and the steps of each block are still its own derivation."""
import pytest

import matcalc
from matcalc.forms import joint_gradients
from matcalc.question import Question

CHAIN = "h1 = tanh(W1 @ x); h2 = tanh(W2 @ h1); h3 = tanh(W3 @ h2); norm(h3 - y)^2"
CASES = [
    (CHAIN, ["W1", "W2", "W3"], None),
    ("sum(relu(X @ W1 + b1) @ W2)", ["W1", "W2"], {"X": "N,d", "W1": "d,h", "W2": "h,k"}),
    ("tr(A @ X @ B @ X)", ["A", "X", "B"], {"A": "n,n", "X": "n,n", "B": "n,n"}),
    ("logdet(X @ Y) + tr(X)", ["X", "Y"], {"X": "n,n", "Y": "n,n"}),
    ("norm(W @ W @ x)^2", ["W", "x"], None),     # a vector among them: block by block
]


@pytest.mark.parametrize("text, wrt, shapes", CASES)
def test_each_block_is_the_gradient_by_that_matrix_alone(text, wrt, shapes):
    d = matcalc.derive(text, wrt, shapes=shapes)
    for v, block in zip(wrt, d.blocks):
        alone = matcalc.derive(text, v, shapes=shapes)
        assert str(block.matrix) == str(alone.result), v
    assert d.check(methods=("numeric",)).passed     # the blocks alone are proved elsewhere


def test_the_joint_sweep_is_taken_for_matrices_only():
    q = Question.ask(CHAIN, ["W1", "W2", "W3"], None)
    assert set(joint_gradients(q)) == {"W1", "W2", "W3"}
    assert joint_gradients(Question.ask("norm(W @ W @ x)^2", ["W", "x"], None)) is None
    assert joint_gradients(Question.ask(CHAIN, "W1", None)) is None


def test_the_steps_of_a_joint_gradient_derive_each_block():
    d = matcalc.derive(CHAIN, ["W1", "W3"])
    text = str(d.steps)
    assert "the block ∂f/∂W1" in text and "the block ∂f/∂W3" in text    # y is taken
    for v in ("W1", "W3"):
        alone = matcalc.derive(CHAIN, v)
        assert str(alone.result) in text
