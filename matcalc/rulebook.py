"""The rulebook: rules/*.toml loaded, validated and indexed.

Owns: `Rule`, `Section`, `load()`.  A rule is one identity written in matcalc's own language
(parsed by the grammar's `pattern` start symbol), with a stable id, its table, its source,
side conditions from `patterns.CONDITIONS` and worked examples the test-suite runs.
Invariant: a file that does not parse, names an unknown condition (or one that means nothing
in its kind of rule), whose template uses a variable its pattern does not bind, or whose
`jac`/`grad` right-hand side is not a sum of sweeps of the pattern's operands, fails at load,
naming file and id.  A pattern is compiled into its variants (`patterns.variants`): a rule
over a commutative operator matches its operands in either order, so no rule has a mirror.

Four kinds, told apart by the head of the rule:
  d(LHS) = RHS          differential: how d passes through one operator (the paper's tables)
  jac(LHS) = RHS        forward identification: dy = J dx  ->  J  (the vector chain rule)
  grad(LHS, ?G) = RHS   reverse identification: tr(Gᵀ dy) = tr(RHSᵀ dx) (gradients)
  LHS → RHS             simplification
A file's `[[identity]]` records are results matcalc must reproduce, not rules (identities.py).

A loaded rulebook is cached whole (`_freeze` / `_thaw`, stored by `rulecache`): a derive
reads one JSON file instead of thirteen TOML files, checks nothing the cache key (the size
and time of the files and of the modules that read them) already vouches for, and builds only the
rules its operators ask for (`_CachedRulebook`).
Size: over 300 lines because the cached rulebook (`_freeze`, `_thaw`, `_CachedRulebook`)
mirrors the records above field by field; it and the checks of a rule's right-hand side
(`_check_*`) are the next pieces to move out.
"""
from __future__ import annotations

import functools
import os
import re
from .records import field, record
from fractions import Fraction


from . import identities, rulecache
from .errors import MatcalcError, RuleFileError
from .patterns import (CONDITION_ARITY, CONDITION_KINDS, CONDITIONS, Condition,
                       compile_patterns, variants)
from .resources import data_path
from .tree import Expr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


@record
class Section:
    id: str
    title: str
    table: str
    source: str
    extension: bool
    file: str
    description: str = ""
    laws: list = field(default_factory=list)   # statements without a pattern (the chain rules)
    identities: list = field(default_factory=list)   # derived identities (matcalc.identities)


@record
class Rule:
    id: str
    kind: str                 # differential | forward | reverse | simplify
    text: str                 # the rule as written
    lhs: Expr                 # pattern (inside d()/jac()/grad() for the sweep kinds)
    rhs: Expr                 # template
    where: list = field(default_factory=list)
    section: Section | None = None
    source: str = ""
    name: str = ""            # a short human name ("product rule")
    paper: str = ""           # the paper's statement of the identity, where it has one
    note: str = ""
    examples: list = field(default_factory=list)
    file: str = ""
    ext: bool | None = None   # the rule's own `extension` flag, else its section's
    erratum: str = ""         # where the paper prints this identity wrongly, what it prints
    ordered: bool = False     # match as written only (a pair that keeps the factors' order)
    patterns: list = field(default_factory=list)   # lhs and its mirror images

    def __post_init__(self):
        if not self.patterns:
            self.patterns = [self.lhs] if self.ordered else variants(self.lhs)
        # what `matches` walks: the patterns (for a grad rule, the swept expression inside)
        self.compiled = compile_patterns(
            [p.args[0] for p in self.patterns] if self.kind == "reverse" else self.patterns)

    @property
    def extension(self) -> bool:
        if self.ext is not None:
            return self.ext
        return self.section.extension if self.section else False

    def cite(self) -> str:
        return self.source or (self.section.source if self.section else "")

    @property
    def derivations(self) -> list:
        """The worked examples that derive (expr, wrt, shapes, expect)."""
        return [ex for ex in self.examples if "expr" in ex]

    @property
    def rewrites(self) -> list:
        """The worked examples of a simplification (before, after, shapes)."""
        return [ex for ex in self.examples if "before" in ex]


