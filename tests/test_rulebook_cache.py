"""The cached rulebook (matcalc.rulecache): read from the cache it is the rulebook the rule
files give; a broken, stale or foreign cache is only a slower start; MATCALC_NO_CACHE=1
turns it off; nothing but JSON is ever written."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc import rulebook, rulecache
from matcalc.resources import rules_dir

ROOT = Path(__file__).resolve().parent.parent


def _fresh_load(directory):
    """matcalc's rulebook (the one cached), read from `directory` as if it were rules/."""
    saved = rulebook.rules_dir
    rulebook.rules_dir = lambda: Path(directory)
    try:
        # past load's memo, which keeps the rulebook other tests hold (tests.test_rules.RB:
        # the engine's rules must be the very objects it compares with)
        return rulebook.load.__wrapped__()
    finally:
        rulebook.rules_dir = saved


def _summary(rb):
    """Everything a rule holds, as comparable plain data."""
    rules = [(r.id, r.kind, r.text, r.lhs, r.rhs, [str(c) for c in r.where], r.section.id,
              r.source, r.name, r.paper, r.note, r.examples, r.file, r.extension, r.erratum,
              r.ordered, r.patterns, [(p, sig) for p, sig, _ in r.compiled]) for r in rb.rules]
    sections = [(s.id, s.title, s.table, s.source, s.extension, s.file, s.description, s.laws,
                 [(i.id, i.name, i.expr, i.wrt, i.shapes, i.expect, i.source, i.form, i.vec,
                   i.expect_column, i.order, i.paper, i.note, i.file, i.section is s,
                   i.examples) for i in s.identities]) for s in rb.sections]
    kinds = {k: {op: [r.id for r in rs] for op, rs in v.items()} for k, v in rb.by_kind.items()}
    return rules, sections, kinds, [i.id for i in rb.identities]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("MATCALC_CACHE_DIR", str(d))
    monkeypatch.delenv("MATCALC_NO_CACHE", raising=False)
    return d


def _books(d):
    return sorted(d.glob("rulebook-*.json"))


def test_the_cached_rulebook_is_the_rulebook_of_the_files(cache_dir, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    first = _fresh_load(rules)                  # from the TOML files: writes the cache
    assert len(_books(cache_dir)) == 1
    calls = []
    monkeypatch.setattr(rulebook, "_load_file", lambda p: calls.append(p))
    again = _fresh_load(rules)                  # from the cache: no rule file is read
    assert calls == []
    assert _summary(again) == _summary(first)
    assert _summary(again)[0] and len(again.rules) == len(first.rules)

    lazy = _fresh_load(rules)                   # rules built head by head, as a derive asks
    for kind, heads in first.by_kind.items():
        for op, rs in heads.items():
            got = lazy.candidates(kind, op)
            assert [(r.id, r.lhs, r.rhs, r.patterns, r.section.id) for r in got] == \
                [(r.id, r.lhs, r.rhs, r.patterns, r.section.id) for r in rs]
    assert list(lazy.candidates("simplify", "no-such-op")) == []


def test_an_edited_rule_file_is_a_new_key(cache_dir, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    _fresh_load(rules)
    f = rules / "00-scalar.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('name = "', 'name = "edited ', 1),
                 encoding="utf-8")
    edited = _fresh_load(rules)
    assert any(r.name.startswith("edited ") for r in edited.rules)
    assert len(_books(cache_dir)) == 2


@pytest.mark.parametrize("damage", [
    lambda t: t[: len(t) // 2],                                       # cut short
    lambda t: "not json at all",
    lambda t: json.dumps({**json.loads(t), "rules": [[1, 2, 3]]}),    # rows of the wrong width
    lambda t: json.dumps({**json.loads(t), "nodes": [["var", None, [99999]]]}),
    lambda t: json.dumps({**json.loads(t), "key": "another"}),
    lambda t: json.dumps([1, 2, 3]),
])
def test_a_broken_cache_is_only_a_slower_start(cache_dir, tmp_path, damage):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    good = _summary(_fresh_load(rules))
    (book,) = _books(cache_dir)
    book.write_text(damage(book.read_text(encoding="utf-8")), encoding="utf-8")
    assert _summary(_fresh_load(rules)) == good
    assert _summary(_fresh_load(rules)) == good          # and the cache is written anew


def test_a_folder_of_ones_own_is_read_not_cached(cache_dir, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    assert rulebook.load.__wrapped__(str(rules)).rules
    assert not _books(cache_dir)


def test_no_cache_when_turned_off(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MATCALC_NO_CACHE", "1")
    assert rulecache.book_key([]) is None
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    _fresh_load(rules)
    assert not cache_dir.exists()


def test_the_cache_is_json_and_old_books_are_pruned(cache_dir, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    for i in range(rulecache.KEEP_BOOKS + 2):
        (rules / "99-extra.toml").write_text(f"# edit {i}\n", encoding="utf-8")
        _fresh_load(rules)
    books = _books(cache_dir)
    assert len(books) == rulecache.KEEP_BOOKS
    for b in books:
        data = json.loads(b.read_text(encoding="utf-8"))
        assert set(data) == {"nodes", "sections", "identities", "rules", "key"}


def test_a_derive_from_the_cache_prints_what_a_derive_without_it_prints(tmp_path):
    argv = [sys.executable, "-m", "matcalc", "derive", "max(0, w.x + b)", "--wrt", "w",
            "--steps"]
    outs = []
    for env in ({"MATCALC_NO_CACHE": "1"}, {}, {}):       # no cache; writes it; reads it
        full = {**{k: v for k, v in __import__("os").environ.items()
                   if k != "MATCALC_NO_CACHE"},
                "MATCALC_CACHE_DIR": str(tmp_path / "c"), "PYTHONPATH": str(ROOT), **env}
        p = subprocess.run(argv, cwd=ROOT, env=full, capture_output=True, text=True,
                           encoding="utf-8")
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
    assert outs[0] == outs[1] == outs[2] and "step(w·x + b) xᵀ" in outs[0]
    assert _books(tmp_path / "c")
