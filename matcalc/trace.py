"""What a derivation did, kept for the steps and for anyone who asks: its rounds (a `Part`
per variable per round of the matrix chain), the engines of the differential chain, and every
simplification of the final closed form.

Owns: `Part`, `Trace`.
"""
from __future__ import annotations

from .records import field, record


@record
class Part:
    """One derivative by one variable: what was differentiated, by which engine, what was
    read off its differential (before simplification) and how (scalar|forward|reverse)."""
    engine: Engine
    y: object
    raw: object
    how: str
    label: str = "y"


@record
class Trace:
    """What the derivation did: its rounds (one per order, each a Part per variable), the
    differential chain's engines — both read from its blocks (`forms.Forms`) when asked —
    and every simplification (rule id, before, after) of the final closed form."""
    blocks: list = field(default_factory=list)
    simplifications: list = field(default_factory=list)

    @property
    def rounds(self) -> list:
        """Round r holds each block's r-th part."""
        out: list = []
        for b in self.blocks:
            for r, part in enumerate(b.parts):
                if len(out) <= r:
                    out.append([])
                out[r].append(part)
        return out

    @property
    def differentials(self) -> list:
        """The dᵏy chain's engines."""
        return [e for b in self.blocks for e in b.engines]

    @property
    def engines(self) -> list:
        return [p.engine for r in self.rounds for p in r] + self.differentials

    def rules_used(self) -> set:
        """Ids of every rule that took part: differentials, sweeps, simplifications."""
        ids = {r.id for e in self.engines for r in e.used.values() if r is not None}
        ids |= {r.id for e in self.engines for r, _ in e.trace}
        return ids | {rid for rid, _, _ in self.simplifications}