@record
class Rulebook:
    sections: list
    rules: list
    by_kind: dict             # kind -> {head op -> [rules in file order]}
    by_id: dict
    identities: list = field(default_factory=list)   # [[identity]]: results, not rules
    _fitting: dict = field(default_factory=dict, repr=False, compare=False)

    def candidates(self, kind: str, op: str) -> list:
        return self.by_kind.get(kind, {}).get(op, ())

    def fitting(self, kind: str, e) -> list:
        """The candidates of `kind` at `e` that can match it, in file order: those with a
        pattern whose operands' ops are e's children's (`compile_patterns`); the rest
        `matches` would pass over.  Remembered per (op, children's ops)."""
        args = e.args             # the children's ops, spelled out for 0–2 operands: asked
        n = len(args)             # at every node the engine and the simplifier visit
        key = (kind, e.op, () if not n else (args[0].op,) if n == 1 else
               (args[0].op, args[1].op) if n == 2 else tuple([a.op for a in args]))
        got = self._fitting.get(key)
        if got is None:
            ops = key[2]
            got = self._fitting[key] = tuple(
                r for r in self.candidates(kind, e.op)
                if any(p.op == e.op and len(sig) == len(ops) and
                       all(w is None or w == o for w, o in zip(sig, ops))
                       for p, sig, _ in r.compiled))
        return got

    def get(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def law(self, law_id: str) -> dict:
        for s in self.sections:
            for law in s.laws:
                if law["id"] == law_id:
                    return law
        raise KeyError(law_id)


_COND = re.compile(r"^\s*(not\s+)?([a-z_]+)\(\s*(\?[A-Za-z]\w*(?:\s*,\s*\?[A-Za-z]\w*)*)\s*\)\s*$")


def _parse_pattern(src: str, where: str):
    cached = rulecache.lookup(src)
    if cached is not None:
        return cached
    from .parser import parse_raw
    try:
        tree = parse_raw(src, pattern=True)
    except MatcalcError as e:
        raise RuleFileError(f"{where}: cannot parse {src!r}: {e.message}") from None
    rulecache.store(src, tree)
    return tree


def _pvars(e: Expr) -> set:
    return {n.value for n in e.walk() if n.op == "pvar"}


def _load_rule(raw: dict, section: Section, path: Path) -> Rule:
    rid = raw.get("id")
    where = f"{path.name}: rule {rid!r}"
    if not rid or "rule" not in raw:
        raise RuleFileError(f"{path.name}: every rule needs an 'id' and a 'rule' "
                            f"(got {sorted(raw)})")
    text = raw["rule"]
    if "→" in text:
        kind = "simplify"
        lsrc, rsrc = (s.strip() for s in text.split("→", 1))
    elif " = " in text:
        lsrc, rsrc = (s.strip() for s in text.split(" = ", 1))
        head = lsrc.split("(", 1)[0]
        kind = {"d": "differential", "jac": "forward", "grad": "reverse"}.get(head)
        if kind is None:
            raise RuleFileError(f"{where}: an equation must start with d(…), jac(…) or grad(…)")
    else:
        raise RuleFileError(f"{where}: write 'd(…) = …', 'jac(…) = …', 'grad(…, ?G) = …' "
                            f"or 'pattern → template'")
    lhs, rhs = _parse_pattern(lsrc, where), _parse_pattern(rsrc, where)
    if kind != "simplify":
        lhs_inner = lhs.args[0]
        bound = _pvars(lhs)
        lhs = lhs_inner if kind != "reverse" else lhs
    else:
        bound = _pvars(lhs)
    missing = _pvars(rhs) - bound
    if missing:
        raise RuleFileError(f"{where}: the template uses {sorted(missing)} which the pattern "
                            f"does not bind")
    if any(n.op == "juxt" for n in lhs.walk()) or any(n.op == "juxt" for n in rhs.walk()):
        raise RuleFileError(f"{where}: write explicit operators (*, @) in rule files, "
                            f"not juxtaposition")
    for n in rhs.walk():
        if n.op in ("ones", "zeros", "eye"):
            raise RuleFileError(f"{where}: a template cannot use 𝟏, 𝟎 or I without a shape; "
                                f"write ones(?u), zeros(?u), eye(?u)")
    conds = []
    for c in raw.get("where", []):
        m = _COND.match(c)
        if not m or m.group(2) not in CONDITIONS:
            raise RuleFileError(f"{where}: unknown condition {c!r}; known: "
                                f"{', '.join(sorted(CONDITIONS))}")
        args = [a.strip()[1:] for a in m.group(3).split(",")]
        if len(args) != CONDITION_ARITY.get(m.group(2), 1):
            raise RuleFileError(f"{where}: condition {c!r} takes "
                                f"{CONDITION_ARITY.get(m.group(2), 1)} argument(s)")
        if set(args) - bound:
            raise RuleFileError(f"{where}: condition {c!r} names an unbound variable")
        kinds = CONDITION_KINDS.get(m.group(2))
        if kinds is not None and kind not in kinds:
            raise RuleFileError(f"{where}: condition {m.group(2)!r} means nothing in a "
                                f"{kind} rule (it belongs in {' or '.join(sorted(kinds))} rules)")
        conds.append(Condition(m.group(2), args, bool(m.group(1))))
    if kind == "differential":
        _check_linear_terms(rhs, where)
    elif kind in ("forward", "reverse"):
        _check_sweep(kind, lhs, rhs, where)
    return Rule(id=rid, kind=kind, text=text, lhs=lhs, rhs=rhs, where=conds, section=section,
                source=raw.get("source", ""), name=raw.get("name", ""),
                paper=raw.get("paper", ""), note=raw.get("note", ""),
                examples=list(raw.get("examples", [])), file=path.name,
                ext=raw.get("extension"), erratum=raw.get("erratum", ""),
                ordered=bool(raw.get("ordered", False)))


def split_terms(e: Expr, sign: int = 1):
    """[(sign, term)] of a sum/difference at the top of `e`."""
    if e.op == "add":
        return split_terms(e.args[0], sign) + split_terms(e.args[1], sign)
    if e.op == "sub":
        return split_terms(e.args[0], sign) + split_terms(e.args[1], -sign)
    return [(sign, e)]


def _check_linear_terms(rhs: Expr, where: str) -> None:
    if rhs.op == "num" and rhs.value == 0:
        return
    for _, term in split_terms(rhs):
        ds = [n for n in term.walk() if n.op == "d"]
        if len(ds) != 1 or ds[0].args[0].op != "pvar":
            raise RuleFileError(f"{where}: each term of a differential must hold exactly one "
                                f"d(?u); this one holds {len(ds)}")


def _check_sweep(kind: str, lhs: Expr, rhs: Expr, where: str) -> None:
    """A `jac` rule's template is linear in jac(…) of the pattern's parts (one per term; none
    only for the base case jac(d(?x))); a `grad` rule's is a sum of grad(?L, …) whose ?L is
    an operand the pattern binds and whose adjoint uses ?G."""
    call = "jac" if kind == "forward" else "grad"
    inner = lhs if kind == "forward" else lhs.args[0]
    if inner.op == "d":
        return
    bound = _pvars(inner)
    for _, term in split_terms(rhs):
        calls = [n for n in term.walk() if n.op == call]
        if len(calls) != 1:
            raise RuleFileError(f"{where}: each term of the right-hand side must hold exactly "
                                f"one {call}(…) of a part of the pattern; '{term}' holds "
                                f"{len(calls)}")
        c = calls[0]
        if any(n.op == call for a in c.args for n in a.walk()):
            raise RuleFileError(f"{where}: {call}(…) nested inside {call}(…)")
        if not (_pvars(c.args[0]) & bound):
            raise RuleFileError(f"{where}: {call}({c.args[0]}) sweeps nothing the pattern binds")
        if kind == "reverse":
            gname = lhs.args[1].value
            if term is not c or c.args[0].op != "pvar" or c.args[0].value not in bound:
                raise RuleFileError(f"{where}: a grad rule's terms are grad(?L, adjoint) with "
                                    f"?L an operand of the pattern; got '{term}'")
            if gname not in _pvars(c.args[1]):
                raise RuleFileError(f"{where}: the adjoint {c.args[1]} does not use ?{gname}")


def _load_file(path: Path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RuleFileError(f"{path.name}: not valid TOML: {e}") from None
    sec = data.get("section", {})
    section = Section(id=sec.get("id", path.stem), title=sec.get("title", path.stem),
                      table=sec.get("table", sec.get("id", path.stem)),
                      source=sec.get("source", ""), extension=bool(sec.get("extension", False)),
                      file=path.name, description=sec.get("description", ""))
    rules = [_load_rule(r, section, path) for r in data.get("rule", [])]
    section.identities = identities.load_entries(data.get("identity", []), section, path)
    for law in data.get("law", []):
        if not law.get("id") or not law.get("statement"):
            raise RuleFileError(f"{path.name}: every law needs an 'id' and a 'statement'")
        section.laws.append(dict(law))
    return section, rules


def rules_dir():
    """matcalc's own rules/ folder, as a string (no pathlib on a cold start)."""
    return data_path("rules")


@functools.lru_cache(maxsize=None)
def load(directory: str | None = None) -> Rulebook:
    # plain strings and os.listdir until the cache misses: no pathlib, no glob's regexp
    d = os.fspath(directory or rules_dir())
    files = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".toml")]
    # only matcalc's own rule files are cached whole (a folder of one's own, the tests', is read)
    key = rulecache.book_key(files) if directory is None else None
    cached = _thaw(rulecache.read_book(key))
    if cached is not None:                     # the rule files as last read, already checked
        return cached
    from pathlib import Path
    paths = [Path(f) for f in files]
    if rulecache.empty():
        rulecache.read()
    sections, rules = [], []
    for path in paths:
        s, rs = _load_file(path)
        sections.append(s)
        rules.extend(rs)
    book = _index(sections, rules)
    rulecache.write()
    rulecache.write_book(key, _freeze(sections, rules))
    return book


