"""The rule files: they load, every rule cites its own source and has a worked example on which
it is the rule that fires; every example derives (or simplifies) to its stated result and is
proved — and a wrong rule, or a malformed one, is caught."""
import functools
import shutil

import numpy as np
import pytest

import matcalc
from matcalc.check.problem import EXACT_SIZES, assign_sizes
from matcalc.derivation import derive
from matcalc.errors import RuleFileError
from matcalc.evaluate import evaluate
from matcalc.resources import rules_dir
from matcalc.rulebook import load
from matcalc.simplify import simplify
from matcalc.sizes import resolve_shape, size_names
from tests.helpers import assert_checked, assert_same_form, key

RB = load()
ENGINE_KINDS = ("differential", "forward", "reverse")
EXAMPLES = [(r.id, i, ex) for r in RB.rules for i, ex in enumerate(r.examples)]
ENGINE_EXAMPLES = [(rid, i, ex) for rid, i, ex in EXAMPLES if RB.get(rid).kind in ENGINE_KINDS]
SIMPLIFY_EXAMPLES = [(rid, i, ex) for rid, i, ex in EXAMPLES if RB.get(rid).kind == "simplify"]


def _ids(examples):
    return [f"{r}[{i}]" for r, i, _ in examples]


# Rules no input reaches, so they have no worked example (an invented one would not fire them).
DEAD: dict = {}   # none: rules no input reaches are deleted, not kept as dead code

# Rules whose identity the engine applies itself, never by matching the rule: no trace names
# them.  If one starts to fire, test_engine_applied_rules_still_never_fire says so.
ENGINE_APPLIED = {
    "scalar.constant": "Engine._differential returns zero for a node free of the variable "
                       "before it looks for a rule (and no node has the head op 'pvar')",
    "grad.identity": "Engine.gradient collects the adjoint that reaches d(x) itself; "
                     "_pass_adjoint is never called on d(x)",
}


@functools.lru_cache(maxsize=None)
def derived(rule_id: str, i: int):
    """The derivation of a rule's i-th example (shared with test_rule_overlaps)."""
    ex = RB.get(rule_id).examples[i]
    return matcalc.derive(ex["expr"], ex["wrt"], shapes=ex.get("shapes"),
                          order=ex.get("order", 1), form=ex.get("form", "auto"))


@functools.lru_cache(maxsize=None)
def simplified(rule_id: str, i: int):
    """(before, simplified before, record) of a simplify rule's i-th example."""
    ex = RB.get(rule_id).examples[i]
    before = matcalc.parse(ex["before"], ex.get("shapes"))
    record = []
    return before, simplify(before, record), tuple(record)


# -- numeric agreement of two trees at random points ------------------------------------------

def _sample(trees, rng, positive: bool):
    """(env, sizes): a random value for every variable of `trees` at small distinct sizes.
    Positive values (in [0.5, 1.5]) keep log, sqrt and division inside their domain; a
    scalar variable named like a size is that size (`sum(u) / n`)."""
    dims = []
    for t in trees:
        for n in t.walk():
            dims.extend(n.shape or ())
            if n.op == "size":
                dims.append(n.value)
    sizes = assign_sizes(size_names(dims), EXACT_SIZES, None)
    env = {}
    for t in trees:
        for n in t.walk():
            if n.op != "var" or n.value in env:
                continue
            r, c = resolve_shape(n.shape, sizes)
            if (r, c) == (1, 1) and n.value in sizes:
                env[n.value] = np.full((1, 1), float(sizes[n.value]))
            elif positive:
                env[n.value] = rng.uniform(0.5, 1.5, (r, c))
            else:
                env[n.value] = rng.standard_normal((r, c))
    return env, sizes


