"""The checker: correct closed forms pass both methods, wrong ones fail both, and what it
cannot evaluate is an error, not a pass."""
import json
import subprocess
import sys

import pytest

import matcalc
from matcalc.check import CheckReport, check_derivative
from matcalc.check import exact as check_exact
from matcalc.check.problem import assign_sizes
from matcalc.tree import Expr, eye, ones, var

VEC = {"w": "n", "x": "n", "b": "scalar", "z": "scalar"}
QUAD = {"x": "n", "A": "n,n"}
MATS = {"A": "n,n", "X": "n,n"}
SCALARS = {"x": "scalar", "y": "scalar"}

CORRECT = [
    # (input, closed form, wrt, shapes, keyword arguments)
    ("w.x", "x'", ["w"], VEC, {}),
    ("w ⊙ x", "diag(w)", ["x"], VEC, {}),
    ("max(0, w.x + b)", "step(w.x + b) x'", ["w"], VEC, {}),
    ("x + z", ones(("n", 1)), ["z"], VEC, {}),
    ("sum(x z)", "sum(x)", ["z"], VEC, {}),
    ("x' @ A @ x", "x' @ (A + A')", ["x"], QUAD, {}),
    ("tr(A @ X)", "A'", ["X"], MATS, {}),
    ("tr(A @ X)", "A'", ["X"], {"A": "m,n", "X": "n,m"}, {}),
    ("logdet(X)", "inv(X)'", ["X"], MATS, {}),
    ("x' @ A @ x", "A + A'", ["x"], QUAD, {"order": 2}),
    ("[3*x^2*y, 2*x + y^8]", "[6*x*y, 3*x^2; 2, 8*y^7]", ["x", "y"], SCALARS, {}),
    ("w.x", "x", ["w"], VEC, {"layout": "denominator"}),
    ("logsumexp(x)", "softmax(x)'", ["x"], VEC, {}),
    ("sigmoid(w.x)", "sigmoid(w.x) * (1 - sigmoid(w.x)) x'", ["w"], VEC, {}),
    ("max(0, M @ w + b)", "diag(step(M @ w + b)) @ M", ["w"], {"M": "m,n", **VEC}, {}),
]


@pytest.mark.parametrize("expr, result, wrt, shapes, kw", CORRECT,
                         ids=[f"{c[0]} by {','.join(c[2])}" for c in CORRECT])
def test_correct_closed_forms_pass_both_methods(expr, result, wrt, shapes, kw):
    report = check_derivative(expr, result, wrt, shapes, **kw)
    assert [m.name for m in report.methods] == ["exact", "numeric"]
    assert report.passed, str(report)
    assert all(m.passed for m in report.methods)
    exact, numeric = report.methods
    assert "proved equal symbolically" in exact.note
    assert numeric.worst_error < 1e-5


WRONG = [
    ("w.x", "-x'", ["w"], VEC, {}, "sign flipped"),
    ("w.x", "2 x'", ["w"], VEC, {}, "wrong factor"),
    ("w.x", "x", ["w"], VEC, {}, "transposed (a column, numerator layout wants a row)"),
    ("w.x", "x'", ["w"], VEC, {"layout": "denominator"}, "row in denominator layout"),
    ("tr(A @ X)", "A", ["X"], MATS, {}, "transposed"),
    ("x' @ A @ x", "2 x' @ A", ["x"], QUAD, {}, "symmetric-only formula"),
    ("logdet(X)", "inv(X)", ["X"], MATS, {}, "transposed inverse"),
    ("max(0, w.x + b)", "step(-(w.x + b)) x'", ["w"], VEC, {}, "step on the wrong side"),
    ("x' @ A @ x", "A", ["x"], QUAD, {"order": 2}, "Hessian missing Aᵀ"),
    ("[3*x^2*y, 2*x + y^8]", "[6*x*y, 2; 3*x^2, 8*y^7]", ["x", "y"], SCALARS, {},
     "Jacobian transposed"),
]


@pytest.mark.parametrize("expr, result, wrt, shapes, kw, why", WRONG,
                         ids=[f"{c[0]}: {c[5]}" for c in WRONG])
def test_wrong_closed_forms_fail_both_methods(expr, result, wrt, shapes, kw, why):
    report = check_derivative(expr, result, wrt, shapes, **kw)
    assert not report.passed
    assert [m.passed for m in report.methods] == [False, False], str(report)
    assert "FAILED" in str(report)


def test_failure_note_names_the_first_differing_entry():
    exact = check_derivative("tr(A @ X)", "A", ["X"], MATS, methods=("exact",)).methods[0]
    assert "6 of 9 entries differ" in exact.note and "[0, 1]" in exact.note