def _index(sections: list, rules: list, idents: list | None = None) -> Rulebook:
    by_id, by_kind = {}, {}
    for r in rules:
        if r.id in by_id:
            raise RuleFileError(f"{r.file}: rule id {r.id!r} is used twice "
                                f"(also in {by_id[r.id].file})")
        by_id[r.id] = r
        head = r.lhs.op if r.kind != "reverse" else r.lhs.args[0].op
        by_kind.setdefault(r.kind, {}).setdefault(head, []).append(r)
    if idents is None:
        idents = [i for s in sections for i in s.identities]
    seen = dict(by_id)
    for i in idents:
        if seen.setdefault(i.id, i) is not i:
            raise RuleFileError(f"{i.file}: identity id {i.id!r} is used twice "
                                f"(also in {seen[i.id].file})")
    return Rulebook(sections, rules, by_kind, by_id, idents)


# the cached rulebook (rulecache.read_book): plain data, a rule a row of its fields in the
# order of _ROW (no field names repeated), the trees in one node table
_PLAIN = ("id", "kind", "text", "source", "name", "paper", "note", "examples", "file", "ext",
          "erratum", "ordered")
_ROW = _PLAIN + ("section", "lhs", "rhs", "patterns", "where")


def _freeze(sections: list, rules: list) -> dict:
    table = rulecache.TreeTable()
    try:
        rows = [[getattr(r, f) for f in _PLAIN] + [
            sections.index(r.section), table.add(r.lhs), table.add(r.rhs),
            [table.add(v) for v in r.patterns], [[c.name, c.args, c.negated] for c in r.where]]
            for r in rules]
    except TypeError:                          # a tree the cache cannot hold: none written
        return {}
    plain = [{f: getattr(s, f) for f in ("id", "title", "table", "source", "extension",
                                          "file", "description", "laws")} for s in sections]
    raws = [[{**vars(i), "section": None, "examples": None} for i in s.identities]
            for s in sections]
    return {"nodes": table.rows, "sections": plain, "identities": raws, "rules": rows}


