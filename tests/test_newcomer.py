"""Issue 14: what a newcomer types means what they meant — the default-shape rule (read the
way ML code means it), familiar notations, notes, the command line's checks of its options,
help, ASCII output, and the Python API's display, lambdify and public surface."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from conftest import run_cli

import matcalc
from matcalc.cli import build_parser
from matcalc.cli.output import to_ascii
from matcalc.reader import read

ROOT = Path(__file__).resolve().parent.parent


def shapes(text, declared=None):
    return {k: v for k, v in matcalc.parse_with_shapes(text, declared)[1].items()}


# -- 1. the default-shape rule ------------------------------------------------------------------

@pytest.mark.parametrize("text, name, want", [
    ("sum(log(1 + exp(-y ⊙ (X @ w))))", "y", ("n", 1)),
    ("mean((X @ w - y)^2)", "y", ("n", 1)),
    ("norm(W2 @ relu(W1 @ x) - y)^2", "y", ("n", 1)),
    ("x' @ inv(A + x @ x') @ x", "A", ("n", "n")),
    ("-0.5 * (x - mu)' @ inv(S) @ (x - mu) - 0.5 * logdet(S)", "mu", ("n", 1)),
    ("W @ x + b", "b", ("n", 1)),
    ("max(W @ x, c)", "c", ("n", 1)),
    ("min(W @ x, c)", "c", ("n", 1)),
    ("(W @ x) ⊘ c", "c", ("n", 1)),
    ("w.x + b", "b", (1, 1)),
    ("lam * norm(w)^2", "lam", (1, 1)),
    ("c * (W @ x)", "c", (1, 1)),                 # * scales
    ("(W @ x) / s", "s", (1, 1)),                 # / scales
    ("(W @ x)^p", "p", (1, 1)),                   # an exponent is a scalar
    ("c (W @ x)", "c", (1, 1)),                   # juxtaposition by a name scales
    ("x + y", "y", (1, 1)),                       # nothing says otherwise
])
def test_default_shape_rule(text, name, want):
    assert shapes(text)[name] == want


def test_declared_scalars_keep_scalar_expansion():
    assert shapes("W @ x + b", {"b": "scalar"})["b"] == (1, 1)
    assert shapes("x + z", {"x": "n", "z": "scalar"})["z"] == (1, 1)


def test_the_gaussian_reads_the_same_declared_or_not():
    text = "-0.5 * (x - mu)' @ inv(S) @ (x - mu) - 0.5 * logdet(S)"
    plain = matcalc.derive(text, "mu")
    declared = matcalc.derive(text, "mu", {"mu": "n"})
    assert str(plain) == str(declared)
    assert plain.var_shapes == declared.var_shapes == {"x": ("n", 1), "mu": ("n", 1),
                                                       "S": ("n", "n")}


def test_logistic_loss_reads_as_the_readme_says():
    d = matcalc.derive("sum(log(1 + exp(-y ⊙ (X @ w))))", "w")
    assert str(d) == "-(sigmoid(-y ⊙ (X w)) ⊙ y)ᵀ X"


def test_inferred_and_defaulted_are_recorded():
    q = matcalc.Question.ask("X @ w + b", "w", {"X": "N,n"})
    assert q.inferred == ("w", "b") and q.shapes["b"] == ("N", 1)
    assert read("w.x + b").defaulted == frozenset({"b"})


# -- 2. familiar notations ------------------------------------------------------------------

@pytest.mark.parametrize("text, printed", [
    ("x^T", "xᵀ"), ("x^T @ A @ x", "xᵀ A x"), ("x^⊤ A x", "xᵀ A x"), ("x⊤ y", "xᵀ y"),
    ("x ⋅ y", "x·y"), ("e^x", "e^x"), ("2e^x", "2 e^x"), ("1e3 x", "1000 x"),
])
def test_familiar_notations(text, printed):
    assert str(matcalc.parse(text)) == printed


def test_caret_t_is_a_power_when_t_is_declared():
    assert str(matcalc.parse("x^T", {"T": "scalar"})) == "x^T"
    assert matcalc.derive("e^x", "x", {"e": "scalar"}).var_shapes["e"] == (1, 1)


@pytest.mark.parametrize("text, label, words", [
    ("np.exp(x)", "module-prefix", ["exp(x)"]),
    ("torch.tanh(W @ x)", "module-prefix", ["tanh(W @ x)"]),
    ("np.maximum(0, x)", "module-prefix", ["max(a, b)"]),
    ("1e", "bad-number", ["1e3"]),
    ("2e + x", "bad-number", ["2 e"]),
    ("softmax(x, dim=1)", "keyword-argument", ["softmax(x)"]),
    ("sum(X, axis=0)", "keyword-argument", ["every entry"]),
    ("x / 0", "division-by-zero", []),
    ("x ⊘ 𝟎", "division-by-zero", []),
    ("x'*A*x", "matlab-product", ["x' @ A @ x"]),
    ("x .* y", "matlab-operator", ["x ⊙ y"]),
])
def test_refused_with_what_to_write(text, label, words):
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(text)
    assert info.value.label == label
    for w in words:
        assert w in str(info.value)
    assert "^" in str(info.value)              # a caret says where


@pytest.mark.parametrize("text, words", [
    ("x'Ax", ["'Ax' is read as one name", "A x"]),
    ("A * x", ["A is taken to be a scalar", "@"]),
])
def test_notes_say_how_the_text_was_read(text, words):
    notes = " ".join(matcalc.Question.ask(text, "x").notes)
    for w in words:
        assert w in notes


def test_no_notes_for_plain_input():
    assert matcalc.Question.ask("max(0, w.x + b)", "w").notes == ()


# -- 5. options checked, not ignored ----------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["derive", "x", "--wrt", "x", "--shape", "B:3,4"], "B does not appear"),
    (["derive", "W @ x", "--wrt", "x", "--shape", "w:m,n"], "did you mean --shape W"),
    (["parse", "x", "--shape", "B:3,4"], "B does not appear"),
    (["derive", "w.x", "--wrt", "w", "--check-sizes", "q=3"], "q is not a size"),
    (["derive", "x", "--wrt", "X"], "did you mean --wrt x"),
    (["derive", "x * y", "--wrt", "x y"], "x,y"),
    (["derive", "x / 0", "--wrt", "x"], "division by zero"),
    (["derive", "x", "--wrt", "x", "--dialect", "matlab"], "invalid choice"),
])
def test_option_mistakes_are_errors(argv, words):
    code, out, err = run_cli(*argv)
    assert code == 2 and out == "" and words in err, err
    assert err.count("matcalc: ") + err.count("matcalc derive: ") == 1   # one message


def test_absent_wrt_is_a_note_and_zero():
    code, out, err = run_cli("derive", "99", "--wrt", "x")
    assert code == 0 and "note: x does not appear" in err and "= 0" in out


def test_notes_go_to_stderr_before_the_answer():
    code, out, err = run_cli("derive", "x'Ax", "--wrt", "x")
    assert code == 0 and err.startswith("matcalc: note: 'Ax' is read as one name")
    assert "note" not in out


def test_wrt_shape_may_be_declared_without_occurring():
    code, out, err = run_cli("derive", "w.x", "--wrt", "v", "--shape", "v:n")
    assert code == 0, err


# -- 6. help ------------------------------------------------------------------------------------

def test_every_option_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for action in p._actions:
            assert action.help, f"{name} {action.option_strings} has no help text"
        assert "examples:" in (p.epilog or ""), name


def test_help_shows_examples_and_notation(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "examples:" in out and "derive --help" in out
    code, out, _ = cli("derive", "--help")
    assert code == 0 and "notation" in out and "softmax" in out and "inferred" in out


def test_table_names_in_help_and_list(cli):
    from matcalc import tables
    from matcalc.cli.help import table_names
    assert table_names() == tables.names()
    code, out, _ = cli("table", "--list")
    assert code == 0 and out.split() == tables.names()
    code, out, _ = cli("table", "--help")
    assert "elementwise" in out
    code, out, err = cli("table", "--only", "elementwse")
    assert code == 2 and "did you mean --only elementwise?" in err and "scalar," in err


# -- 7. ASCII -----------------------------------------------------------------------------------

def test_ascii_mode(cli):
    code, out, _ = cli("derive", "sum(x ⊙ y) + 𝟏'x", "--wrt", "x", "--ascii")
    assert code == 0 and out.isascii()
    assert out.splitlines()[0] == "d/dx sum(x * y) + 1' x = y' + 1"


def test_ascii_when_stdout_cannot_encode_unicode(cli):
    code, out, err = cli("derive", "x' @ A @ x", "--wrt", "x", env={"PYTHONIOENCODING": "ascii"})
    assert code == 0, err
    assert out.splitlines()[0] == "d/dx x' A x = x' (A + A')"


def test_to_ascii():
    assert to_ascii("∂²/∂x² xᵀ A x, u₁, β, 3×4, …") == "d^2/dx^2 x' A x, u1, beta, 3x4, ..."


# -- 8. Python and Jupyter -------------------------------------------------------------------

def test_steps_display():
    from matcalc.display import Steps
    steps = Steps(matcalc.derive("sin(x^2)", "x").steps)
    assert str(steps).splitlines()[0].startswith("  1. u₁ = x^2")
    assert repr(steps) == str(steps)
    assert steps._repr_html_().startswith("<table") and "u₁" in steps._repr_html_()
    assert steps._repr_latex_().startswith("$$\\begin{align*}")


def test_check_report_display():
    report = matcalc.derive("w.x", "w").check(methods=("numeric",))
    assert repr(report).startswith("<CheckReport passed>\ncheck: numeric passed")
    assert "<table" in report._repr_html_() and "passed" in report._repr_html_()


def test_lambdify_positional_and_keyword():
    import numpy as np
    d = matcalc.derive("max(0, w.x + b)", "w", {"w": "n", "x": "n", "b": "scalar"})
    f = d.lambdify()
    assert list(inspect.signature(f).parameters) == ["w", "x", "b"]
    assert np.allclose(f([1.0, 2.0], [3.0, 4.0], 0.5), [3.0, 4.0])
    assert np.allclose(f([1.0, 2.0], x=[3.0, 4.0], b=0.5), [3.0, 4.0])
    with pytest.raises(matcalc.UsageError) as info:
        f(w=[1.0, 2.0], x=[3.0, 4.0])
    assert isinstance(info.value, TypeError) and "'b'" in str(info.value)
    with pytest.raises(TypeError):
        f([1.0], [2.0], 0.5, q=1)


def test_public_api():
    assert dir(matcalc) == sorted(matcalc.__all__)
    assert {"derive", "hessian", "parse", "parse_with_shapes", "Question",
            "MatcalcError", "__version__"} <= set(dir(matcalc))
    assert (ROOT / "matcalc" / "py.typed").is_file()
    for fn in (matcalc.derive, matcalc.hessian, matcalc.parse, matcalc.parse_with_shapes,
               matcalc.Question.ask):
        assert fn.__annotations__.get("return"), fn.__name__
        assert "dialect" in inspect.signature(fn).parameters


def test_language_reference_is_current():
    from matcalc.langdoc import function_table
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    for dialect in ("matcalc", "matrixcalculus"):
        assert function_table(dialect) in text, f"regenerate: python -m matcalc.langdoc"
