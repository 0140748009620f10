"""The matrixcalculus.org dialect (docs/language.md): every example of the site's
documentation page derives to the answer docs/language.md shows, and is proved; its
operators, letter convention and own functions; its refusals; and the default language's
hints that point at it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli

import matcalc
from matcalc.dialect import check_dialect, letter_kind
from matcalc.ops import FUNCTIONS, functions

LANGUAGE = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text(
    encoding="utf-8")
MC = "matrixcalculus"


def dialect_rows() -> list[tuple[str, str, str]]:
    section = LANGUAGE.split("## The matrixcalculus.org dialect", 1)[1].split("\n## ", 1)[0]
    section = section.split("documentation page derives", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[1] != "by":
            rows.append((cells[0].strip("`"), cells[1], cells[2].strip("`")))
    return rows


ROWS = dialect_rows()
# the examples of https://www.matrixcalculus.org/documentation, and the site's default input
SITE = ["x'*A*x", "0.5*x'*A*x", "A*exp(x)", "(y.*v)'*x", "a^b", "norm1(A*x-y)",
        "norm2(A*x-y)^2", "sum(log(exp(-y.*(X*w)) + vector(1)))", "tr(A*X'*B*X*C)",
        "log(det(inv(X)))", "x'*A*x + c*sin(y)'*x"]


def test_every_site_example_is_in_the_reference():
    assert [r[0] for r in ROWS] == SITE


@pytest.mark.parametrize("expr, wrt, expected", ROWS, ids=[r[0] for r in ROWS])
def test_site_example_derives(expr, wrt, expected):
    d = matcalc.derive(expr, wrt, dialect=MC)
    assert str(d) == expected
    methods = ("numeric",) if "det" in expr else ("exact", "numeric")   # det(inv(X)) > 0
    if "det" not in expr:
        assert d.check(methods=methods).passed


@pytest.mark.parametrize("text, shapes", [
    ("x'*A*x", {"x": ("n", 1), "A": ("n", "n")}),
    ("a*x + b", {"a": (1, 1), "x": ("n", 1), "b": (1, 1)}),
    ("A*B", {"A": ("n", "m"), "B": ("m", "k")}),
    ("x'*y", {"x": ("n", 1), "y": ("n", 1)}),
    ("β*x", {"β": (1, 1), "x": ("n", 1)}),               # no letter: inferred as in matcalc
    ("I*x", {"I": ("n", "m"), "x": ("m", 1)}),            # I is a matrix variable there
])
def test_letter_convention(text, shapes):
    assert matcalc.parse_with_shapes(text, dialect=MC)[1] == shapes


def test_declarations_override_the_letter_convention():
    shapes = matcalc.parse_with_shapes("a*x", {"a": "n"}, dialect=MC)[1]
    assert shapes["a"] == ("n", 1)


@pytest.mark.parametrize("text, printed", [
    ("x.*y", "x ⊙ y"), ("x./y", "x / y"), ("x.^2", "x^2"), ("2*x", "2 x"),
    ("norm2(x)", "norm(x)"), ("norm1(x)", "sum(abs(x))"), ("vector(2) + x", "2 𝟏 + x"),
    ("matrix(1) .* X", "1 (𝟏 𝟏ᵀ) ⊙ X"), ("eye(2)*X", "2 I X"), ("A*x - y", "A x - y"),
])
def test_dialect_operators_and_functions(text, printed):
    assert str(matcalc.parse(text, dialect=MC)) == printed


def test_dialect_functions_are_only_in_the_dialect():
    assert "norm1" not in FUNCTIONS and "norm1" in functions(MC)
    with pytest.raises(matcalc.ParseError) as info:
        matcalc.parse("norm1(x)")
    assert info.value.label == "unknown-function"


@pytest.mark.parametrize("text, label", [
    ("A^2", "matrix-power"), ("x^2", "matrix-power"), ("x/y", "matrix-division"),
    ("eye", "function-without-call"),
])
def test_dialect_refusals(text, label):
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(text, dialect=MC)
    assert info.value.label == label
    assert "^" in str(info.value) or info.value.span is None


@pytest.mark.parametrize("text, fix", [
    ("x'*A*x", "x' @ A @ x"), ("x'*y", "x' @ y"), ("x .* y", "x ⊙ y"), ("x ./ y", "x ⊘ y"),
    ("x .^ 2", "x^2"),
])
def test_default_language_points_at_the_dialect(text, fix):
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(text)
    message = str(info.value)
    assert "--dialect matrixcalculus" in message and fix in message


def test_unknown_dialect():
    with pytest.raises(matcalc.UsageError) as info:
        matcalc.parse("x", dialect="matlab")
    assert "matrixcalculus" in str(info.value)
    assert check_dialect(None) == "matcalc" and check_dialect(" MatrixCalculus") == MC


def test_letter_kinds():
    assert [letter_kind(c) for c in "agGhzZ"] == ["scalar", "scalar", "matrix", "vector",
                                                  "vector", "matrix"]


def test_dialect_on_the_command_line():
    code, out, err = run_cli("derive", "x'*A*x", "--wrt", "x", "--dialect", "matrixcalculus")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "∂/∂x xᵀ A x = xᵀ (A + Aᵀ)"
    code, out, err = run_cli("derive", "x'*A*x", "--wrt", "x")
    assert code == 2 and "--dialect matrixcalculus" in err and "x' @ A @ x" in err
    code, out, err = run_cli("parse", "x .* y")
    assert code == 2 and re.search(r"hint: write x ⊙ y", err)