def _thaw(data) -> "Rulebook | None":
    """The rulebook of `_freeze`'s data (its rules built when first asked for), or None when
    the data is missing or malformed: everything a rule will be built from is checked here."""
    if not data:
        return None
    try:
        nodes, rows = data["nodes"], data["rules"]
        for i, (op, value, kids) in enumerate(nodes):
            if not (isinstance(op, str) and all(type(k) is int and 0 <= k < i for k in kids)
                    and (value is None or isinstance(value, str) or
                         all(type(q) is int for q in value["q"]))):
                return None
        sections = [Section(**s) for s in data["sections"]]
        for s, raws in zip(sections, data["identities"], strict=True):
            s.identities = [identities.Identity(**{**i, "section": s}) for i in raws]
        index: dict = {}
        for k, row in enumerate(rows):
            r = dict(zip(_ROW, row, strict=True))
            sections[r["section"]]
            trees = [r["lhs"], r["rhs"], *r["patterns"]]
            if not all(type(t) is int and 0 <= t < len(nodes) for t in trees) or not all(
                    n in CONDITIONS and all(isinstance(x, str) for x in a) for n, a, _ in
                    r["where"]):
                return None
            lhs = nodes[r["lhs"]]
            head = nodes[lhs[2][0]][0] if r["kind"] == "reverse" else lhs[0]
            index.setdefault(r["kind"], {}).setdefault(head, []).append(k)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None                            # a broken cache is only a slower start
    return _CachedRulebook(sections, [i for s in sections for i in s.identities],
                           nodes, rows, index)


