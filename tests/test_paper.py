"""Every worked example of Parr & Howard (reference/parr-howard.md §3, 1–34), with the
paper's final result as the expected value — corrected where §4 lists an erratum — compared
structurally after simplification and checked exactly (SymPy) and numerically."""
import pytest

import matcalc
from tests.helpers import assert_checked, assert_same_form

V = {"w": "n", "x": "n"}
XZ = {"x": "n", "z": "scalar"}
NEURON = {"w": "n", "x": "n", "b": "scalar"}
LOSS = {"X": "N,n", "w": "n", "b": "scalar", "y": "N"}

CASES = [
    # (example, expression, wrt, shapes, expected, layout)
    ("1", "99", "x", {}, "0", "numerator"),
    ("2", "3x", "x", {}, "3", "numerator"),
    ("3", "x^3", "x", {}, "3 x^2", "numerator"),
    ("4", "x^2 + 3x", "x", {}, "2x + 3", "numerator"),
    ("5", "x^2 - 3x", "x", {}, "2x - 3", "numerator"),
    ("6", "x^2 x", "x", {}, "3x^2", "numerator"),
    ("7", "ln(x^2)", "x", {}, "2/x", "numerator"),
    ("8", "9(x + x^2)", "x", {}, "9(1 + 2x)", "numerator"),          # = 9 + 18x
    ("9a", "3x^2 y", "x", {}, "6 y x", "numerator"),
    ("9b", "3x^2 y", "y", {}, "3x^2", "numerator"),
    ("10", "3x^2 y", "x,y", {}, "[6 y x, 3x^2]'", "numerator"),
    ("11a", "2x + y^8", "x", {}, "2", "numerator"),
    ("11b", "2x + y^8", "y", {}, "8y^7", "numerator"),
    ("11c", "2x + y^8", "x,y", {}, "[2, 8 y^7]'", "numerator"),
    ("12", "[3x^2 y, 2x + y^8]", "x,y", {}, "[6 y x, 3x^2; 2, 8y^7]", "numerator"),
    ("12d", "[3x^2 y, 2x + y^8]", "x,y", {}, "[6 y x, 2; 3x^2, 8y^7]", "denominator"),
    ("13", "x", "x", {"x": "n"}, "I", "numerator"),
    ("14a", "w + x", "w", V, "I", "numerator"),
    ("14b", "w + x", "x", V, "I", "numerator"),
    ("15a", "w - x", "w", V, "I", "numerator"),
    ("15b", "w - x", "x", V, "-I", "numerator"),
    ("16a", "w ⊗ x", "w", V, "diag(x)", "numerator"),
    ("16b", "w ⊗ x", "x", V, "diag(w)", "numerator"),
    ("17a", "w ⊘ x", "w", V, "diag(1 / x)", "numerator"),
    ("17b", "w ⊘ x", "x", V, "diag(-w / x^2)", "numerator"),
    ("18a", "x + z", "x", XZ, "I", "numerator"),
    ("18b", "x + z", "z", XZ, "𝟏", "numerator"),
    ("19a", "x z", "x", XZ, "I z", "numerator"),
    ("19b", "x z", "z", XZ, "x", "numerator"),
    ("20", "sum(x)", "x", {"x": "n"}, "𝟏'", "numerator"),
    ("21a", "sum(x z)", "x", XZ, "z 𝟏'", "numerator"),
    ("21b", "sum(x z)", "z", XZ, "sum(x)", "numerator"),
    ("22", "sin(x^2)", "x", {}, "2x cos(x^2)", "numerator"),
    ("23", "ln(sin(x^3)^2)", "x", {}, "6x^2 cos(x^3) / sin(x^3)", "numerator"),
    ("24", "x + x^2", "x", {}, "1 + 2x", "numerator"),
    ("25", "sin(x + x^2)", "x", {}, "cos(x + x^2)(1 + 2x)", "numerator"),
    ("26", "x * x^2", "x", {}, "3x^2", "numerator"),
    ("27", "[ln(x^2), sin(3x)]", "x", {}, "[2/x, 3cos(3x)]", "numerator"),
    ("28a", "w.x", "w", V, "x'", "numerator"),
    ("28b", "w.x", "x", V, "w'", "numerator"),
    ("29a", "w.x + b", "w", NEURON, "x'", "numerator"),
    ("29b", "w.x + b", "b", NEURON, "1", "numerator"),
    ("30", "max(0, z)", "z", {}, "step(z)", "numerator"),
    ("31", "max(0, x)", "x", {"x": "n"}, "diag(step(x))", "numerator"),     # erratum E-7
    ("32a", "max(0, w.x + b)", "w", NEURON, "step(w.x + b) x'", "numerator"),
    ("32b", "max(0, w.x + b)", "b", NEURON, "step(w.x + b)", "numerator"),
    # the loss: R-L3*, the corrected form (erratum E-1), in matrix form
    ("33", "mean((y - max(0, X @ w + b))^2)", "w", LOSS,
     "(2/N) ((X w + b - y) ⊙ step(X w + b))' X", "numerator"),
    ("34", "mean((y - max(0, X @ w + b))^2)", "b", LOSS,
     "(2/N) sum((X w + b - y) ⊙ step(X w + b))", "numerator"),
    # denominator layout: column gradients
    ("28d", "w.x", "w", V, "x", "denominator"),
]


