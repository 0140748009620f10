"""The oracle's bookkeeping: counts of outcomes per run, the summary table, the JSON record.

Owns: `Tally` (correct / refused by label / wrong / known defect by id / no usable point,
per family, and the
channels compared), `TALLIES` (the runs of this session, printed by `tests/conftest.py` at the
end of the session) and `write_json` (the slow profile's `tests/oracle/last_run.json`).
Standard library only, so that conftest can import it cheaply.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

LAST_RUN = Path(__file__).resolve().parent / "last_run.json"
TALLIES: dict = {}


class Tally:
    def __init__(self, name: str):
        self.name = name
        self.kinds: Counter = Counter()
        self.refused: Counter = Counter()
        self.no_point: Counter = Counter()
        self.known: Counter = Counter()          # wrong answers of a reported defect (known.py)
        self.families: Counter = Counter()
        self.channels: Counter = Counter()
        self.wrong: list = []
        self.skipped: dict = {}                  # backend -> reason it was not compared
        self.started = time.time()
        self.seconds = 0.0
        TALLIES[name] = self

    def record(self, outcome, compared=()) -> None:
        self.kinds[outcome.kind] += 1
        p = outcome.problem
        self.families[(p.family(), outcome.kind)] += 1
        if outcome.kind == "refused":
            self.refused[outcome.label] += 1
        elif outcome.kind == "no point":
            self.no_point[outcome.label] += 1
        elif outcome.kind == "known defect":
            self.known[outcome.label] += 1
        elif outcome.kind == "wrong":
            self.wrong.append(outcome)
        if outcome.kind in ("correct", "wrong", "known defect") and outcome.truth is not None:
            self.channels.update(["lambdify", *compared])
        self.seconds = time.time() - self.started

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def wrong_by_signature(self) -> list:
        """[(signature, count, smallest outcome)], most frequent first."""
        groups: dict = {}
        for o in self.wrong:
            count, best = groups.get(o.signature, (0, o))
            if len(o.problem.text) < len(best.problem.text):
                best = o
            groups[o.signature] = (count + 1, best)
        return sorted(((s, c, b) for s, (c, b) in groups.items()), key=lambda t: -t[1])

    def summary_lines(self) -> list[str]:
        k = self.kinds
        lines = [f"autodiff oracle ({self.name}): {self.total} problems in {self.seconds:.0f} s: "
                 f"{k['correct']} correct, {k['refused']} refused, {k['wrong']} wrong, "
                 f"{k['known defect']} known defects, "
                 f"{k['no point']} without a usable sample point",
                 "  compared: " + ", ".join(f"{c} {n}" for c, n in self.channels.items())]
        lines += [f"  {b} not compared: {r}" for b, r in self.skipped.items()]
        lines += [f"  refused {n:5d}  {label}" for label, n in self.refused.most_common()]
        lines += [f"  no point {n:4d}  {why}" for why, n in self.no_point.most_common()]
        lines += [f"  KNOWN DEFECT {n:4d}  {label} (tests/oracle/known.py: reported, not fixed)"
                  for label, n in self.known.most_common()]
        families = sorted({f for f, _ in self.families})
        lines.append(f"  {'family':40s} correct refused   wrong no-point")
        for f in families:
            c = [self.families[(f, kind)] for kind in ("correct", "refused", "wrong", "no point")]
            c[2] += self.families[(f, "known defect")]
            lines.append(f"  {f:40s} {c[0]:7d} {c[1]:7d} {c[2]:7d} {c[3]:8d}")
        for sig, n, o in self.wrong_by_signature():
            lines.append(f"  wrong {n:5d}  {sig}")
            lines.append(f"      smallest: {o.problem.describe()}")
        return lines

    def to_dict(self) -> dict:
        k = self.kinds
        return {"run": self.name, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "seconds": round(self.seconds), "problems": self.total,
                "correct": k["correct"], "refused": k["refused"], "wrong": k["wrong"],
                "no_point": k["no point"], "known_defects": dict(self.known.most_common()),
                "refused_by_label": dict(self.refused.most_common()),
                "no_point_by_reason": dict(self.no_point.most_common()),
                "wrong_by_signature": {s: n for s, n, _ in self.wrong_by_signature()},
                "channels": dict(self.channels), "not_compared": dict(self.skipped)}


def write_json(tally: Tally, path: Path = LAST_RUN) -> None:
    path.write_text(json.dumps(tally.to_dict(), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
