"""Overlapping and shadowed rules, per kind and head.

Within one kind and head operator the first rule that matches (in either order of a
commutative operator's operands, unless `ordered`) and whose conditions hold wins.  For every
node on which a rule fires in its own worked examples, every OTHER rule of that kind and head
is tried on the same node, under the same conditions:
  - a later rule that applies too is an *overlap* (harmless: the earlier one wins) — but the
    two must then agree on that node, in value at random points, or the order of the rules
    matters for correctness, and that fails;
  - an earlier rule that applies would contradict first-match-wins, and that fails;
  - a rule that fires on none of its own examples is *shadowed*, and that fails.

The overlap table is printed (pytest -s) and kept in docs/rule-overlaps.md; regenerate it with
    MATCALC_WRITE_OVERLAPS=1 python -m pytest tests/test_rule_overlaps.py
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from matcalc.engine import Engine
from matcalc.errors import MatcalcError, ShapeError
from matcalc.patterns import SIMPLIFY_CTX, Instantiator, RuleShapeError, matches
from matcalc.rewrite import replace
from matcalc.rulebook import split_terms
from matcalc.shaperules import mk
from matcalc.tree import Expr
from tests.test_rules import ENGINE_APPLIED, RB, derived, simplified, values_agree

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rule-overlaps.md"
KINDS = ("differential", "forward", "reverse", "simplify")
# Overlaps where the later rule would NOT give the same answer (the order of the two rules
# load-bearing) — each would be a missing guard in the later rule's `where`; listed with why,
# so that a new one fails, and an entry that no longer disagrees fails too.
ORDER_MATTERS: dict = {}   # none: where two rules overlap they agree (guards make it so)

ADJOINT = "G_adj"          # the adjoint a reverse rule passes on: any array shaped like the node
DIRECTION = "dx_dir"       # d(x) evaluated: a random direction


@dataclass
class Overlap:
    kind: str
    head: str
    winner: str            # the rule that fired
    other: str             # a later rule that also applies
    node: Expr
    problem: str | None    # None: the two agree on the node


# -- where a rule fired, and whether another rule applies there ---------------------------------

def fired_nodes(rule, i):
    """[(node, ctx)]: the nodes of example i where `rule` fired, and the context its
    conditions were answered in (the engine, or SIMPLIFY_CTX)."""
    out, seen = [], set()
    if rule.kind == "simplify":
        _, _, record = simplified(rule.id, i)
        found = [(before, SIMPLIFY_CTX) for rid, before, _ in record if rid == rule.id]
    else:
        found = []
        for rnd in derived(rule.id, i).trace.rounds:
            for part in rnd:
                eng = part.engine
                if rule.kind == "differential":
                    found += [(n, eng) for n, r in eng.used.items() if r is rule]
                else:
                    found += [(n, eng) for r, n in eng.trace if r is rule]
    for node, ctx in found:
        if (node, id(ctx)) not in seen:
            seen.add((node, id(ctx)))
            out.append((node, ctx))
    return out


def applies(rule, node, ctx):
    """The bindings under which `rule` would rewrite `node` — exactly as the engine or the
    simplifier decides (first variant whose conditions hold; a simplification must also
    instantiate to the node's shape) — or None."""
    pre = None
    if rule.kind == "reverse":
        pre = {rule.lhs.args[1].value: Expr("var", (), node.shape, ADJOINT)}
    for binds in matches(rule.compiled, node, pre):
        if not all(c.holds(ctx, binds) for c in rule.where):
            continue
        if rule.kind == "simplify":
            try:
                out = Instantiator({})(rule.rhs, binds)
            except (ShapeError, RuleShapeError):
                continue
            if out.shape != node.shape:
                continue
        return binds
    return None


# -- what a rule makes of a node, as a value ---------------------------------------------------

def _fresh(ctx) -> Engine:
    return Engine(RB, ctx.x.value, ctx.x.shape)


def _directional(e: Expr, eng: Engine) -> Expr:
    return replace(e, {eng.dx: Expr("var", (), eng.x.shape, DIRECTION)})


def result(rule, binds, node, ctx) -> Expr:
    """What `rule` makes of `node`, as a tree that evaluates: a simplification's rewrite; a
    differential with d(x) a random direction; a Jacobian; for a reverse rule the pairing
    Σ ⟨adjoint, d(child)⟩ it passes on (the adjoints must have their children's shapes)."""
    if rule.kind == "simplify":
        return Instantiator({})(rule.rhs, binds)
    eng = _fresh(ctx)
    if rule.kind == "forward":
        return Instantiator({"jac": eng.jac})(rule.rhs, binds)
    if rule.kind == "differential":
        out = None
        if rule.rhs.op != "num":
            inst = Instantiator({"d": eng.differential})
            for sign, term in split_terms(rule.rhs):
                child = binds[next(n for n in term.walk() if n.op == "d").args[0].value]
                if eng.differential(child) is None:
                    continue
                v = inst(term, binds)
                out = (v if sign > 0 else mk("neg", v)) if out is None else \
                    mk("add" if sign > 0 else "sub", out, v)
        if out is None:
            return Expr("zeros", (), node.shape)
        if out.shape != node.shape:
            raise MatcalcError(f"{rule.id} gives d({node}) the shape {out.shape}")
        return _directional(out, eng)
    out = None                                            # reverse
    for sign, term in split_terms(rule.rhs):
        child = binds[term.args[0].value]
        if not ctx.linear(child):
            continue
        adj = Instantiator({})(term.args[1], binds)
        if adj.shape != child.shape:
            raise MatcalcError(f"{rule.id} passes {child} an adjoint of shape {adj.shape}")
        v = mk("sum", mk("mul", adj, _directional(child, ctx)))
        out = (v if sign > 0 else mk("neg", v)) if out is None else \
            mk("add" if sign > 0 else "sub", out, v)
    return out if out is not None else Expr("num", (), (1, 1), 0)


def _compare(winner, other, node, ctx, seed) -> str | None:
    try:
        a = result(winner, applies(winner, node, ctx), node, ctx)
        b = result(other, applies(other, node, ctx), node, ctx)
    except MatcalcError as e:
        return f"cannot apply: {e.message}"
    try:
        return values_agree(a, b, seed)
    except MatcalcError as e:
        return f"cannot evaluate: {e.message}"


# -- the survey --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def survey():
    """(overlaps, shadowed rule ids, first-match violations)."""
    overlaps, shadowed, violations = [], [], []
    for rule in RB.rules:
        if not rule.examples or rule.id in ENGINE_APPLIED:
            continue
        nodes = [nc for i in range(len(rule.examples)) for nc in fired_nodes(rule, i)]
        if not nodes:
            shadowed.append(rule.id)
        for node, ctx in nodes:
            rivals = list(RB.candidates(rule.kind, node.op))
            mine = rivals.index(rule)
            for k, other in enumerate(rivals):
                if other is rule or applies(other, node, ctx) is None:
                    continue
                if k < mine:
                    violations.append(f"{rule.id} fired on {node} although the earlier "
                                      f"{other.id} applies")
                    continue
                problem = _compare(rule, other, node, ctx, seed=len(overlaps))
                overlaps.append(Overlap(rule.kind, node.op, rule.id, other.id, node, problem))
    return overlaps, shadowed, violations


def table(overlaps) -> str:
    """The overlap table, per kind and head: each rule, the later rules that also apply on a
    node where it fires, one such node, and whether the two agree there."""
    pairs: dict = {}
    for o in overlaps:
        pairs.setdefault((o.kind, o.head, o.winner, o.other), []).append(o)
    order = {r.id: n for n, r in enumerate(RB.rules)}
    heads = {}
    for r in RB.rules:
        head = r.lhs.args[0].op if r.kind == "reverse" else r.lhs.op
        heads.setdefault((r.kind, head), order[r.id])
    lines = ["# Rule overlaps", "",
             "Generated by `tests/test_rule_overlaps.py` from the worked examples of `rules/` "
             "(regenerate: `MATCALC_WRITE_OVERLAPS=1 python -m pytest "
             "tests/test_rule_overlaps.py`).", "",
             "Within one kind and head operator the first rule that applies wins. A row says: "
             "on a node where *rule* fires in one of its examples, the later rule *also "
             "applies* would apply too (and is shadowed there). Every pair is checked on the "
             "node: the two must give the same value at random points. Where they do not, "
             "the order of the two rules is load-bearing; those pairs are listed, with why, "
             "in `ORDER_MATTERS` and below each table.", ""]
    count = 0
    for kind in KINDS:
        rows = sorted((k for k in pairs if k[0] == kind),
                      key=lambda k: (heads[(k[0], k[1])], order[k[2]], order[k[3]]))
        lines += [f"## {kind}", ""]
        if not rows:
            lines += ["No overlaps.", ""]
            continue
        lines += ["| head | rule (fires) | also applies (later) | on | agree |",
                  "|---|---|---|---|---|"]
        notes = []
        for k in rows:
            node = min((str(o.node) for o in pairs[k]), key=lambda t: (len(t), t))
            agree = all(o.problem is None for o in pairs[k])
            if not agree:
                reason = ORDER_MATTERS.get((k[2], k[3]), "not explained: a new disagreement")
                if reason not in notes:
                    notes.append(reason)
                mark = f"no: order matters ({notes.index(reason) + 1})"
            else:
                mark = "yes"
            lines.append(f"| `{k[1]}` | `{k[2]}` | `{k[3]}` | "
                         f"`{node.replace('|', chr(92) + '|')}` | {mark} |")
            count += 1
        lines.append("")
        lines += [f"({n}) {reason}" + ("" if n == len(notes) else "  ")
                  for n, reason in enumerate(notes, 1)]
        lines += [""] if notes else []
    lines.insert(2, f"{count} overlapping pairs of rules, "
                    f"{len({(o.winner, o.other) for o in overlaps if o.problem})} of them "
                    f"order-dependent.\n")
    return "\n".join(lines).rstrip() + "\n"


# -- the tests ---------------------------------------------------------------------------------

def test_no_rule_is_shadowed():
    _, shadowed, _ = survey()
    assert not shadowed, "rules that fire on none of their own examples (shadowed by an " \
        "earlier rule, or a wrong example):\n" + "\n".join(shadowed)


def test_the_first_rule_that_applies_is_the_one_that_fired():
    _, _, violations = survey()
    assert not violations, "\n".join(violations)


def test_overlapping_rules_agree_where_they_overlap():
    overlaps, _, _ = survey()
    bad = [f"{o.kind} {o.head}: {o.winner} / {o.other} on {o.node}: {o.problem}"
           for o in overlaps if o.problem is not None
           and (o.winner, o.other) not in ORDER_MATTERS]
    assert not bad, "rules whose order matters for correctness:\n" + "\n".join(bad)


def test_the_known_order_dependent_pairs_still_disagree():
    overlaps, _, _ = survey()
    disagree = {(o.winner, o.other) for o in overlaps if o.problem is not None}
    stale = sorted(set(ORDER_MATTERS) - disagree)
    assert not stale, f"these pairs overlap no more or agree now: take them off " \
        f"ORDER_MATTERS: {stale}"


def test_overlap_table_is_fresh():
    overlaps, _, _ = survey()
    text = table(overlaps)
    print("\n" + text)
    if os.environ.get("MATCALC_WRITE_OVERLAPS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.exists() and DOC.read_text(encoding="utf-8") == text, \
        "docs/rule-overlaps.md differs from the rules' overlaps: regenerate it with " \
        "MATCALC_WRITE_OVERLAPS=1 python -m pytest tests/test_rule_overlaps.py and commit it"