def values_agree(a, b, seed: int = 0) -> str | None:
    """None when `a` and `b` have equal values at random points, else what differs: two
    positive points (which must be finite) and one signed point (compared where finite)."""
    rng = np.random.default_rng(seed)
    for positive in (True, True, False):
        env, sizes = _sample([a, b], rng, positive)
        with np.errstate(all="ignore"):          # log/sqrt of a negative entry: NaN, skipped
            va = evaluate(a, dict(env), sizes)
            vb = evaluate(b, dict(env), sizes)
        if va.shape != vb.shape:
            return f"shapes differ: {va.shape} and {vb.shape}"
        finite = np.all(np.isfinite(va)) and np.all(np.isfinite(vb))
        if not finite:
            if positive:
                return f"not finite at a positive point: {a} = {va}, {b} = {vb}"
            continue
        if not np.allclose(va, vb, rtol=1e-8, atol=1e-10):
            return f"values differ at {env}: {va} vs {vb}"
    return None


# -- the rulebook ---------------------------------------------------------------------------

def test_the_rulebook_loads_with_every_kind():
    kinds = {r.kind for r in RB.rules}
    assert kinds == {"differential", "forward", "reverse", "simplify"}
    assert len(RB.rules) >= 150
    assert {s.table for s in RB.sections} >= {"scalar", "elementwise", "scalar-expansion",
                                               "reductions", "chain", "simplify"}


def test_every_rule_names_its_source():
    for r in RB.rules:
        assert r.cite(), f"{r.file}: {r.id} has no source"


def test_every_rule_names_its_own_source():
    inherited = [f"{r.file}: {r.id}" for r in RB.rules if not r.source.strip()]
    assert not inherited, "rules that only inherit their section's source:\n" + \
        "\n".join(inherited)


def test_every_rule_has_a_worked_example():
    missing = [f"{r.file}: {r.id} ({r.kind})" for r in RB.rules
               if not r.examples and r.id not in DEAD and r.id not in ENGINE_APPLIED]
    assert not missing, "rules without a worked example:\n" + "\n".join(missing)


def test_the_dead_rules_are_rules_without_examples():
    for rid in list(DEAD) + list(ENGINE_APPLIED):
        assert rid in RB.by_id, f"{rid} is listed as dead/engine-applied but is not a rule"
    with_examples = [rid for rid in DEAD if RB.get(rid).examples]
    assert not with_examples, f"listed as dead but given an example: {with_examples}"


def test_every_differential_rule_has_a_worked_example():
    missing = [r.id for r in RB.rules if r.kind == "differential" and not r.examples]
    assert not missing, missing


def test_every_example_has_the_fields_of_its_kind():
    for rid, i, ex in EXAMPLES:
        want = {"before", "after"} if RB.get(rid).kind == "simplify" else \
            {"expr", "wrt", "expect"}
        allowed = want | {"shapes", "order", "printed", "form"}
        assert want <= set(ex) <= allowed, f"{rid}[{i}]: {sorted(ex)}; a " \
            f"{RB.get(rid).kind} example has {sorted(want)} (and shapes)"


def test_the_paper_tables_are_covered():
    ids = set(RB.by_id)
    for rid in ["scalar.constant", "scalar.const_multiple", "scalar.power", "scalar.sum",
                "scalar.difference", "scalar.product", "ewise.add", "ewise.sub", "ewise.mul",
                "ewise.div", "scalarexp.add", "scalarexp.mul", "reduce.sum", "reduce.dot",
                "fn.relu", "fn.relu.vector", "jac.identity"]:
        assert rid in ids
    assert {law["id"] for s in RB.sections for law in s.laws} == {
        "chain.single", "chain.total", "chain.vector"}


# -- worked examples: derived, compared, proved, and fired -------------------------------------

@pytest.mark.parametrize("rule_id,i,ex", ENGINE_EXAMPLES, ids=_ids(ENGINE_EXAMPLES))
def test_rule_example(rule_id, i, ex):
    d = derived(rule_id, i)
    if ex.get("printed"):        # the text as printed: an I or 𝟏 sized only by its context
        assert str(d.result) == ex["expect"]
    else:
        assert_same_form(d, ex["expect"])
    assert_checked(d)
    if rule_id not in ENGINE_APPLIED:
        used = d.trace.rules_used()
        assert rule_id in used, f"{rule_id} did not fire on its example {ex['expr']!r} by " \
            f"{ex['wrt']}; the rules that did: {sorted(used)}"


