"""Generate `matcalc/_parse_tables.py`: the LALR(1) tables of grammar/matcalc.lark as plain
Python data, read by matcalc's own small parser (`matcalc.lalr`), so that a cold
`matcalc derive` neither imports Lark nor builds the parse table, and compiles no regular
expression.

    python -m matcalc.parser_gen            # rewrite matcalc/_parse_tables.py
    python -m matcalc.parser_gen --check    # exit 1 if it is not the grammar's

Lark (a run-time dependency, needed here only) reads the grammar and computes the tables
(its LALR analysis, its contextual lexer's terminals and their order of preference, its tree
builder's rules: `?rule` inlining, `-> alias`, `_rule` splicing); this module writes them out
as data: every state's actions, numbered in a canonical order so the file is reproducible,
and every terminal's regular expression as a small program `matcalc.lalr` runs (a terminal
whose expression uses something beyond literals, classes, greedy repeats, alternatives and
lookaheads stays a regular expression).  Run it after every change of the grammar;
tests/test_parse_cases.py checks the file is the grammar's, and that the parser gives Lark's
trees and errors.
Owns: `generate() -> str`, `grammar_digest() -> str`, `recorded_digest(text) -> str | None`.
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

from .resources import grammar_path

OUT = Path(__file__).resolve().parent / "_parse_tables.py"
# the options matcalc.lalr reproduces: the LALR parser with Lark's contextual lexer, both
# start symbols, spans on every node
STARTS = ("start", "pattern")
_DIGEST = re.compile(r"^# grammar sha256: ([0-9a-f]{64})$", re.M)

# the node kinds of a terminal's program (matcalc.lalr reads the same numbers)
LIT, SET, REP, ALT, LOOK, ANY = range(6)


def grammar_digest() -> str:
    return hashlib.sha256(grammar_path().read_bytes()).hexdigest()


def recorded_digest(text: str) -> str | None:
    m = _DIGEST.search(text)
    return m.group(1) if m else None


class _Unsupported(Exception):
    pass


def _program(regexp: str):
    """A regular expression as a program for matcalc.lalr: a tuple of nodes (or
    _Unsupported for what the little matcher does not do: anchors, back-references,
    lookbehinds, lazy or possessive repeats, flags, repeats that can match nothing)."""
    import re._constants as C
    import re._parser as P
    parsed = P.parse(regexp)
    if parsed.state.flags & ~re.UNICODE:
        raise _Unsupported("flags")
    cats = {C.CATEGORY_SPACE: "s", C.CATEGORY_NOT_SPACE: "S", C.CATEGORY_DIGIT: "d",
            C.CATEGORY_NOT_DIGIT: "D", C.CATEGORY_WORD: "w", C.CATEGORY_NOT_WORD: "W"}

    def cls(items):
        singles, ranges, categories, negate = [], [], "", False
        for op, av in items:
            if op is C.LITERAL:
                singles.append(chr(av))
            elif op is C.RANGE:
                ranges.append((chr(av[0]), chr(av[1])))
            elif op is C.CATEGORY and av in cats:
                categories += cats[av]
            elif op is C.NEGATE:
                negate = True
            else:
                raise _Unsupported(str(op))
        return (SET, "".join(singles), tuple(ranges), categories, negate)

    def seq(sub):
        out = []
        for op, av in sub:
            if op is C.LITERAL:
                if out and out[-1][0] == LIT:
                    out[-1] = (LIT, out[-1][1] + chr(av))
                else:
                    out.append((LIT, chr(av)))
            elif op is C.NOT_LITERAL:
                out.append((SET, chr(av), (), "", True))
            elif op is C.IN:
                out.append(cls(av))
            elif op is C.ANY:
                out.append((ANY,))
            elif op is C.MAX_REPEAT:
                lo, hi, body = av
                if body.getwidth()[0] == 0:
                    raise _Unsupported("a repeat that can match nothing")
                out.append((REP, int(lo), int(hi), seq(body)))
            elif op is C.SUBPATTERN:
                _group, add, rm, body = av
                if add or rm:
                    raise _Unsupported("flags")
                out.extend(seq(body))
            elif op is C.BRANCH:
                out.append((ALT, tuple(seq(b) for b in av[1])))
            elif op in (C.ASSERT, C.ASSERT_NOT) and av[0] == 1:
                out.append((LOOK, op is C.ASSERT, seq(av[1])))
            else:
                raise _Unsupported(str(op))
        return tuple(out)

    return seq(parsed)


def _terminal(t):
    """(name, has a newline, how to match): a literal string, a program, or ('re', regexp)."""
    regexp = t.pattern.to_regexp()
    newline = ("\n" in regexp or "\\n" in regexp or "\\s" in regexp or "[^" in regexp
               or ("(?s" in regexp and "." in regexp))          # Lark's _regexp_has_newline
    if t.pattern.type == "str" and not t.pattern.flags:
        return (t.name, newline, t.pattern.value)
    try:
        return (t.name, newline, _program(regexp))
    except _Unsupported:
        return (t.name, newline, ("re", regexp))


def _tables():
    import lark
    from lark.lexer import PatternStr, PatternRE
    parser = lark.Lark.open(str(grammar_path()), parser="lalr", lexer="contextual",
                            start=list(STARTS), propagate_positions=True,
                            maybe_placeholders=False)
    if parser.options.postlex is not None or parser.options.lexer_callbacks:
        raise SystemExit("matcalc.lalr has no post-lexer and no lexer callbacks")
    terminals = list(parser.terminals)
    # Lark's BasicLexer: the first terminal in this order that matches wins
    terminals.sort(key=lambda x: (-x.priority, -x.pattern.max_width, -len(x.pattern.value),
                                  x.name))
    # Lark turns a string terminal a regexp terminal of its priority also matches into an
    # `unless` callback; matcalc.lalr has none, so the grammar must not need one
    for r in (t for t in terminals if isinstance(t.pattern, PatternRE)):
        for s in (t for t in terminals if isinstance(t.pattern, PatternStr)):
            if s.priority == r.priority and re.match(r.pattern.to_regexp() + r"\Z",
                                                     s.pattern.value):
                raise SystemExit(f"terminal {s.name} is also a {r.name}: matcalc.lalr "
                                 "does not do Lark's `unless` callbacks")
    table = parser.parser.parser.parser.parse_table
    rules = sorted({arg for st in table.states.values() for action, arg in st.values()
                    if action.name == "Reduce"}, key=lambda r: (r.origin.name, str(r)))
    rule_index = {r: i for i, r in enumerate(rules)}
    # canonical state numbers: breadth first from the start states, symbols in sorted order
    order, seen = [], set()
    queue = [table.start_states[s] for s in sorted(STARTS)]
    while queue:
        s = queue.pop(0)
        if s in seen:
            continue
        seen.add(s)
        order.append(s)
        for sym in sorted(table.states[s]):
            action, arg = table.states[s][sym]
            if action.name == "Shift":
                queue.append(arg)
    order += sorted(set(table.states) - seen)
    number = {s: i for i, s in enumerate(order)}
    states = []
    for s in order:
        acts = {}
        for sym in sorted(table.states[s]):
            action, arg = table.states[s][sym]
            acts[str(sym)] = number[arg] if action.name == "Shift" else ~rule_index[arg]
        states.append(acts)
    out_rules = []
    for r in rules:
        keep_all = r.options.keep_all_tokens or parser.options.keep_all_tokens
        include = [(i, not sym.is_term and sym.name.startswith("_"))
                   for i, sym in enumerate(r.expansion)
                   if keep_all or not (sym.is_term and sym.filter_out)]
        plain = len(include) == len(r.expansion) and not any(x for _, x in include)
        if r.options.template_source:
            raise SystemExit("matcalc.lalr does not do Lark's templates")
        out_rules.append((str(r.origin.name), len(r.expansion), str(r.alias or r.origin.name),
                          bool(r.options.expand1 and not r.alias),
                          None if plain else tuple(include)))
    return {
        "TERMINALS": tuple(_terminal(t) for t in terminals),
        "REGEXPS": {t.name: t.pattern.to_regexp() for t in terminals
                    if not (t.pattern.type == "str" and not t.pattern.flags)},
        "IGNORE": tuple(sorted(parser.ignore_tokens)),
        "STATES": tuple(states),
        "START": {s: number[table.start_states[s]] for s in sorted(STARTS)},
        "END": {s: number[table.end_states[s]] for s in sorted(STARTS)},
        "RULES": tuple(out_rules),
    }, lark.__version__


def generate() -> str:
    """The module's text: a header naming the grammar's digest, then the tables."""
    tables, version = _tables()
    lines = ["# matcalc's parse tables: grammar/matcalc.lark through Lark's LALR(1) analysis",
             f"# (Lark {version}), written out as data by python -m matcalc.parser_gen; do not "
             "edit by hand.",
             "# Read by matcalc/lalr.py (see there for what each table holds).",
             f"# grammar sha256: {grammar_digest()}",
             "# flake8: noqa", ""]
    lines.append("# (name, can hold a line break, a literal | a program | ('re', regexp)), the "
                 "lexer's order of preference")
    lines.append("TERMINALS = (")
    lines += [f"    {t!r}," for t in tables["TERMINALS"]]
    lines.append(")")
    lines.append("# each terminal matched by a program: its regular expression (a warm lexer compiles")
    lines.append("# the ones it meets often: matcalc/lalr_lexer.py)")
    lines.append(f"REGEXPS = {tables['REGEXPS']!r}")
    lines.append(f"IGNORE = {tables['IGNORE']!r}")
    lines.append("# per state: symbol -> the next state (shift, goto) or ~rule (reduce)")
    lines.append("STATES = (")
    lines += [f"    {s!r}," for s in tables["STATES"]]
    lines.append(")")
    lines.append(f"START = {tables['START']!r}")
    lines.append(f"END = {tables['END']!r}")
    lines.append("# (origin, length, tree name, ?rule: one child is the node, None | kept children "
                 "(index, spliced _rule))")
    lines.append("RULES = (")
    lines += [f"    {r!r}," for r in tables["RULES"]]
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m matcalc.parser_gen",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the module was not generated from the grammar as it is")
    args = ap.parse_args(argv)
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else ""
        ok = recorded_digest(current) == grammar_digest()
        print(f"{OUT.name}: {'up to date' if ok else 'STALE: run python -m matcalc.parser_gen'}")
        return 0 if ok else 1
    OUT.write_text(generate(), encoding="utf-8", newline="\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
