"""The independent proof of a derivative: exact (SymPy, entry by entry) and numeric methods.

Owns: `check_derivative(...) -> CheckReport`, `CheckReport`, `MethodResult`.  The methods
live beside it: `problem` (what is checked, its sizes and sample points inside the domain),
`numeric` (central differences) and `exact` (SymPy).
Invariant: nothing here trusts the rule engine — the input is expanded entry by entry and
differentiated by SymPy (exact) or by central differences of its NumPy value (numeric) and the
closed form is compared with that, as the derivative array S+T (matcalc.conventions).  A
derivative that cannot be evaluated is a `CheckError`, never a pass.  SymPy and NumPy are
imported inside the functions: `import matcalc.check` loads neither.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import CheckError


@dataclass
class MethodResult:
    name: str
    passed: bool | None       # None: skipped (see note)
    sizes: dict
    worst_error: float | None
    seconds: float
    note: str

    @property
    def skipped(self) -> bool:
        return self.passed is None


@dataclass
class CheckReport:
    methods: list

    @property
    def passed(self) -> bool:
        """Every method that ran passed, and at least one ran."""
        ran = [m for m in self.methods if not m.skipped]
        return bool(ran) and all(m.passed for m in ran)

    def to_dict(self) -> dict:
        methods = [asdict(m) for m in self.methods]
        for m in methods:      # JSON has no inf / nan
            if m["worst_error"] is not None and not math.isfinite(m["worst_error"]):
                m["worst_error"] = None
        return {"passed": self.passed, "methods": methods}

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"<CheckReport {verdict}>\n{self}"

    def _repr_pretty_(self, p, cycle) -> None:          # IPython's plain-text display
        p.text(repr(self))

    def _repr_html_(self) -> str:
        from ..display import check_report_html
        return check_report_html(self)

    def __str__(self) -> str:
        lines = []
        for m in self.methods:
            status = "skipped" if m.skipped else "passed" if m.passed else "FAILED"
            sizes = ", ".join(f"{k}={v}" for k, v in m.sizes.items())
            inside = "; ".join(s for s in (sizes, m.note) if s)
            lines.append(f"check: {m.name:<7} {status:<7} ({inside})  {m.seconds:.2f} s")
        return "\n".join(lines)


def check_derivative(expr, result, wrt, var_shapes: dict, *, order=1, layout="numerator",
                     methods=("exact", "numeric"), sizes: dict | None = None,
                     seed: int = 0, mixed: bool = False, vec: str = "row") -> CheckReport:
    """Verify that `result` is the derivative of `expr` by `wrt` (§3 convention).

    `expr`/`result` are typed trees (or text, parsed with `var_shapes`); `sizes` overrides the
    concrete sizes of both methods.  Returns a report; raises CheckError if it cannot check.
    """
    from .exact import run_exact
    from .numeric import run_numeric
    from .problem import Problem
    problem = Problem(expr, result, wrt, var_shapes, order, layout, mixed, vec)
    runners = {"exact": run_exact, "numeric": run_numeric}
    unknown = [m for m in methods if m not in runners]
    if unknown:
        raise CheckError(f"unknown check method {unknown[0]!r}; use 'exact' or 'numeric'",
                         label="bad-args")
    return CheckReport([runners[m](problem, sizes, seed) for m in methods])
