"""Wrong answers of matcalc found by the oracle whose cause is in a file this oracle's owners
may not edit, each reported with the exact change needed (issue 11's report).

Owns: `KNOWN` and `known_defect(problem, outcome)`.  A wrong answer that one of these
describes is counted apart ("known defect", by id) — listed in every summary and in
last_run.json, never counted correct — so the CI run stays meaningful while the owner fixes
it; `tests/test_oracle.py::test_known_defects_still_reproduce` fails as soon as a defect is
fixed, so that its entry is removed.  An entry must be narrow: the family it describes, not
a mask for the oracle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class KnownDefect:
    id: str
    owner: str                 # the file the fix goes in
    fix: str                   # the exact change
    applies: Callable          # (problem, outcome) -> bool
    reproducer: tuple          # (text, wrt, shapes, layout): still wrong today


def _joint_denominator(problem, outcome) -> bool:
    return len(problem.wrt) > 1 and not problem.mixed and problem.layout == "denominator"


KNOWN = [
    KnownDefect(
        "joint-denominator-read-back",
        "matcalc/forms.py",
        "_from_index sets f.matrix_raw to the matrix AFTER the denominator-layout transpose; "
        "derivation._joint then puts the blocks' raw matrices side by side and transposes "
        "again: by several variables at once in denominator layout the blocks come out "
        "transposed ((n+n)×m instead of (m+m)×n). Keep `raw = m` before `m = mk('T', m)` and "
        "set `f.matrix, f.matrix_raw = m, raw`.",
        _joint_denominator,
        ("kron(u' @ v, A) @ z", ["v", "u"], {"u": "m", "v": "m", "A": "n,n", "z": "n"},
         "denominator")),
]


def known_defect(problem, outcome):
    """The KnownDefect that describes this wrong outcome, or None."""
    for k in KNOWN:
        if k.applies(problem, outcome):
            return k
    return None
