"""The simplification of a whole expression, step by step, as a teacher writes it: each line
the whole expression, the identity that took it there, mechanical normalisations folded
into one line, nothing that changes nothing.

Owns: `MECHANICAL` (the rules that only tidy: algebra, associativity, transposes and signs
moved, identities and scalars taken out), `replay(start, record)` (the record of
`simplify(start, record)` — rewrites of subtrees — applied to the whole expression in turn)
and `lines(start, record, final)` → [(rule ids, expression)]: a line per identity, each
run of tidying folded into the line of the identity that follows it (or the last line).
Invariant: `lines` ends at `final` or returns None (a record that cannot be replayed: the
caller then lists the rewrites as they were recorded); consecutive lines differ in print.
"""
from __future__ import annotations

from .rewrite import replace
from .simplify import present

MECHANICAL = frozenset({
    "simp.algebra", "simp.matmul.assoc", "simp.transpose.add", "simp.transpose.sub",
    "simp.transpose.neg", "simp.transpose.scale", "simp.transpose.div",
    "simp.transpose.matmul", "simp.transpose.transpose", "simp.transpose.scalar",
    "simp.transpose.symmetric", "simp.matmul.pull.left", "simp.matmul.pull.right",
    "simp.matmul.neg.left", "simp.matmul.neg.right", "simp.matmul.div.left",
    "simp.matmul.div.right", "simp.matmul.scalar.left", "simp.matmul.scalar.right",
    "simp.matmul.one", "simp.matmul.eye.left", "simp.matmul.eye.right",
    "simp.hadamard.pull.right", "simp.sum.scalar", "simp.sum.scale", "simp.sum.neg",
    "simp.sum.transpose", "simp.sum.row", "simp.diag.neg", "simp.diag.scale",
    "simp.diag.row", "simp.vec.scale", "simp.vec.neg", "simp.vec.vector", "simp.mean",
    "simp.kron.neg.left", "simp.kron.neg.right", "simp.kron.scale.left",
    "simp.kron.scale.right", "simp.kron.scalar.left", "simp.kron.scalar.right",
})
MAX_REPLAY = 400


def replay(start, record: list):
    """[(rule id, whole expression after it)] for each rewrite of `record`, or None when a
    rewritten subtree is not found in the expression (the record does not replay)."""
    if len(record) > MAX_REPLAY:
        return None
    state, out, seen = start, [], {}
    for rule_id, before, after in record:
        if before == after:
            continue
        seen[before] = after
        new = after if before == state else replace(state, {before: after})
        for _ in range(8):                # a subtree normalised before, met again later, is
            again = replace(new, seen)    # taken from the simplifier's memo, not recorded
            if again == new:
                break
            new = again
        if new == state:
            continue                      # already rewritten where it occurred (shared)
        state = new
        out.append((rule_id, state))
    return out


def lines(start, record: list, final):
    """[(rule ids, expression)]: one line per identity, each run of mechanical rewrites
    folded into one line, lines that print like the one before dropped; None when the
    record does not replay to `final`."""
    got = replay(start, record)
    if got is None or (got and got[-1][1] != final) or (not got and start != final):
        return None
    out: list = []
    shown = str(present(start))
    pending: list = []
    for i, (rule_id, state) in enumerate(got):
        pending.append(rule_id)
        if rule_id in MECHANICAL and i < len(got) - 1:
            continue                      # tidying is folded into the next identity's line
        text = str(present(state))
        if text != shown:                 # else: carry its ids to the next line
            out.append((list(dict.fromkeys(pending)), state))
            shown = text
            pending = []
    return out
