"""The column-major vec (vec="column", --vec column): the array convention, the refusals and
the outputs that carry it.  The values themselves are proved by tests/cases/column-major.toml."""
import json
import subprocess
import sys

import numpy as np
import pytest

import matcalc
from matcalc.conventions import to_array
from matcalc.errors import UsageError


def test_to_array_reads_each_axis_group_in_fortran_order():
    rng = np.random.default_rng(0)
    full = rng.normal(size=(2, 3, 4, 5))          # ∂Y_ij/∂X_kl, Y 2×3, X 4×5
    col = full.transpose(1, 0, 3, 2).reshape(6, 20)   # rows (j, i), columns (l, k)
    np.testing.assert_array_equal(to_array(col, (2, 3), (4, 5), 1, vec="column"), full)
    np.testing.assert_array_equal(to_array(full.reshape(6, 20), (2, 3), (4, 5)), full)


def test_vectors_read_the_same_in_both_orders():
    row = matcalc.derive("x @ y'", "x", shapes={"x": "n", "y": "m"})
    col = matcalc.derive("x @ y'", "x", shapes={"x": "n", "y": "m"}, vec="column")
    assert str(col.result) != str(row.result)     # Y = x yᵀ is a matrix: the rows reorder
    same = matcalc.derive("softmax(x)", "x", shapes={"x": "n"}, vec="column")
    assert str(same.result) == str(matcalc.derive("softmax(x)", "x", shapes={"x": "n"}).result)


def test_a_mixed_kronecker_form_is_refused_with_a_reason():
    with pytest.raises(UsageError, match="column-major vec is defined for a Jacobian"):
        matcalc.derive("tr(X' @ A @ Y)", ["X", "Y"], shapes={"X": "n,m", "A": "n,k",
                                                              "Y": "k,m"},
                       mixed=True, form="kron", vec="column")


def test_a_bad_vec_is_a_usage_error():
    with pytest.raises(UsageError, match="vec must be 'row' or 'column'"):
        matcalc.derive("A @ X", "X", shapes={"A": "m,n", "X": "n,p"}, vec="fortran")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True,
                          text=True, timeout=120)


def test_cli_column_major_states_its_convention_and_json_carries_it():
    r = _cli("derive", "A @ X @ B", "--wrt", "X", "--vec", "column")
    assert r.returncode == 0, r.stderr
    assert "= kron(Bᵀ, A)" in r.stdout and "vec column-major" in r.stdout
    r = _cli("derive", "A @ X @ B", "--wrt", "X", "--vec", "column", "--format", "json")
    out = json.loads(r.stdout)
    assert out["vec"] == "column" and out["forms"]["kron"] == "kron(Bᵀ, A)"


def test_cli_refusal_exits_2():
    r = _cli("derive", "tr(X' @ A @ Y)", "--wrt", "X,Y", "--mixed", "--shape", "X:n,m",
             "--shape", "A:n,k", "--shape", "Y:k,m", "--form", "kron", "--vec", "column")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "column-major" in r.stderr
