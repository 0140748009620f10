"""Random well-shaped expressions (every operator and function of the language, depth ≤ 6),
differentiated by a random variable and proved by the checker: numerically always, exactly
where small.  CI runs a few hundred examples; `pytest -m slow` runs ≥ 20,000
(MATCALC_FUZZ_EXAMPLES overrides).  A failure prints hypothesis's seed and blob; every
failure found becomes a regression case in REGRESSIONS below."""
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcalc
from matcalc.errors import CheckError, ParseError, UnsupportedError
from tests.strategies import SHAPES, expr

CI_EXAMPLES = int(os.environ.get("MATCALC_FUZZ_EXAMPLES", "300"))
SLOW_EXAMPLES = int(os.environ.get("MATCALC_FUZZ_EXAMPLES", "20000"))
VARIABLES = sorted(SHAPES)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HEAVY = re.compile(r"inv|det|softmax|logsumexp|trace|tr\(")

# shapes of expression we fuzz, and variables: what matcalc promises to derive (docs/design.md §6)
EXPR_SHAPES = [(1, 1)] * 4 + [("n", 1), ("m", 1)]

COUNTS = {"derived": 0, "proved": 0, "unsupported": 0, "no domain": 0, "not real": 0}


@st.composite
def problems(draw):
    shape = draw(st.sampled_from(EXPR_SHAPES))
    text = draw(expr(shape, draw(st.integers(1, 6))))
    present = sorted({v for v in NAME.findall(text) if v in SHAPES})
    if not present:
        present = VARIABLES
    wrt = draw(st.sampled_from(present))
    return text, wrt


def _run(text, wrt, exact_limit=60):
    try:
        d = matcalc.derive(text, wrt, shapes=SHAPES)
    except ParseError as e:
        # a number with no real value (log(0), sqrt(-1), (-8)^(1/3), x / (1 - 1)) is refused
        # where it is written
        assert e.label in ("not-real", "division-by-zero"), (text, wrt, str(e))
        COUNTS["not real"] += 1
        return
    except UnsupportedError as e:
        # only a vector (or matrix) by a matrix-shaped intermediate may be out of reach
        assert e.label in ("tensor-derivative", "no-rule"), (text, wrt, str(e))
        assert matcalc.parse(text, SHAPES).shape != (1, 1) or e.label == "no-rule", \
            f"a scalar must always be differentiable: {text!r} by {wrt}: {e}"
        COUNTS["unsupported"] += 1
        return
    COUNTS["derived"] += 1
    assert d.result.shape is not None
    # the exact method expands matrices symbolically: keep it to small inputs without
    # inverses/determinants (those are proved exactly by the rule and case suites)
    small = len(text) < exact_limit and not HEAVY.search(text)
    methods = ("numeric", "exact") if small else ("numeric",)
    try:
        report = d.check(methods=methods)
    except CheckError as e:
        assert e.label == "no-domain", str(e)
        COUNTS["no domain"] += 1
        return
    if all(m.skipped for m in report.methods):
        COUNTS["no domain"] += 1           # e.g. logdet of a singular Gram matrix
        return
    if not report.passed and "exact" not in methods:
        # finite differences can fail on a pathological input (sin of e^(3S) inside a logdet);
        # the exact method at the smallest distinct sizes is the stronger arbiter
        exact = d.check(methods=("exact",), sizes={"n": 2, "m": 3})
        if exact.passed and not all(m.skipped for m in exact.methods):
            COUNTS["proved"] += 1
            return
    assert report.passed, f"{text!r} by {wrt}: {d}\n{report}"
    COUNTS["proved"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    # shown with `pytest -s` (the slow profile's run prints it for the record)
    print(f"\nfuzzed derivations: {COUNTS}")


REGRESSIONS = [
    # (text, wrt) found by this fuzzer; each was a bug, fixed, and stays as a case
    ("sum(x z)", "z"),
    # the true derivative is 0 (softmax ignores a constant shift): finite-difference noise
    # was read as a relative error of 1
    ("exp(softmax(log(relu(a * x)^(2))))", "a"),
    # SymPy raised "nan is not comparable" inside Min in the exact check
    ("exp(-min(-exp(sign(a)), min(0, a)))", "a"),
    # logdet of a singular Gram matrix (A is m×n, m < n): no point where it is defined;
    # the exact method passed vacuously, the numeric one read round-off as failure
    ("logdet((A') @ A)", "A"),
    # SymPy leaves d sign(log a)/da unevaluated and cannot substitute numbers into it
    ("sign(log(a))", "a"),
    # tan(tan(x)) near a pole: central differences are less accurate than the tolerance
    # (the exact method proves it; the numeric one now says where it cannot tell)
    ("exp(tan(tan(x'))) @ x", "x"),
    # sin of e^(e^(e^a)) ~ sin(10⁶): central differences step over whole periods
    ("sin(exp(exp(exp(a))))", "a"),
    # a WRONG answer (b (b - c) instead of b / (b - c)): carrying a sign into (c - b)
    # overwrote the exponent of an existing factor (b - c)^-2 in the normal form
    ("b / ((b - c) / a)", "a"),
    # a singular matrix next to the sample point raised inside the finite differences
    ("tr(-(-inv(-((A') @ A))))", "A"),
    # the evaluator's lazy diag met another lazy diag in an element-wise product
    ("tr(-exp(diag(x) * diag(x)))", "x"),
    # logdet of a rank-deficient Gram matrix: det 1e-30 in floating point, not a value
    ("a + logdet((A') @ kron(a, A))", "a"),
    # logdet of a badly conditioned matrix: differences through its inverse cannot be trusted
    ("logdet(sin(-(exp(S)^(3))))", "S"),
    # log(-1) = iπ: SymPy's Heaviside refused it while the exact method expanded the input
    # (an internal error, exit 70); then that method said the input is not real-valued; now
    # the text is refused where log(-1) is written (label not-real)
    ("step(log(-(1)))", "A"),
]


@pytest.mark.parametrize("text,wrt", REGRESSIONS)
def test_regression(text, wrt):
    _run(text, wrt)


@settings(max_examples=CI_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problems())
def test_random_derivations_are_proved(problem):
    _run(*problem)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(problems())
def test_random_derivations_are_proved_slow(problem):
    _run(*problem, exact_limit=30)