class _CachedRulebook(Rulebook):
    """A rulebook thawed from the cache (`_thaw`): a rule and its trees are built when first
    asked for — `candidates` builds those of one head; `rules`, `by_id` and `by_kind` build
    them all — so a derive builds only the rules its operators can use."""

    def __init__(self, sections, idents, nodes, rows, index):
        self.sections, self.identities = sections, idents
        self._nodes, self._rows, self._index = nodes, rows, index
        self._trees: dict = {}
        self._built: dict = {}
        self._buckets: dict = {}
        self._fitting: dict = {}

    def __getattr__(self, name):
        if name not in ("rules", "by_id", "by_kind"):
            raise AttributeError(name)
        full = _index(self.sections, [self._rule(k) for k in range(len(self._rows))],
                      self.identities)
        self.rules, self.by_id, self.by_kind = full.rules, full.by_id, full.by_kind
        return getattr(self, name)

    def candidates(self, kind: str, op: str) -> list:
        got = self._buckets.get((kind, op))
        if got is None:
            got = self._buckets[kind, op] = [self._rule(k) for k in
                                             self._index.get(kind, {}).get(op, ())]
        return got

    def _tree(self, i: int) -> Expr:
        e = self._trees.get(i)
        if e is None:
            op, v, kids = self._nodes[i]
            if isinstance(v, dict):
                v = Fraction(*v["q"])
            e = self._trees[i] = Expr(op, tuple(self._tree(k) for k in kids), None, v)
        return e

    def _rule(self, k: int) -> Rule:
        rule = self._built.get(k)
        if rule is None:
            r = dict(zip(_ROW, self._rows[k]))
            r.update(section=self.sections[r["section"]], lhs=self._tree(r["lhs"]),
                     rhs=self._tree(r["rhs"]), patterns=[self._tree(i) for i in r["patterns"]],
                     where=[Condition(n, list(a), bool(neg)) for n, a, neg in r["where"]])
            rule = self._built[k] = Rule(**r)
        return rule
