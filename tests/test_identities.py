"""The `[[identity]]` records (rules/70-by-matrix.toml, matcalc.identities): every identity is
derived, prints as its `expect` (in both vec orders where it names one), is proved exactly and
numerically, and cites its source; a malformed or wrong record is refused naming file and id."""
from __future__ import annotations

import shutil

import pytest

from matcalc import identity_check as identities, tables
from matcalc.errors import RuleFileError
from matcalc.resources import rules_dir
from matcalc.rulebook import load
from tests.helpers import assert_checked, assert_same_form

RB = load()
CASES = [(i, vec, text) for i in RB.identities for vec, text in i.orders()]


def test_the_by_matrix_file_holds_the_cookbook_rows():
    ids = {i.id for i in RB.identities}
    assert len(ids) >= 20
    assert {"by-matrix.aXb", "by-matrix.aXtb", "by-matrix.det", "by-matrix.logdet",
            "by-matrix.inv.bilinear", "by-matrix.kron.AXB", "by-matrix.kron.transpose",
            "by-matrix.inv.differential", "by-matrix.kron.hadamard"} <= ids
    sec = next(s for s in RB.sections if s.id == "by-matrix")
    assert sec.table == "by-matrix" and sec.extension and sec.identities


@pytest.mark.parametrize("ident,vec,text", CASES,
                         ids=[f"{i.id}[{vec}]" for i, vec, _ in CASES])
def test_identity_is_derived_printed_and_proved(ident, vec, text):
    d = identities.derive(ident, vec)
    if ident.form in ("differential", "index"):
        assert str(d.result) == text
    else:
        assert_same_form(d, text)
    assert_checked(d, methods=("exact", "numeric"))


def test_every_identity_cites_its_source():
    for i in RB.identities:
        assert i.source.strip() and i.paper.strip(), i.id
        assert "Cookbook" in i.source or "Magnus" in i.source, i.id


def test_kronecker_rows_show_both_vec_orders():
    md = tables.render("markdown", only="by-matrix")
    row = next(line for line in md.splitlines() if "`by-matrix.kron.AXB`" in line)
    assert "{kron}\\left(A, B^T\\right)" in row and "{kron}\\left(B^T, A\\right)" in row
    assert "column-major" in row


def _copy_rules(tmp_path, body: str):
    d = tmp_path / "rules"
    shutil.copytree(rules_dir(), d)
    (d / "70-by-matrix.toml").write_text(
        '[section]\nid = "by-matrix"\ntable = "by-matrix"\nextension = true\n' + body,
        encoding="utf-8")
    return str(d)


GOOD = ('id = "t.det"\nname = "∂det(X)/∂X"\nexpr = "det(X)"\nwrt = "X"\n'
        'shapes = { X = "n,n" }\n')


@pytest.mark.parametrize("body,message", [
    (GOOD + 'expect = "det(X) inv(X)ᵀ"\n', r"70-by-matrix\.toml: identity 't\.det': missing source"),
    (GOOD + 'expect = "det(X) inv(X)ᵀ"\nsource = "x"\nform = "tensor"\n', "form must be"),
    (GOOD + 'expect = "det(X) inv(X)ᵀ"\nsource = "x"\nvec = "column"\n', "Kronecker form"),
    (GOOD + 'expect = "det(X) inv(X)ᵀ"\nsource = "x"\nequation = 49\n', "unknown field"),
])
def test_a_malformed_identity_fails_at_load(tmp_path, body, message):
    with pytest.raises(RuleFileError, match=message):
        load(_copy_rules(tmp_path, "[[identity]]\n" + body))


def test_an_identity_that_matcalc_does_not_give_is_refused(tmp_path):
    rb = load(_copy_rules(tmp_path, "[[identity]]\n" + GOOD +
                          'expect = "det(X) inv(X)"\nsource = "Matrix Cookbook"\n'))
    (ident,) = rb.identities
    with pytest.raises(RuleFileError, match=r"70-by-matrix\.toml: identity 't\.det'.*expects"):
        identities.verify(ident, rb)
    tables.clear_cache()
    try:
        with pytest.raises(RuleFileError, match=r"identity 't\.det'"):
            tables.render("markdown", only="by-matrix", rulebook=rb)
    finally:
        tables.clear_cache()


def test_a_wrong_column_major_form_is_refused(tmp_path):
    rb = load(_copy_rules(tmp_path, '[[identity]]\nid = "t.axb"\nname = "AXB"\n'
                          'expr = "A @ X @ B"\nwrt = "X"\n'
                          'shapes = { A = "p,m", X = "m,n", B = "n,q" }\nform = "kron"\n'
                          'vec = "column"\nexpect = "kron(A, Bᵀ)"\n'
                          'expect_column = "kron(A, Bᵀ)"\nsource = "Matrix Cookbook"\n'))
    with pytest.raises(RuleFileError, match=r"t\.axb' \(column-major vec\)"):
        identities.verify(rb.identities[0], rb)


def test_an_identity_id_cannot_reuse_a_rule_id(tmp_path):
    body = GOOD.replace("t.det", "matrix.det") + 'expect = "det(X) inv(X)ᵀ"\nsource = "x"\n'
    with pytest.raises(RuleFileError, match="used twice"):
        load(_copy_rules(tmp_path, "[[identity]]\n" + body))
