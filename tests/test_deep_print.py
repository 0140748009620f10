"""Printing deep and very shared trees: the recursion room follows the tree's height, and a
tree too large to write out in full is refused with a message (a derivation then prints
with its shared parts named) — never a RecursionError or memory exhausted."""
import pytest

import matcalc
from matcalc.printing import base
from matcalc.printing.latex import to_latex
from matcalc.shaperules import mk
from matcalc.tree import Expr


def _chain(levels: int) -> Expr:
    x = Expr("var", (), ("n", 1), "x")
    W = Expr("var", (), ("n", "n"), "W")
    e = x
    for _ in range(levels):
        e = mk("tanh", mk("matmul", W, e))
    return e


def test_a_tree_thousands_of_levels_deep_prints():
    e = _chain(2500)                              # 5,000 levels
    text = str(e)
    assert text.count("tanh(W ") == 2500 and text.endswith("x" + ")" * 2500)
    assert to_latex(e).count("\\tanh") == 2500


def test_a_tree_too_large_to_write_out_is_refused_with_a_hint():
    e = Expr("var", (), (1, 1), "x")
    for _ in range(22):                           # 2^22 leaves written out, 23 nodes shared
        e = mk("add", e, e)
    with pytest.raises(matcalc.UnsupportedError) as err:
        str(e)
    assert "display()" in err.value.hint


def test_a_derivation_too_large_to_write_out_prints_its_parts_named(monkeypatch):
    text = "; ".join(f"h{k} = tanh(W{k} @ {'x' if k == 1 else f'h{k - 1}'})"
                     for k in range(1, 9)) + "; norm(h8 - y)^2"
    d = matcalc.derive(text, "W1")
    plain = str(d)
    assert "where" not in plain
    monkeypatch.setattr(base, "MAX_WRITTEN", base.written_size(d.result) - 1)
    named = str(d)
    main, where = d.display()
    assert named.splitlines()[0] == main and len(where) > 1
    assert [line.strip() for line in named.splitlines()[1:]] == \
        [f"where {n} = {t}" for n, t in where]
