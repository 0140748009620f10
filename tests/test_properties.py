"""Properties of the front end over random input (hypothesis).

- every well-shaped expression (tests/strategies.py) parses to the shape it was drawn with,
  prints, and re-parses to the same tree: parse(str(e), shapes) == e; LaTeX prints it;
- no text at all — random Unicode, mutated expressions, random declarations — makes the
  parser or the shape inference raise anything but MatcalcError.

About 2,600 examples by default (a few seconds); `pytest -m slow` runs far more, and a
bounded grammar-driven fuzz through hypothesis.extra.lark.from_lark.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import SHAPES, expr, mutated, well_shaped_with_shape
from test_latex import double_superscript

import matcalc
from matcalc.printing.latex import to_latex
from matcalc.tree import Expr

FAST = settings(max_examples=1200, deadline=None)
SLOW = settings(max_examples=30_000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _norm(shape):
    return tuple(shape)


def check_roundtrip(case):
    text, shape = case
    e = matcalc.parse(text, SHAPES)
    assert e.shape == _norm(shape), (text, e.shape)
    printed = str(e)
    again = matcalc.parse(printed, SHAPES)
    assert again == e, (text, printed, str(again))
    assert all(n.rebuild(*n.args) == n for n in e.walk())
    tex = to_latex(e)
    assert double_superscript(tex) is None, (text, tex)


def check_only_matcalc_errors(text, shapes=None):
    try:
        e = matcalc.parse(text, shapes)
    except matcalc.MatcalcError as err:
        assert str(err) and err.label, text
        return
    assert isinstance(e, Expr)
    str(e)        # what parses also prints
    to_latex(e)


# -- CI ------------------------------------------------------------------------------------

@FAST
@given(well_shaped_with_shape())
def test_well_shaped_expressions_round_trip(case):
    check_roundtrip(case)


@settings(max_examples=300, deadline=None)
@given(expr(("n", 1), 3), expr(("n", 1), 3), expr(("m", 1), 3), st.sampled_from(["⊙", "⊘"]))
def test_elementwise_chain_left_of_a_juxtaposition_is_parenthesised(u, v, w, op):
    """`u ⊙ v wᵀ` is (u ⊙ v) wᵀ (left-associative), and prints so."""
    e = matcalc.parse(f"({u}) {op} ({v}) ({w})'", SHAPES)
    assert e.op == "matmul" and e.args[0].op in ("mul", "div"), str(e)
    printed = str(e)
    assert printed.startswith(f"({e.args[0]}) "), printed
    assert matcalc.parse(printed, SHAPES) == e


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=60))
def test_random_text_raises_only_matcalc_errors(text):
    check_only_matcalc_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="()[]+-*/^@.,;'ᵀ·⊙⊘𝟏σ xyAIT0123e_?", max_size=40))
def test_grammar_alphabet_soup_raises_only_matcalc_errors(text):
    check_only_matcalc_errors(text)


@settings(max_examples=500, deadline=None)
@given(mutated(), st.booleans())
def test_mutated_expressions_raise_only_matcalc_errors(text, declared):
    check_only_matcalc_errors(text, SHAPES if declared else None)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["x", "y", "A", "q"]),
                       st.text(max_size=8) | st.sampled_from(["n", "m,n", "3", "3,4", "scalar",
                                                              "0", "n+1", "1,n"]),
                       max_size=3),
       st.sampled_from(["x + y", "A @ x", "x'A y", "q * x", "tr(A)", "[x, y]", "x.y"]))
def test_random_declarations_raise_only_matcalc_errors(shapes, text):
    check_only_matcalc_errors(text, shapes)


# -- slow: pytest -m slow ----------------------------------------------------------------------

@pytest.mark.slow
@SLOW
@given(well_shaped_with_shape())
def test_slow_round_trip(case):
    check_roundtrip(case)


@pytest.mark.slow
@SLOW
@given(mutated(max_depth=6), st.booleans())
def test_slow_mutations(text, declared):
    check_only_matcalc_errors(text, SHAPES if declared else None)


@pytest.mark.slow
@settings(max_examples=20_000, deadline=None)
@given(st.text())
def test_slow_random_text(text):
    check_only_matcalc_errors(text)


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_slow_grammar_generated_text(data):
    """Text the grammar itself generates (0.3 s an example: kept small)."""
    lark_ext = pytest.importorskip("hypothesis.extra.lark")
    from lark import Lark

    from matcalc.resources import grammar_path
    # a grammar object of its own: one loaded from Lark's cache has no `.grammar` for
    # from_lark to read
    grammar = Lark.open(str(grammar_path()), parser="lalr", start=["start", "pattern"])
    names = st.sampled_from(["x", "y", "A", "w", "β"])
    text = data.draw(lark_ext.from_lark(grammar, start="start", explicit={
        "NAME": names, "CALLNAME": st.sampled_from(["exp", "max", "sum", "tr", "foo"]),
        "NUMBER": st.sampled_from(["0", "2", "0.5", "1e-3"]),
        "PVAR": st.just("?u")}))
    check_only_matcalc_errors(text)
