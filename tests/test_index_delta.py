"""A Kronecker delta δ_ii under a sum is 1 for each i: the size of i only where no other
factor carries i.  Counting it as the size everywhere gave `tr(sum(u) diag(v))` by u the index
form Σ_p m v_p, m times too large (found by the oracle: a Hessian read back from the index
form, `tr(diag(C v) ⊘ sigmoid(-mean(kron(z, u))))`, off by m)."""
import pytest

import matcalc

S = {"u": "m", "v": "m", "V": "m,m", "z": "n", "C": "m,m"}


@pytest.mark.parametrize("text, order", [
    ("tr(sum(u) * diag(v))", 1),
    ("tr(diag(sum(u) * v))", 1),
    ("tr(diag(v) ⊘ mean(kron(z, u)))", 1),
    ("tr(sum(u) * V)", 1),
    ("tr(diag(C @ v) ⊘ sigmoid(-mean(kron(z, u))))", 2),
])
def test_a_delta_on_a_summed_index_another_factor_carries_is_one(text, order):
    d = matcalc.derive(text, "u", shapes=S, order=order)
    report = d.check(sizes={"m": 4, "n": 3}, methods=("numeric",))
    assert report.passed and all(m.passed for m in report.methods), str(report)


def test_the_index_form_of_a_trace_of_a_scaled_diagonal():
    d = matcalc.derive("tr(sum(u) * diag(v))", "u", shapes=S, form="index")
    assert d.to_dict()["forms"]["index"] == "∂f/∂u_i = Σ_p v_p"
