"""LaTeX in the paper's notation, against golden files (tests/golden/latex/<name>.tex).

Regenerate after a deliberate change with MATCALC_UPDATE_GOLDEN=1 and review the diff.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import matcalc
from matcalc.printing.latex import latex_name, to_latex

GOLDEN = Path(__file__).parent / "golden" / "latex"
V = {"w": "n", "x": "n", "y": "n", "u": "n", "v": "n"}

CASES = [
    ("relu_neuron", "max(0, w.x + b)", V),
    ("quadratic_form", "x' @ A @ x", None),
    ("hadamard", "w ⊙ x", V),
    ("ewise_division", "w ⊘ x", V),
    ("scalar_division", "x_i^2 / 3", None),
    ("vector_by_scalar", "x / b", V),
    ("dot_product", "w·x", V),
    ("transpose_row", "xᵀ", V),
    ("double_transpose", "(xᵀ)ᵀ", V),
    ("diag_chain", "diag(u) @ diag(v)", V),
    ("ones_sum", "𝟏ᵀ x", V),
    ("identity", "I x + A x", {"x": "n", "A": "n,n"}),
    ("sigmoid", "σ(w.x + b)", V),
    ("functions", "exp(x) + log(x) + sin(x) + tanh(x) + sqrt(x) + abs(x)", V),
    ("operators", "step(x) + sign(x) + softplus(x) + softmax(x)", V),
    ("reductions", "sum(x) + mean(x) + norm(x) + logsumexp(x)", V),
    ("matrix_functions", "tr(X) + det(X) + logdet(X)", None),
    ("inverse", "inv(X) @ y", V),
    ("powers", "-x^2 + (-x)^2 + x^y^2", None),
    ("greek", "β γ + Σ + λ_1", None),
    ("subscripts", "W1 x₂ + x_max", {"W1": "n,n", "x₂": "n", "x_max": "n"}),
    ("vector_literal", "[3*x^2*y, 2*x + y^8]", None),
    ("matrix_literal", "[1, 2; 3, x]", None),
    ("numbers", "0.5 x + 1e-30 + 2 3", None),
    ("matrix_product", "W @ x + b", {"W": "m,n", "x": "n", "b": "m"}),
    ("grouping", "(a + b) (c - d) - (a - b)", None),
    ("min_max", "min(x, 1) + max(0, z)", {**V, "z": "scalar"}),   # z: a scalar, declared
]


@pytest.mark.parametrize("name, text, shapes", CASES, ids=[c[0] for c in CASES])
def test_latex_golden(name, text, shapes):
    got = to_latex(matcalc.parse(text, shapes)) + "\n"
    path = GOLDEN / f"{name}.tex"
    if os.environ.get("MATCALC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with MATCALC_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, bold, want", [
    ("x", False, "x"), ("x", True, r"\mathbf{x}"), ("β", False, r"\beta"),
    ("β", True, r"\boldsymbol{\beta}"), ("W1", False, "W_{1}"), ("x_i", True, r"\mathbf{x}_{i}"),
    ("Σ", False, r"\Sigma"), ("Ax", False, r"\mathit{Ax}"), ("x₂", False, "x_{2}"),
])
def test_names(name, bold, want):
    assert latex_name(name, bold) == want


def test_paper_notation_pieces():
    e = matcalc.parse("step(w.x + b) x'", V)
    assert to_latex(e) == r"\operatorname{step}\left(\mathbf{w} \cdot \mathbf{x} + b\right) " \
                          r"\mathbf{x}^T"


def test_repr_latex_for_jupyter():
    assert matcalc.parse("w.x", V)._repr_latex_() == r"$\mathbf{w} \cdot \mathbf{x}$"


def test_differential():
    from matcalc.tree import Expr
    x = matcalc.parse("x", V)
    assert to_latex(Expr("d", (x,), x.shape)) == r"d\mathbf{x}"


def double_superscript(tex: str) -> str | None:
    """The first `a^b^c` in `tex` (TeX stops: "Double superscript"), or None.

    A superscript's argument is one token: a character, a braced group or a control word."""
    i = 0
    while i < len(tex):
        if tex[i] != "^":
            i += 1
            continue
        start, j = i, i + 1
        if tex[j] == "{":
            depth = 0
            while True:
                depth += {"{": 1, "}": -1}.get(tex[j], 0)
                j += 1
                if depth == 0:
                    break
        elif tex[j] == "\\":
            j += 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
        else:
            j += 1
        if tex[j:j + 1] == "^":
            return tex[max(0, start - 20):j + 10]
        i = j
    return None


def test_double_superscript_detector():
    assert double_superscript("X^{-1}^T") and double_superscript("10^{-30}^{2}")
    assert not double_superscript(r"\left(X^{-1}\right)^T") and not double_superscript("x_{i}^{2}")


M = {"X": "n,n", "x": "n"}


@pytest.mark.parametrize("text, want", [
    ("inv(X)'", "X^{-T}"),                       # the transpose of an inverse
    ("inv(X')", "X^{-T}"),
    ("inv(X)^2", r"\left(X^{-1}\right)^{2}"),
    ("inv(inv(X))", r"\left(X^{-1}\right)^{-1}"),
    ("inv(inv(X)')", r"\left(X^{-1}\right)^{-T}"),
    ("(x')^2", r"\left(\mathbf{x}^T\right)^{2}"),
    ("(x^2)'", r"\left(\mathbf{x}^{2}\right)^T"),
    ("(x')'", r"\left(\mathbf{x}^T\right)^T"),
    ("(2^3)^2", r"\left(2^{3}\right)^{2}"),
    ("1e-30^2", r"\left(10^{-30}\right)^{2}"),
    ("(1e-30)'", r"\left(10^{-30}\right)^T"),
    ("x_i^2", "x_{i}^{2}"),
])
def test_no_double_superscript(text, want):
    got = to_latex(matcalc.parse(text, M))
    assert got == want
    assert double_superscript(got) is None


def test_grouping_matches_the_text_printer():
    # kron prints as a call (an atom); an element-wise chain left of a product is grouped
    shapes = {"u": "m", "v": "m", "x": "n"}
    assert to_latex(matcalc.parse("u ⊙ v xᵀ", shapes)) == \
        r"\left(\mathbf{u} \odot \mathbf{v}\right) \mathbf{x}^T"
    assert to_latex(matcalc.parse("diag(u) kron(I, xᵀ)", shapes)) == \
        r"\operatorname{diag}\left(\mathbf{u}\right) \operatorname{kron}\left(I, \mathbf{x}^T\right)"


def test_unknown_node_raises():
    from matcalc.errors import PrintError
    from matcalc.tree import Expr
    with pytest.raises(PrintError):
        to_latex(Expr("no-such-op", ()))
