"""Issue 15: no zeros, identities, ones or foldable constants left standing in simplified
answers — over random derivations (tests/strategies.py; bench/leftovers.py runs thousands)
and over the leftovers the issue found."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcalc
from matcalc.readability import leftovers
from matcalc.tree import Expr
from tests.strategies import SHAPES, well_shaped

ISSUE = [  # (expression, wrt, what a person writes)
    ("sum(x' ^ 2)", "x", "2 x'"),
    ("sum(x ^ 2)", "x", "2 x'"),
    ("sum(softmax(x))", "x", "0 x'"),
    ("log(x) - 0.5 log(x^2)", "x", "0 I"),
    ("a * x^2 + b * x^2", "x", "2 diag((a + b) ⊙ x)"),
    ("exp(log(0.25)) x", "x", "0.25 I"),
    ("norm(0.5 x)", "x", "0.5 x' / norm(x)"),
    ("tanh(c) (2 x' @ x - x' @ x)", "x", "2 tanh(c) x'"),
    ("sum(tanh(x - x)' @ (2 diag(x) - I)) + x' @ x", "x", "2 x'"),
    ("y' @ diag(x - x) @ sqrt(u) * x' @ x", "x", "0 x'"),
]
SHAPES_ISSUE = {"x": "n", "y": "n", "u": "n", "a": "n", "b": "n", "c": "scalar"}


@pytest.mark.parametrize("expr,wrt,want", ISSUE, ids=[c[0] for c in ISSUE])
def test_the_issue_leftovers_are_gone(expr, wrt, want):
    from tests.helpers import assert_same_form
    d = matcalc.derive(expr, wrt, shapes=SHAPES_ISSUE)
    assert leftovers(d.result) == [], str(d)
    assert_same_form(d, want)


def test_the_detector_sees_each_kind():
    n = ("n", 1)
    x = Expr("var", (), n, "x")
    zero_row = Expr("T", (Expr("zeros", (), n),), (1, "n"))
    two_zero = Expr("mul", (Expr("num", (), (1, 1), 2), zero_row), (1, "n"))
    ones_row = Expr("T", (Expr("ones", (), n),), (1, "n"))
    diag = Expr("diag", (x,), ("n", "n"))
    assert leftovers(two_zero) and leftovers(Expr("matmul", (ones_row, diag), (1, "n")))
    assert leftovers(Expr("exp", (Expr("log", (x,), n),), n))
    assert leftovers(Expr("matmul", (Expr("eye", (), ("n", "n")), x), n))
    assert leftovers(zero_row) == []                   # the whole answer may be 0
    relu = Expr("max", (Expr("num", (), (1, 1), 0), x), n)
    assert leftovers(relu) == []                       # the 0 of max(0, x) is notation


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(well_shaped(max_depth=4), st.data())
def test_random_answers_have_no_leftovers(text, data):
    e = matcalc.parse(text, SHAPES)
    names = sorted(e.free_vars())
    if not names:
        return
    wrt = data.draw(st.sampled_from(names))
    try:
        d = matcalc.derive(text, wrt, shapes=SHAPES)
    except matcalc.MatcalcError:
        return                              # refused (a tensor derivative): nothing printed
    assert leftovers(d.result) == [], f"∂/∂{wrt} {text} = {d}"
