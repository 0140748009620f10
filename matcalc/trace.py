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
    """What the derivation did: its rounds (one per order, each a Part per variable) and
    every simplification (rule id, before, after) of the final closed form."""
    rounds: list = field(default_factory=list)
    simplifications: list = field(default_factory=list)
    differentials: list = field(default_factory=list)   # the dᵏy chain's engines

    @property
    def engines(self) -> list:
        return [p.engine for r in self.rounds for p in r] + self.differentials

    def rules_used(self) -> set:
        """Ids of every rule that took part: differentials, sweeps, simplifications."""
        ids = {r.id for e in self.engines for r in e.used.values() if r is not None}
        ids |= {r.id for e in self.engines for r, _ in e.trace}
        return ids | {rid for rid, _, _ in self.simplifications}
