"""The checker on right answers that are hard to sample or to difference (issue 11, items 8
and 9): it must not fail them for rounding, and it must find points inside the domain —
saying what it assumed to get there."""
import pytest

import matcalc
from matcalc.check import check_derivative

LOGISTIC = "-(y' @ log(sigmoid(X @ w)) + (1 - y)' @ log(1 - sigmoid(X @ w)))"


@pytest.mark.parametrize("seed", range(6))
def test_a_right_logistic_hessian_is_not_failed_for_rounding(seed):
    # it failed every run with a worst relative error of 1.3e-4 (tolerance 1e-4)
    d = matcalc.derive(LOGISTIC, "w", shapes={"X": "m,n", "y": "m"}, order=2)
    report = d.check(methods=("numeric",), seed=seed)
    assert report.passed, str(report)


def test_a_wrong_hessian_still_fails_the_numeric_method():
    report = check_derivative("x' @ A @ x", "A + A' + 1e-3 * I", ["x"], {"x": "n", "A": "n,n"},
                              order=2, methods=("numeric",))
    assert not report.passed, str(report)


def test_sizes_where_the_input_is_defined_are_found_and_stated():
    # Xᵀ A X with X m×n is singular when m < n: the assigned sizes (n=7, m=5) have no point
    d = matcalc.derive("logdet(X' @ A @ X)", "X", shapes={"X": "m,n", "A": "m,m"})
    report = d.check()
    assert report.passed, str(report)
    numeric = report.methods[1]
    assert numeric.sizes["m"] >= numeric.sizes["n"]
    assert "the assigned ones leave no point inside the domain" in numeric.note


def test_the_widest_strategy_samples_symmetric_positive_definite_matrices():
    import numpy as np
    from matcalc.check.problem import Problem, _draw
    problem = Problem("logdet(X' @ A @ X)", "inv(X' @ A @ X)", ["X"],
                      {"X": "m,n", "A": "m,m"}, 1, "numerator")
    env = _draw(problem, {"m": 5, "n": 3}, np.random.default_rng(0), "spd", False)
    a = env["A"]
    assert np.allclose(a, a.T) and np.min(np.linalg.eigvalsh(a)) > 0
    assert env["X"].shape == (5, 3) and np.all(env["X"] > 0)


def test_sampled_only_entries_are_reported_as_not_proved():
    report = check_derivative("sum(max(0, x))", "(1 - step(-x))'", ["x"], {"x": "n"},
                              methods=("exact",))
    note = report.methods[0].note
    assert report.passed and "not proved, only sampled at 5 rational points" in note
