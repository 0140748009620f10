"""The case suite beyond the paper (issue 5): named problems kept as data in tests/cases/*.toml,
one file per family, each with its expected closed form derived by hand.

Every case is tested three ways, separately, so that a readability gap never hides a wrong value:

- value: matcalc's derivative is proved right (exact SymPy expansion and central differences),
  and a Hessian is symmetric;
- form:  it has the expected closed form (`assert_same_form`: structural, up to the order of sums
  and scalar factors, after simplifying the expected text);
- truth: the hand-written expected form is itself proved right by the same checker, without the
  rule engine — so the suite cannot encode a wrong expectation.

Known gaps are data too: `xfail` (the form test; strict=False for the simplifier), `xfail_value`
(the value test), `strict`, `unsupported` (derivatives the engine refuses with
`UnsupportedError`: strict, so they fail loudly the day they work) and `xfail_parse` (an
expected text the parser cannot size today: strict; `check_expect` then spells the same closed
form for the truth test).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import matcalc
from matcalc.check import check_derivative
from matcalc.check.problem import EXACT_SIZES, NUMERIC_SIZES, assign_sizes
from matcalc.conventions import expected_matrix_shape, numpy_shape, wrt_shape
from matcalc.sizes import parse_decl, resolve_dim
from matcalc.sizes import SCALAR
from matcalc.tree import Expr
from tests.helpers import assert_checked, assert_same_form

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CASES_DIR = Path(__file__).resolve().parent / "cases"


@dataclass(frozen=True)
class Case:
    family: str
    id: str
    expr: str
    wrt: str | list
    source: str
    expect: str = ""
    shapes: dict = field(default_factory=dict)
    order: int = 1
    layout: str = "numerator"
    xfail: str = ""              # the form test: a readability gap (or an engine gap)
    xfail_value: str = ""        # the value test: a wrong or unproved value
    strict: bool = False
    unsupported: str = ""        # the engine raises UnsupportedError (strict xfail)
    xfail_parse: str = ""        # the expected text does not parse today (strict xfail)
    check_expect: str = ""       # `expect` spelled for today's parser, for the truth test
    sizes: dict = field(default_factory=dict)   # concrete sizes for both checks (speed)
    form: str = "auto"           # how the answer is asked for (matrix kron differential index)
    mixed: bool = False          # wrt names successive rounds: ∂²f/∂x∂y
    sym: str = "sym"             # the convention by a symmetric variable
    vec: str = "row"             # the vec order of a Kronecker form (row, column)
    printed: str = ""            # the answer as printed, where no text can state it (a
                                 # differential, an index form): compared as text

    @property
    def name(self) -> str:
        return f"{self.family}/{self.id}"

    def __hash__(self):
        return hash(self.name)


_FIELDS = set(Case.__dataclass_fields__) - {"family"}


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        family = data["family"]["id"]
        for raw in data.get("case", []):
            unknown = set(raw) - _FIELDS
            assert not unknown, f"{path.name}: case {raw.get('id')!r} has unknown fields {unknown}"
            cases.append(Case(family=family, **raw))
    return cases


CASES = load_cases()


def _marks(case: Case, test: str) -> list:
    if case.unsupported and test != "truth":
        return [pytest.mark.xfail(strict=True, raises=matcalc.UnsupportedError,
                                  reason=case.unsupported)]
    if test == "form" and case.xfail_parse:
        return [pytest.mark.xfail(strict=True, raises=matcalc.ShapeError,
                                  reason=case.xfail_parse)]
    if test == "truth":       # a checker bug fails the proof of the expected form alike
        reason = case.xfail_value if case.xfail_value.startswith("checker:") else ""
        return [pytest.mark.xfail(strict=case.strict, reason=reason)] if reason else []
    reason = case.xfail if test == "form" else case.xfail_value
    return [pytest.mark.xfail(strict=case.strict, reason=reason)] if reason else []


def _params(test: str) -> list:
    return [pytest.param(c, id=c.name, marks=_marks(c, test)) for c in CASES]


@functools.lru_cache(maxsize=None)
def derived(case: Case):
    return matcalc.derive(case.expr, case.wrt, shapes=case.shapes, order=case.order,
                          layout=case.layout, form=case.form, mixed=case.mixed, sym=case.sym,
                          vec=case.vec)


def printed(d) -> str:
    """What the answer prints as its main line's right-hand side (index forms: the index
    notation)."""
    if d.form == "index":
        from matcalc.tensor.notation import index_text
        return index_text(d.index, "f", d.order).split(" = ", 1)[1]
    return str(d)


# -- the suite itself ---------------------------------------------------------------------------

def test_the_suite_is_large_named_and_sourced():
    names = [c.name for c in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names), "case names must be unique"
    assert not [c.name for c in CASES if c.check_expect and not (c.xfail_parse or c.unsupported)]
    assert {c.family for c in CASES} >= {"products", "by-matrix", "hessians", "functions",
                                          "tensors"}
    for c in CASES:
        assert c.source, f"{c.name}: say where the identity comes from"
        assert 1 <= c.order <= 8 and c.layout in ("numerator", "denominator"), c.name
        assert c.expect or c.printed, f"{c.name}: give the expected form"
        assert not (c.unsupported and (c.xfail or c.xfail_value)), c.name


# -- value, form, truth -------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params("value"))
def test_value(case):
    d = derived(case)
    if case.sizes:
        report = d.check(sizes=case.sizes)
        assert report.passed and all(m.passed for m in report.methods), str(report)
    else:
        assert_checked(d)
    if case.order == 2 and not case.mixed and d.form == "matrix" and \
            matcalc.parse(case.expr, case.shapes).shape == (1, 1):
        _assert_symmetric(d, case)


@pytest.mark.parametrize("case", _params("form"))
def test_form(case):
    d = derived(case)
    if case.printed:
        assert printed(d) == case.printed, f"{case.name}: prints {printed(d)}"
    if case.expect:
        assert_same_form(d, case.expect)


@pytest.mark.parametrize("case", [c for c in _params("truth") if c.values[0].expect])
def test_expected_form_is_true(case):
    """The hand-derived closed form, proved by the checker alone (no rule engine)."""
    from matcalc.sizes import parse_decl as decl, decl_structure
    from matcalc.structure import substitute_for_check
    expected = _as_derivative(matcalc.parse(case.check_expect or case.expect, case.shapes), case)
    expr = matcalc.parse(case.expr, case.shapes)
    structure = {k: decl_structure(v) for k, v in case.shapes.items() if decl_structure(v)}
    if structure:
        expr, expected = substitute_for_check(expr, expected, structure, case.sym,
                                              [case.wrt] if isinstance(case.wrt, str)
                                              else case.wrt)
    shapes = {k: decl(v, k) for k, v in case.shapes.items()}
    report = check_derivative(expr, expected, case.wrt, shapes, order=case.order,
                              layout=case.layout, sizes=_sizes_for(case, expected),
                              mixed=case.mixed, vec=case.vec)
    assert report.passed, f"{case.name}: {case.expect}\n{report}"


# -- helpers ------------------------------------------------------------------------------------

def _declared_sizes(case: Case) -> dict:
    names = []
    for shape in {k: parse_decl(v, k) for k, v in case.shapes.items()}.values():
        for d in shape:
            if isinstance(d, str) and d.isidentifier() and d not in names:
                names.append(d)
    return names


def _as_derivative(e, case: Case):
    """The expected text as the engine would build it: a size named as a scalar (the N of
    `2 / N`) is the size, not a free variable; a zero Hessian is n×n."""
    sizes = set(_declared_sizes(case)) - set(case.shapes)
    memo = {}
    for n in e.walk():
        if n.op == "var" and n.value in sizes:
            memo[n] = Expr("size", (), SCALAR, n.value)
        else:
            args = tuple(memo[a] for a in n.args)
            memo[n] = n if args == n.args else n.rebuild(*args)
    out = memo[e]
    if out.op == "zeros" and case.order == 2:
        rows = {k: parse_decl(v, k) for k, v in case.shapes.items()}[case.wrt][0]
        out = Expr("zeros", (), (rows, rows))
    return out


def _sizes_for(case: Case, expected) -> dict:
    """Small distinct sizes for the declared size names, and values for the sizes that shape
    inference invented for an unconstrained I or 𝟏 in the expected text (read off the shape
    the derivative must have)."""
    sizes = assign_sizes(_declared_sizes(case), EXACT_SIZES, case.sizes)
    expr = matcalc.parse(case.expr, case.shapes)
    shapes = {k: parse_decl(v, k) for k, v in case.shapes.items()}
    S = numpy_shape(expr.shape, sizes)
    if case.mixed:           # ∂²f/∂x∂y: rows f and x, columns y (C order)
        Ts = [math.prod(numpy_shape(shapes[n], sizes)) for n in case.wrt]
        want = (math.prod(S) * math.prod(Ts[:-1]), Ts[-1])
    else:
        T = wrt_shape(case.wrt, shapes, sizes)
        want = expected_matrix_shape(S, T, case.order, case.layout) or \
            (math.prod(S) * math.prod(T) ** (case.order - 1), math.prod(T))   # by vec
    for dim, target in zip(expected.shape, want):
        _solve(dim, target, sizes)
    return sizes


def _solve(dim, target: int, sizes: dict) -> None:
    if isinstance(dim, int) or "+" in dim:
        return
    parts = [p.strip() for p in dim.split("*")]
    unknown = [p for p in parts if not p.isdigit() and p not in sizes]
    if len(unknown) == 1:
        known = math.prod(resolve_dim(p, sizes) for p in parts if p != unknown[0])
        if target % known == 0:
            sizes[unknown[0]] = target // known


def _assert_symmetric(d, case: Case) -> None:
    import numpy as np
    rng = np.random.default_rng(5)
    sizes = assign_sizes(_declared_sizes(case), NUMERIC_SIZES, None)
    env = {name: rng.uniform(0.5, 1.5, numpy_shape(shape, sizes)) for name, shape in
           {k: parse_decl(v, k) for k, v in case.shapes.items()}.items()}
    H = np.asarray(d.lambdify()(**env))
    assert H.ndim == 2 and H.shape[0] == H.shape[1], H.shape
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12,
                               err_msg=f"{case.name}: the Hessian {d} is not symmetric")