@pytest.mark.parametrize("ex,expr,wrt,shapes,expected,layout", CASES,
                         ids=[c[0] for c in CASES])
def test_paper_example(ex, expr, wrt, shapes, expected, layout):
    d = matcalc.derive(expr, wrt, shapes=shapes, layout=layout)
    assert_same_form(d, expected)
    assert_checked(d)


def test_chain_rule_steps_of_ln_sin_cubed():
    """§4.5.1: u₁ = x³, u₂ = sin(u₁), u₃ = u₂², u₄ = ln(u₃) with the paper's partials."""
    d = matcalc.derive("ln(sin(x^3)^2)", "x")
    inter = [s.text for s in d.steps if s.kind == "intermediate"]
    assert len(inter) == 4
    assert inter[0].startswith("u₁ = x^3") and "∂u₁/∂x = 3 x^2" in inter[0]
    assert inter[1].startswith("u₂ = sin(u₁)") and "∂u₂/∂u₁ = cos(u₁)" in inter[1]
    assert inter[2].startswith("u₃ = u₂^2") and "∂u₃/∂u₂ = 2 u₂" in inter[2]
    assert inter[3].startswith("u₄ = log(u₃)") and "∂u₄/∂u₃ = 1 / u₃" in inter[3]
    chain = next(s for s in d.steps if s.kind == "chain")
    assert chain.rule == "chain.single"


@pytest.mark.parametrize("expr,wrt,shapes,law", [
    ("sin(x^2)", "x", {}, "chain.single"),
    ("x + x^2", "x", {}, "chain.total"),           # two paths from x (R-T3)
    ("sin(x + x^2)", "x", {}, "chain.total"),
    ("max(0, w.x + b)", "w", NEURON, "chain.vector"),
    ("[ln(x^2), sin(3x)]", "x", {}, "chain.vector"),
])
def test_the_most_specific_chain_rule_is_named(expr, wrt, shapes, law):
    d = matcalc.derive(expr, wrt, shapes=shapes)
    assert [s.rule for s in d.steps if s.kind == "chain"][0] == law


def test_relu_jacobian_is_diagonal_with_the_erratum_noted():
    d = matcalc.derive("max(0, x)", "x", {"x": "n"})
    assert str(d) == "diag(step(x))"
    assert any(s.kind == "note" and "E-7" in s.text for s in d.steps)


def test_loss_gradient_notes_the_erratum():
    d = matcalc.derive("mean((y - max(0, X @ w + b))^2)", "w", LOSS)
    assert str(d) == "(2 / N) ((X w + b - y) ⊙ step(X w + b))ᵀ X"
    assert any("E-1" in s.text for s in d.steps if s.kind == "note")
