"""The rule files: they load, every rule cites a source, every worked example derives to its
stated result and is proved by the checker — and a wrong rule is caught."""
import shutil

import pytest

import matcalc
from matcalc.derivation import derive
from matcalc.errors import RuleFileError
from matcalc.resources import rules_dir
from matcalc.rulebook import load
from tests.helpers import assert_checked, assert_same_form

RB = load()
EXAMPLES = [(r.id, i, ex) for r in RB.rules for i, ex in enumerate(r.derivations)]


def test_the_rulebook_loads_with_every_kind():
    kinds = {r.kind for r in RB.rules}
    assert kinds == {"differential", "forward", "reverse", "simplify"}
    assert len(RB.rules) >= 150
    assert {s.table for s in RB.sections} >= {"scalar", "elementwise", "scalar-expansion",
                                               "reductions", "chain", "simplify"}


def test_every_rule_names_its_source():
    for r in RB.rules:
        assert r.cite(), f"{r.file}: {r.id} has no source"


def test_every_differential_rule_has_a_worked_example():
    missing = [r.id for r in RB.rules if r.kind == "differential" and not r.examples
               and r.id not in ("matrix.kron",)]
    assert not missing, missing


def test_the_paper_tables_are_covered():
    ids = set(RB.by_id)
    for rid in ["scalar.constant", "scalar.const_multiple", "scalar.power", "scalar.sum",
                "scalar.difference", "scalar.product", "ewise.add", "ewise.sub", "ewise.mul",
                "ewise.div", "scalarexp.add", "scalarexp.mul", "reduce.sum", "reduce.dot",
                "fn.relu", "fn.relu.vector", "jac.identity"]:
        assert rid in ids
    assert {law["id"] for s in RB.sections for law in s.laws} == {
        "chain.single", "chain.total", "chain.vector"}


@pytest.mark.parametrize("rule_id,i,ex", EXAMPLES, ids=[f"{r}[{i}]" for r, i, _ in EXAMPLES])
def test_rule_example(rule_id, i, ex):
    d = matcalc.derive(ex["expr"], ex["wrt"], shapes=ex.get("shapes"))
    assert_same_form(d, ex["expect"])
    assert_checked(d)


# -- a rule file that is wrong fails at load, naming file and id ------------------------------

BAD_RULES = [
    ('rule = "d(sin(?u) = cos(?u) * d(?u)"', "cannot parse"),
    ('rule = "d(sin(?u)) = cos(?u) * d(?u)"\nwhere = ["shiny(?u)"]', "unknown condition"),
    ('rule = "d(sin(?u)) = cos(?v) * d(?u)"', "does not bind"),
    ('rule = "d(sin(?u)) = cos(?u)"', "exactly one"),
    ('rule = "d(sin(?u)) = cos(?u) * d(?u) * d(?u)"', "exactly one"),
    ('rule = "sin(?u) cos(?u)"', "write"),
    ('rule = "?u + 0 → 𝟏"', "without a shape"),
]


@pytest.mark.parametrize("body,message", BAD_RULES)
def test_a_bad_rule_fails_at_load_naming_file_and_id(tmp_path, body, message):
    (tmp_path / "05-bad.toml").write_text(f'[[rule]]\nid = "bad.one"\n{body}\n',
                                          encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load(str(tmp_path))
    assert "05-bad.toml" in str(err.value)
    assert message in str(err.value)
    assert "bad.one" in str(err.value)


def test_a_duplicate_rule_id_fails(tmp_path):
    (tmp_path / "a.toml").write_text('[[rule]]\nid = "x.y"\nrule = "d(sin(?u)) = cos(?u) * d(?u)"\n')
    (tmp_path / "b.toml").write_text('[[rule]]\nid = "x.y"\nrule = "d(cos(?u)) = sin(?u) * d(?u)"\n')
    with pytest.raises(RuleFileError, match="used twice"):
        load(str(tmp_path))


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