def test_engine_applied_rules_still_never_fire():
    fired = {used for rid, i, _ in ENGINE_EXAMPLES
             for used in derived(rid, i).trace.rules_used() if used in ENGINE_APPLIED}
    assert not fired, f"{sorted(fired)} fire now: take them off ENGINE_APPLIED"


@pytest.mark.parametrize("rule_id,i,ex", SIMPLIFY_EXAMPLES, ids=_ids(SIMPLIFY_EXAMPLES))
def test_simplify_example(rule_id, i, ex):
    before, got, record = simplified(rule_id, i)
    ids = [rid for rid, _, _ in record]
    assert rule_id in ids, f"{rule_id} did not fire on {ex['before']!r}; the record: {ids}"
    after = matcalc.parse(ex["after"], ex.get("shapes"))
    want = simplify(after)
    assert key(got) == key(want), f"{ex['before']!r} simplifies to {got}, not {want}"
    assert before.shape == after.shape, f"{before.shape} → {after.shape}"
    problem = values_agree(before, after, seed=i)
    assert problem is None, f"{ex['before']!r} and {ex['after']!r}: {problem}"
    assert values_agree(before, got, seed=i) is None


# -- a rule file that is wrong fails at load, naming file and id ------------------------------

BAD_RULES = [
    ('rule = "d(sin(?u) = cos(?u) * d(?u)"', "cannot parse"),
    ('rule = "d(sin(?u)) = cos(?u) * d(?u)"\nwhere = ["shiny(?u)"]', "unknown condition"),
    ('rule = "d(sin(?u)) = cos(?v) * d(?u)"', "does not bind"),
    ('rule = "d(sin(?u)) = cos(?u)"', "exactly one"),
    ('rule = "d(sin(?u)) = cos(?u) * d(?u) * d(?u)"', "exactly one"),
    ('rule = "sin(?u) cos(?u)"', "write"),
    ('rule = "?u + 0 → 𝟏"', "without a shape"),
    # jac/grad templates: each term sweeps exactly one part of the pattern
    ('rule = "grad(sum(?L), ?G) = ?G * ?L"', "exactly one grad(…)"),
    ('rule = "grad(sum(?L), ?G) = grad(?L, 2 * ?L)"', "does not use ?G"),
    ('rule = "jac(sum(?L)) = ones(?L)ᵀ @ jac(0)"', "sweeps nothing the pattern binds"),
    ('rule = "jac(sum(?L)) = ?L"', "exactly one jac(…)"),
    ('rule = "d(sin(?u)) = cos(?u) * d(?u)"\nwhere = ["linear(?u)"]', "means nothing"),
    pytest.param('rule = "jac(?L + ?M) = jac(?L + jac(?M))"', "jac(", id="nested-jac"),
    pytest.param('rule = "grad(sum(?L), ?G) = grad(?L, ones(?L))"', "does not use ?G",
                 id="grad-adjoint-without-G"),
]


