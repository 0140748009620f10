"""The autodiff oracle (issue 11): random well-typed problems, derived by matcalc, compared on
shape and value — `lambdify()` and every code export — with autograd's Jacobian/Hessian.

CI runs 500 problems (`MATCALC_ORACLE_EXAMPLES` overrides); `pytest -m slow` runs 20,000 and
records its counts in tests/oracle/last_run.json.  Wrong answers do not stop the run: every
problem is judged and counted (summary at the end of the session), then the test fails listing
the smallest reproducer of each kind of wrong answer.  REGRESSIONS are deterministic cases,
each a wrong answer of matcalc found by the issue or by this oracle.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import matcalc
from tests.oracle.compare import BACKENDS, judge
from tests.oracle.generate import problems
from tests.oracle.known import KNOWN
from tests.oracle.problem import Problem
from tests.oracle.tally import Tally, write_json
from tests.oracle.tree import SCALAR, Num, Op, Var
from tests.oracle.truth import truth_at

CI_EXAMPLES = int(os.environ.get("MATCALC_ORACLE_EXAMPLES", "500"))
SLOW_EXAMPLES = int(os.environ.get("MATCALC_ORACLE_EXAMPLES", "20000"))
# JAX compiles every primitive at every new shape (~45 ms each): CI compares the JAX export
# on one problem in CI_JAX_SHARE, the slow profile on every problem.
CI_JAX_SHARE = 2


def _run(tally: Tally, examples: int, jax_share: int) -> None:
    for backend, reason in BACKENDS.items():
        if reason is not None:
            tally.skipped[backend] = reason
    if jax_share > 1 and BACKENDS.get("jax") is None:
        tally.skipped["jax (part)"] = f"compared on about 1 problem in {jax_share} (CI time)"

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(problems(), st.integers(0, 2 ** 32 - 1), st.integers(0, jax_share - 1))
    def one(problem, seed, jax_lot):
        backends = [b for b, r in BACKENDS.items()
                    if r is None and (b != "jax" or jax_lot == 0)]
        tally.record(judge(problem, seed, backends=backends), backends[1:] + backends[:1])

    one()
    if tally.name == "slow":
        write_json(tally)
    assert tally.total >= examples
    # an oracle that compares almost nothing proves nothing
    assert tally.kinds["correct"] + tally.kinds["wrong"] >= tally.total // 2, tally.kinds
    # reported defects of files the oracle's owners may not edit stay rare (tests/oracle/known.py)
    assert tally.kinds["known defect"] <= tally.total // 100, tally.known
    report = "\n".join(f"{n} × {sig}\n{o.report()}" for sig, n, o in tally.wrong_by_signature())
    assert not tally.wrong, f"{len(tally.wrong)} wrong answers:\n{report}"


def test_oracle():
    _run(Tally("ci"), CI_EXAMPLES, CI_JAX_SHARE)


@pytest.mark.slow
def test_oracle_slow():
    _run(Tally("slow"), SLOW_EXAMPLES, 1)


# -- deterministic regression cases: each a wrong answer of matcalc ------------------------------

x, y = Var("x", ("n", 1)), Var("y", ("m", 1))
a, A, X = Var("a", SCALAR), Var("A", ("n", "n")), Var("X", ("n", "m"))
W, V = Var("W", ("m", "n")), Var("V", ("n", "m"))
INT = (("n", "3"), ("m", "2"))                     # integer sizes: n = 3, m = 2


def _p(expr, wrt, order=1, layout="numerator", n=3, m=2, tokens=None, form="auto",
       mixed=False):
    return Problem(expr, (wrt,) if isinstance(wrt, str) else tuple(wrt), order, layout,
                   (("n", n), ("m", m)), tokens or (("n", "n"), ("m", "m")), form, mixed)


def _abs(e):
    return Op("fn", (e,), "abs")


REGRESSIONS = [
    # (id, problem, point) — from issue 11 unless marked "oracle"
    ("max-tie-transposes", _p(Op("max", (Op("T", (x,), "'"), Op("T", (x,), ".T"))), "x"),
     {"x": np.array([0.5, -0.3, 0.2])}),
    ("min-tie-abs", _p(Op("min", (x, _abs(x))), "x", n=2), {"x": np.array([0.5, -0.3])}),
    ("max-tie-abs-scalar", _p(Op("max", (_abs(a), a)), "a"), {"a": 0.7}),
    ("mean-mixed-sizes", _p(Op("mean", (X,)), "X", m=4, tokens=(("n", "N"), ("m", "4"))),
     {"X": np.arange(12.0).reshape(3, 4) / 10}),
    ("vector-by-scalar-denominator", _p(Op("mul", (x, a)), "a", layout="denominator"),
     {"x": np.array([0.5, -0.3, 0.2]), "a": 0.7}),
    ("lambdify-matrix-by-scalar", _p(Op("mul", (W, a)), "a", tokens=INT),
     {"W": np.arange(6.0).reshape(2, 3), "a": 0.7}),
    ("export-vector-by-matrix", _p(Op("matmul", (W, x)), "W", tokens=INT),
     {"W": np.arange(6.0).reshape(2, 3), "x": np.array([0.5, -0.3, 0.2])}),
    ("export-kronecker-sizes", _p(Op("sum", (Op("kron", (x, y)),)), "x"),
     {"x": np.array([0.5, -0.3, 0.2]), "y": np.array([1.0, 2.0])}),
    ("export-constant-power", _p(Op("add", (a, Op("pow", (Op("add", (_abs(Num(2.0)),
                                                                     Num(2.0))),), -1.0))), "a"),
     {"a": 0.7}),
    ("logsumexp-overflow", _p(Op("logsumexp", (A,)), "A", n=2),
     {"A": np.array([[800.0, 0.0], [0.0, 1.0]])}),
    # oracle: the value of mean(W) with W: m×3 is sum(W) / (3·3m) — mixed sizes again
    ("mean-mixed-sizes-value", _p(Op("mul", (a, Op("mean", (W,)))), "a", m=4,
                                  tokens=(("n", "3"), ("m", "m"))),
     {"a": 0.5, "W": np.arange(12.0).reshape(4, 3) / 10}),
    # oracle: max(x, x) by x is 0 (truth I) — the tie class at its smallest
    ("max-tie-same", _p(Op("max", (x, x)), "x"), {"x": np.array([0.5, -0.3, 0.2])}),
    # oracle: a tie in one factor of a product drops that factor's term only
    ("min-tie-in-a-product", _p(Op("matmul", (Op("matmul", (Op("T", (x,), ".T"),
                                                            Op("T", (W,), ".T"))),
                                              Op("matmul", (Op("min", (W, W)), x)))), "W"),
     {"x": np.array([0.5, -0.3, 0.2]), "W": np.arange(6.0).reshape(2, 3) / 10 - 0.2}),
]
c, b = Var("c", SCALAR), Var("b", SCALAR)
B, K, U = Var("B", ("n", "n")), Var("K", ("m", "n")), Var("u", ("m", 1))
REGRESSIONS += [
    # oracle, after the first fixes: Σ_pq A_pq was dropped reading the index form back
    ("sum-kron-by-the-right-factor", _p(Op("sum", (Op("kron", (A, B)),)), "B", n=2),
     {"A": np.array([[2.0, 1.0], [0.5, 3.0]]), "B": np.eye(2)}),
    # a matrix by a scalar, order 2: y's shape (the convention), not count(y)×1
    ("matrix-by-scalar-order-2", _p(Op("mul", (W, Op("pow", (a,), 3.0))), "a", order=2),
     {"W": np.arange(6.0).reshape(2, 3), "a": 0.7}),
    # tensor forms exported (a PrintError before: no code for the differential)
    ("export-transpose-by-itself", _p(Op("T", (V,), "'"), "V", tokens=INT),
     {"V": np.arange(6.0).reshape(3, 2)}),
    ("export-det-hessian", _p(Op("det", (A,)), "A", order=2, n=2),
     {"A": np.array([[3.0, 1.0], [0.5, 2.0]])}),
    ("export-differential-form-by-a-scalar",
     _p(Op("mul", (a, Op("fn", (x,), "tanh"))), "a", form="differential"),
     {"a": 0.7, "x": np.array([0.5, -0.3, 0.2])}),
    ("export-index-form-constant-term", _p(b, "b", form="index"), {"b": 0.5}),
    ("export-index-form-mean", _p(Op("mean", (U,)), "u", form="index"),
     {"u": np.array([0.2, 0.8])}),
    # log(sigmoid(u - 2)) as -softplus(-(u - 2)): the sign of the whole argument
    ("export-stable-log-sigmoid", _p(Op("fn", (Op("fn", (Op("sub", (U, Num(2.0))),),
                                                   "sigmoid"),), "log"), "u"),
     {"u": np.array([-0.9635, 0.0775])}),
    # order 3 and mixed partials, exported as einsum terms
    ("order-3-by-a-vector", _p(Op("sum", (Op("fn", (x,), "exp"),)), "x", order=3),
     {"x": np.array([0.5, -0.3, 0.2])}),
    ("mixed-partial-matrix-vector", _p(Op("fn", (Op("matmul", (W, x)),), "tanh"), ("W", "x"),
                                       order=2, mixed=True, tokens=INT),
     {"W": np.arange(6.0).reshape(2, 3) / 10, "x": np.array([0.5, -0.3, 0.2])}),
    ("mixed-partial-kron-form", _p(Op("matmul", (Op("matmul", (Op("T", (x,), "'"), A)), x)),
                                   ("x", "A"), order=2, mixed=True, form="kron"),
     {"x": np.array([0.5, -0.3, 0.2]), "A": np.eye(3) + 0.1}),
]
# oracle: integer constants reach the PyTorch / JAX exports (torch.clamp of ints; JAX's
# logistic refuses int64): (id, problem, point, backend)
BACKEND_REGRESSIONS = [
    ("pytorch-max-of-constants", _p(Op("mul", (a, Op("max", (Num(3.0), Num(2.0))))), "a"),
     {"a": 0.5}, "pytorch"),
    ("pytorch-relu-of-constant", _p(Op("mul", (a, Op("fn", (Num(3.0),), "relu"))), "a"),
     {"a": 0.5}, "pytorch"),
    ("jax-sigmoid-of-constant", _p(Op("mul", (a, Op("fn", (Num(3.0),), "sigmoid"))), "a"),
     {"a": 0.5}, "jax"),
    ("pytorch-sigmoid-of-float-constant",
     _p(Op("mul", (a, Op("fn", (Op("pow", (Num(1.5),), 2.0),), "sigmoid"))), "a"),
     {"a": 0.5}, "pytorch"),
    # two constants: Python's min, not torch.minimum of floats
    ("pytorch-min-of-constant-mins", _p(Op("mul", (a, Op("min", (Op("min", (Num(2.0), Num(2.0))),
                                                               Op("min", (Num(2.0), Num(2.0))))))),
                                        "a"), {"a": 0.5}, "pytorch"),
    # a row by a matrix inside a product: the PyTorch export crashes in .view
    ("pytorch-row-by-matrix-view", _p(Op("matmul", (Op("T", (x,), "'"),
                                                    Op("matmul", (V, W)))), "V", tokens=INT),
     {"x": np.array([0.5, -0.3, 0.2]), "V": np.arange(6.0).reshape(3, 2) / 10,
      "W": np.arange(6.0).reshape(2, 3) / 10 - 0.2}, "pytorch"),
]


@pytest.mark.parametrize("problem,point", [pytest.param(p, pt, id=i) for i, p, pt in REGRESSIONS])
def test_regression(problem, point):
    outcome = judge(problem, 0, point)
    assert outcome.kind == "correct", outcome.report()


@pytest.mark.parametrize("problem,point,backend",
                         [pytest.param(*c[1:], id=c[0]) for c in BACKEND_REGRESSIONS])
def test_backend_regression(problem, point, backend):
    if BACKENDS[backend] is not None:
        pytest.skip(BACKENDS[backend])
    outcome = judge(problem, 0, point, backends=["numpy", backend])
    assert outcome.kind == "correct", outcome.report()


@pytest.mark.parametrize("defect", KNOWN, ids=[k.id for k in KNOWN])
def test_known_defects_still_reproduce(defect):
    """Each reported defect is still there — when its owner fixes it, this fails: remove the
    entry from tests/oracle/known.py (and keep the reproducer as a regression case)."""
    text, wrt, shapes, layout = defect.reproducer
    d = matcalc.derive(text, wrt, shapes=shapes, layout=layout)
    rng = np.random.default_rng(0)
    env = {k: rng.uniform(0.5, 1.5, [3 if x == "n" else 2 for x in v.split(",")])
           for k, v in shapes.items()}
    numerator = matcalc.derive(text, wrt, shapes=shapes).lambdify()(**env)
    got = d.lambdify()(**env)
    assert got.shape != numerator.shape or not np.allclose(got, numerator), defect.fix


# -- the oracle itself: its truth, its handling of ties and kinks, and that it can fail ----------

def test_truth_of_a_quadratic_form_and_its_hessian():
    Ad = np.array([[3.0, 1.0, 0.0], [2.0, 4.0, 1.0], [0.0, 1.0, 5.0]])
    xv = np.array([0.5, -0.3, 0.2])
    q = Op("matmul", (Op("matmul", (Op("T", (x,), "'"), A)), x))
    t1 = truth_at(_p(q, "x"), {"x": xv, "A": Ad})
    t2 = truth_at(_p(q, "x", order=2), {"x": xv, "A": Ad})
    np.testing.assert_allclose(t1.deriv, (Ad + Ad.T) @ xv)
    np.testing.assert_allclose(t2.deriv, Ad + Ad.T)
    assert t1.value.shape == () and t2.deriv.shape == (3, 3)


def test_a_tie_with_agreeing_branches_is_a_truth_and_a_kink_is_not():
    tie = truth_at(_p(Op("min", (x, _abs(x))), "x", n=2), {"x": np.array([0.5, -0.3])})
    np.testing.assert_allclose(tie.deriv, np.eye(2))
    assert tie.ties == 1 and tie.branches == 2
    kink = _p(Op("max", (x, Op("neg", (x,)))), "x")
    assert truth_at(kink, {"x": np.array([0.0, 1.0, 2.0])}).startswith("kink at a tie")
    assert truth_at(kink, {"x": np.array([1e-4, 1.0, 2.0])}).startswith("near a kink")


def test_the_oracle_reports_a_wrong_derivative(monkeypatch):
    real = matcalc.derive
    problem = _p(Op("dot", (x, x)), "x")
    monkeypatch.setattr(matcalc, "derive", lambda text, *args, **kw: real("3 * dot(x, x)",
                                                                         *args, **kw))
    outcome = judge(problem, 0, {"x": np.array([0.5, -0.3, 0.2])})
    assert outcome.kind == "wrong"
    channels = {c for c, _, _ in outcome.failures}
    assert {"lambdify", "export numpy"} <= channels
    assert {w for _, w, _ in outcome.failures} == {"derivative wrong", "value wrong"}, \
        outcome.report()
