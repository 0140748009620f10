"""Issue 15, steps a teacher would hand out: numbered without gaps, no repeated or no-op
rewrites, the tidying folded into the identity that follows it, the chain's product
evaluated all the way to the answer, each rule on the step it justifies, and the Hessian
labelled in the paper's terms."""
from __future__ import annotations

import re

import matcalc
from matcalc.readability import form_key
from matcalc.replay import MECHANICAL
from matcalc.simplify import present, simplify

LOSS = ("mean((y - max(0, X @ w + b))^2)", "w", {"X": "N,n", "w": "n", "b": "scalar", "y": "N"})
MSE = ("mean((X @ w - y)^2)", "w", {"X": "N,n", "w": "n", "y": "N"})
BCE = ("sum(-(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w))))", "w",
       {"X": "N,n", "w": "n", "y": "N"})


def _numbers(text: str) -> list:
    return [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\. ", text, re.M)]


def test_numbering_is_continuous_and_headers_are_not_numbered():
    for expr, wrt, shapes, order in [("x' @ A @ x", "x", {"x": "n", "A": "n,n"}, 2),
                                     ("[3x^2 y, 2x + y^8]", "x,y", {}, 1), (*LOSS, 1)]:
        d = matcalc.derive(expr, wrt, shapes=shapes, order=order)
        nums = _numbers(d.steps_text())
        assert nums == list(range(1, len(nums) + 1)), nums
        assert len(nums) == sum(1 for s in d.steps if s.kind != "header")


def test_no_repeated_or_no_op_rewrites():
    d = matcalc.derive("sum(x / 2)", "x", {"x": "n"})
    simplify_lines = [s.text for s in d.steps if s.kind == "simplify"]
    assert len(simplify_lines) <= 1 and "0.5 𝟏ᵀ → (1 / 2) 𝟏ᵀ" not in d.steps_text()
    for expr, wrt, shapes in (LOSS, MSE, BCE):
        texts = [s.text for s in matcalc.derive(expr, wrt, shapes).steps if s.kind == "simplify"]
        assert len(texts) == len(set(texts)), texts


def test_tidying_is_folded_into_the_identity_that_follows():
    for expr, wrt, shapes in (LOSS, MSE, BCE):
        steps = [s for s in matcalc.derive(expr, wrt, shapes).steps if s.kind == "simplify"]
        mechanical = [s for s in steps if s.rule in MECHANICAL]
        assert len(mechanical) <= 1, [s.text for s in steps]        # only a last tidy-up
        assert all(s.rule not in MECHANICAL for s in steps[:-1])


def test_the_loss_takes_a_teachers_number_of_steps():
    d = matcalc.derive(*LOSS)
    assert len([s for s in d.steps if s.kind != "header"]) <= 16     # was 32, 18 mechanical
    assert len(_numbers(d.steps_text())) <= 16


def test_the_chain_product_is_evaluated_to_the_answer():
    for expr, wrt, shapes in (LOSS, MSE, BCE, ("ln(sin(x^3)^2)", "x", {})):
        d = matcalc.derive(expr, wrt, shapes)
        kinds = [s.kind for s in d.steps]
        assert "identify" not in kinds and "differential" not in kinds   # no second route
        sub = next(s for s in d.steps if s.kind == "substitute")
        assert form_key(present(simplify(sub.expr))) == form_key(d.result)
        last = [s for s in d.steps if s.kind == "simplify"][-1]
        assert form_key(last.expr) == form_key(d.result)


def test_each_rule_is_on_the_partial_it_gives():
    d = matcalc.derive("log(softmax(z))", "z", {"z": "n"})
    inter = [s for s in d.steps if s.kind == "intermediate"]
    assert [s.rule for s in inter] == ["vector.softmax", "fn.log"], [s.rule for s in inter]
    assert "fn.log_softmax" not in d.steps_text()


def test_the_hessian_is_labelled_in_the_papers_terms():
    d = matcalc.derive("x' @ A @ x", "x", {"x": "n", "A": "n,n"}, order=2)
    headers = [s.text for s in d.steps if s.kind == "header"]
    assert "gradient" in headers[0] and "∇" in headers[0]
    assert "Hessian" in headers[1] and "∂g/∂x" in headers[1]
    second = d.steps[[s.kind for s in d.steps].index("header", 1):]
    chain = next(s for s in second if s.kind == "chain")
    assert "∂g/∂x" in chain.text and "∂y/∂x" not in chain.text
