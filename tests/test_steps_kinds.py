"""Steps for every kind of derivative (issue 12): orders ≥ 2 round by round, mixed partials,
joint derivatives block by block, and the differential chain behind a differential or index
answer — the last step states the answer in the form printed, and a differential is never
labelled as a derivative."""
import pytest

import matcalc

KINDS = [
    # (expr, wrt, shapes, order, form, mixed)
    ("sum(x^4)", "x", {"x": "n"}, 3, "auto", False),
    ("sum(x^4)", "x", {"x": "n"}, 2, "index", False),
    ("logdet(X)", "X", {"X": "n,n"}, 2, "auto", False),
    ("x' @ A @ y", ["x", "y"], {"A": "n,m"}, 1, "auto", True),
    ("x' @ x", ["x", "y"], {"x": "n", "y": "scalar"}, 2, "auto", False),
    ("norm(W @ x - y)^2", ["W", "x"], {"W": "m,n"}, 1, "auto", False),
    ("W @ X", "X", {"W": "k,n", "X": "n,m"}, 1, "auto", False),
    ("x' @ A @ x", "x", {"A": "n,n"}, 2, "auto", False),
    ("softmax(x)", "x", {"x": "n"}, 2, "auto", False),
]


@pytest.mark.parametrize("expr,wrt,shapes,order,form,mixed", KINDS,
                         ids=[f"{k[0]} by {k[1]} order {k[3]} {k[4]}" for k in KINDS])
def test_steps_end_in_the_printed_answer(expr, wrt, shapes, order, form, mixed):
    d = matcalc.derive(expr, wrt, shapes=shapes, order=order, form=form, mixed=mixed)
    steps = d.steps
    last = steps[-1]
    assert last.kind == "result"
    if d.form == "differential":
        assert last.text.startswith("d"), last.text
        assert str(d.result) in last.text and "∂" not in last.text.split("=")[0]
    elif d.form == "index":
        assert last.text.startswith("∂"), last.text
        assert "_i" in last.text
    else:
        assert last.text.startswith("∂"), last.text
        assert f"= {d.result}" in last.text
    text = d.steps_text()
    numbers = [int(line.split(".")[0]) for line in text.splitlines() if line[:3].strip().isdigit()]
    assert numbers == list(range(1, len(numbers) + 1))          # numbered without gaps


def test_every_round_of_a_third_derivative_is_shown():
    d = matcalc.derive("sum(x^4)", "x", shapes={"x": "n"}, order=3)
    diffs = [s.text for s in d.steps if s.kind == "differential"]
    assert diffs[0].startswith("dy = 4 sum(dx ⊙ x^3)")
    assert diffs[1].startswith("d²y = 12 sum(dx^2 ⊙ x^2)")
    assert d.steps[-1].text.startswith("d³y = 24 sum(dx^3 ⊙ x)")
    assert "trilinear" in d.steps[-1].text


def test_a_mixed_partial_names_its_rounds():
    d = matcalc.derive("x' @ A @ y", ["x", "y"], shapes={"A": "n,m"}, mixed=True)
    headers = [s.text for s in d.steps if s.kind == "header"]
    assert headers[0].startswith("round 1: the gradient g = ∇x f")     # y is a variable here
    assert headers[1].startswith("round 2: ∂²f/∂x∂y = ∂g/∂y")
    assert d.steps[-1].text.startswith("∂²/∂x∂y = A")


def test_joint_hessian_shows_each_block():
    d = matcalc.derive("x' @ x", ["x", "y"], shapes={"x": "n", "y": "scalar"}, order=2)
    headers = [s.text for s in d.steps if s.kind == "header"]
    assert sum(h.startswith("the block") for h in headers) == 4
    assert "block matrix of the second partials" in headers[-1]


def test_steps_on_the_command_line_for_a_tensor(capsys):
    from matcalc.cli import main
    assert main(["derive", "inv(X)", "--wrt", "X", "--order", "2", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "d²y = " in out and "Traceback" not in out