def test_equal_away_from_kinks_is_checked_at_points_and_said_so():
    # step(x) = 1 - step(-x) except at 0: not provable, true at every sample point
    report = check_derivative("sum(max(0, x))", "(1 - step(-x))'", ["x"], VEC)
    assert report.passed, str(report)
    assert "only sampled at 5 rational points" in report.methods[0].note


def test_report_text_and_json():
    report = check_derivative("w.x", "x'", "w", VEC, sizes={"n": 4})
    text = str(report).splitlines()
    assert text[0].startswith("check: exact   passed  (n=4; 4 entries proved")
    assert text[1].startswith("check: numeric passed  (n=4; worst relative error")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is True and data["methods"][1]["sizes"] == {"n": 4}


def test_sizes_are_small_distinct_and_user_selectable():
    assert assign_sizes(["n", "m", "k"], {"n": 3, "m": 2, "k": 4}, None) == \
        {"n": 3, "m": 2, "k": 4}
    chosen = assign_sizes(["n", "m", "N"], {"n": 3, "m": 2}, {"m": 3})
    assert chosen["m"] == 3 and len(set(chosen.values())) == 3
    report = check_derivative("M @ x", "M", ["x"], {"M": "m,n", "x": "n"})
    assert report.methods[0].sizes == {"m": 2, "n": 3}
    assert report.methods[1].sizes["n"] > 3 and report.methods[1].sizes["m"] > 2


def test_unevaluable_node_is_a_check_error_not_a_pass():
    x = var("x", ("n", 1))
    differential = Expr("d", (x,), ("n", 1))
    with pytest.raises(matcalc.CheckError, match="differential"):
        check_derivative(differential, "x", "x", VEC)
    with pytest.raises(matcalc.CheckError, match="differential"):
        check_derivative("x", differential, "x", VEC, methods=("numeric",))


def test_bad_method_and_missing_shape_are_check_errors():
    with pytest.raises(matcalc.CheckError):
        check_derivative("w.x", "x'", "w", VEC, methods=("magic",))
    with pytest.raises(matcalc.CheckError):
        check_derivative("w.x", "x'", "v", VEC)


def test_large_expansion_is_skipped_with_a_note_not_hung():
    # d inv(X) / dX at n=7 has 7^4 = 2401 entries: beyond the exact cap
    X = var("X", ("n", "n"))
    inv = Expr("inv", (X,), ("n", "n"))
    closed = Expr("neg", (Expr("kron", (inv, Expr("T", (inv,), ("n", "n"))),
                               ("n*n", "n*n")),), ("n*n", "n*n"))
    report = check_derivative("inv(X)", closed, "X", MATS, sizes={"n": 7})
    exact, numeric = report.methods
    assert exact.skipped and "2401 entries" in exact.note
    assert numeric.passed and report.passed
    assert "skipped" in str(report)
    assert not CheckReport([exact]).passed      # nothing ran: not a pass


def test_sympy_timeout_is_a_skip(monkeypatch):
    monkeypatch.setattr(check_exact, "EXACT_TIME_LIMIT", 1e-6)
    report = check_derivative("sum(sin(x)^2)", "sin(2 x)'", "x", VEC, methods=("exact",))
    assert report.methods[0].skipped and "longer than" in report.methods[0].note


def test_vector_by_matrix_tensor():
    # ∂(M x)/∂M: entry [i, (a, b)] = δ_ia x_b  -> kron(I_m, xᵀ), m × (m·n)
    closed = Expr("kron", (eye("m"), Expr("T", (var("x", ("n", 1)),), (1, "n"))),
                  ("m", "m*n"))
    shapes = {"M": "m,n", "x": "n"}
    assert check_derivative("M @ x", closed, "M", shapes).passed
    wrong = Expr("kron", (Expr("T", (var("x", ("n", 1)),), (1, "n")), eye("m")),
                 ("m", "n*m"))
    report = check_derivative("M @ x", wrong, "M", shapes)
    assert [m.passed for m in report.methods] == [False, False]


def test_import_matcalc_loads_neither_sympy_nor_numpy():
    code = ("import sys, matcalc, matcalc.check, matcalc.evaluate, matcalc.sympy_bridge, "
            "matcalc.check.exact, matcalc.check.numeric, matcalc.check.problem; "
            "assert 'sympy' not in sys.modules, 'sympy'; "
            "assert 'numpy' not in sys.modules, 'numpy'")
    subprocess.run([sys.executable, "-c", code], check=True)