def _load_one_bad_rule(tmp_path, body):
    (tmp_path / "05-bad.toml").write_text(f'[[rule]]\nid = "bad.one"\n{body}\n',
                                          encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load(str(tmp_path))
    return str(err.value)


@pytest.mark.parametrize("body,message", BAD_RULES)
def test_a_bad_rule_fails_at_load_naming_file_and_id(tmp_path, body, message):
    text = _load_one_bad_rule(tmp_path, body)
    assert "05-bad.toml" in text
    assert message in text
    assert "bad.one" in text


def test_issue_10_a_grad_rule_without_a_grad_call_fails_at_load(tmp_path):
    """Issue 10: `grad(sum(?L), ?G) = ?G * ones(?L)` (no grad(…) on the right) fails at
    load with a RuleFileError naming file and id."""
    text = _load_one_bad_rule(tmp_path, 'rule = "grad(sum(?L), ?G) = ?G * ones(?L)"')
    assert "05-bad.toml" in text and "bad.one" in text
    assert "exactly one grad(…)" in text


def test_a_duplicate_rule_id_fails(tmp_path):
    (tmp_path / "a.toml").write_text('[[rule]]\nid = "x.y"\nrule = "d(sin(?u)) = cos(?u) * d(?u)"\n')
    (tmp_path / "b.toml").write_text('[[rule]]\nid = "x.y"\nrule = "d(cos(?u)) = sin(?u) * d(?u)"\n')
    with pytest.raises(RuleFileError, match="used twice"):
        load(str(tmp_path))


# -- the rulebook a derivation is given is the one it uses ------------------------------------

def test_without_the_simplify_file_no_simplification_rule_is_used(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    for f in copy.glob("9*-simplify*.toml"):           # every file of simplification rules
        f.unlink()
    rb = load(str(copy))
    assert not rb.by_kind.get("simplify")
    shapes = {"w": "n", "x": "n"}
    full = derive("w.x", "w", shapes)
    bare = derive("w.x", "w", shapes, rulebook=rb)
    assert str(full) == "xᵀ"
    assert any(n.op == "eye" for n in bare.result.walk()), \
        f"without simplification rules xᵀ I stays as it is; got {bare}"
    assert bare.check().passed
    normal_form = set()
    for expr, wrt, sh in [("w.x", "w", shapes), ("sum(X @ a)", "X", {"X": "m,n", "a": "n"}),
                          ("x' @ A @ x", "x", {"x": "n", "A": "n,n"})]:
        d = derive(expr, wrt, sh, rulebook=rb)
        cited = {s.rule for s in d.steps if s.rule and s.rule.startswith("simp.")}
        recorded = {rid for rid, _, _ in d.trace.simplifications}
        assert cited <= {"simp.algebra"}, f"{expr}: the steps cite {sorted(cited)}"
        assert recorded <= {"simp.algebra"}, f"{expr}: simplified by {sorted(recorded)}"
        normal_form |= recorded
    assert normal_form == {"simp.algebra"}       # the normal form is not a rule: it still runs


# -- a deliberately wrong identity is caught by the checker ------------------------------------

@pytest.mark.parametrize("file,good,bad,expr,wrt,shapes", [
    ("10-elementwise.toml", 'rule = "d(?w - ?x) = d(?w) - d(?x)"',
     'rule = "d(?w - ?x) = d(?w) + d(?x)"', "w - x", "x", {"w": "n", "x": "n"}),
    ("00-scalar.toml", 'rule = "d(sin(?u)) = cos(?u) * d(?u)"',
     'rule = "d(sin(?u)) = -cos(?u) * d(?u)"', "sin(x^2)", "x", {}),
    ("40-chain.toml", 'rule = "jac(?L @ ?B) = ?Bᵀ @ jac(?L)"',
     'rule = "jac(?L @ ?B) = ?B @ jac(?L)"', "x' @ A @ x", "x", {"x": "3", "A": "3,3"}),
])
def test_a_wrong_rule_makes_the_check_fail(tmp_path, file, good, bad, expr, wrt, shapes):
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    text = (copy / file).read_text(encoding="utf-8")
    assert good in text
    (copy / file).write_text(text.replace(good, bad), encoding="utf-8")
    right = derive(expr, wrt, shapes)
    try:
        wrong = derive(expr, wrt, shapes, rulebook=load(str(copy)))
    except matcalc.MatcalcError:
        return      # a wrong rule that cannot even apply is caught too
    assert str(wrong) != str(right)
    report = wrong.check()
    assert not report.passed, f"the checker accepted a wrong rule: {wrong}\n{report}"
    assert right.check().passed
