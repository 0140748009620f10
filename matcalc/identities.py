"""Derived identities: `[[identity]]` records of rules/*.toml — a reference result (the Matrix
Cookbook's ∂det(X)/∂X = det(X) X⁻ᵀ) that matcalc must reproduce, not a rule it applies.

Owns: `Identity`, `load_entries(raws, section, path)` (field checks at load); verification
(derive, compare with `expect`, prove) is `identity_check.verify`, apart, as the rulebook
imports this module.
Invariant: a record without id, name, expr, wrt, shapes, expect or source, with an unknown
`form` or `vec`, or whose derivation does not print as its `expect` or fails its check, is
refused with a RuleFileError naming file and id — at load for the fields, at verification
(`matcalc table`, the tests) for the derivation, which loading does not run.
"""
from __future__ import annotations

from .records import field, record
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

from .errors import RuleFileError

FORMS = ("matrix", "kron", "differential", "index")
REQUIRED = ("id", "name", "expr", "wrt", "shapes", "expect", "source")


@record
class Identity:
    id: str
    name: str                 # "∂(AXB)/∂X"
    expr: str
    wrt: str
    shapes: dict
    expect: str               # matcalc's answer (row-major vec for a Kronecker form)
    source: str               # "Matrix Cookbook (2012) eq. (70)"
    form: str = "auto"
    vec: str | None = None    # the vec order the source writes: "row" | "column"
    expect_column: str = ""   # the answer in column-major vec (a Kronecker form with `vec`)
    order: int = 1
    paper: str = ""           # the source's statement, in the tables' plain notation
    note: str = ""
    file: str = ""
    section: object = None
    examples: list = field(default_factory=list)

    def __post_init__(self):
        self.examples = [{"expr": self.expr, "wrt": self.wrt, "shapes": self.shapes}]

    extension = True          # never from Parr & Howard: always in the extensions' part

    def cite(self) -> str:
        return self.source

    def where(self) -> str:
        return f"{self.file}: identity {self.id!r}"

    def orders(self) -> list:
        """(vec order, expected text) pairs to derive: row-major always; column-major too
        where the record names a vec order (a Kronecker form)."""
        return [("row", self.expect)] + ([("column", self.expect_column)] if self.vec else [])


def load_entries(raws: list, section, path: Path) -> list:
    return [_load(raw, section, path) for raw in raws]


def _load(raw: dict, section, path: Path) -> Identity:
    where = f"{path.name}: identity {raw.get('id')!r}"
    missing = [k for k in REQUIRED if not raw.get(k)]
    if missing:
        raise RuleFileError(f"{where}: missing {', '.join(missing)} (an identity needs "
                            f"{', '.join(REQUIRED)})")
    unknown = set(raw) - set(REQUIRED) - {"form", "vec", "expect_column", "order", "paper",
                                          "note"}
    if unknown:
        raise RuleFileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    form = raw.get("form", "auto")
    if form not in FORMS + ("auto",):
        raise RuleFileError(f"{where}: form must be one of {', '.join(FORMS)}, not {form!r}")
    vec = raw.get("vec")
    if vec is not None and vec not in ("row", "column"):
        raise RuleFileError(f"{where}: vec must be 'row' or 'column', not {vec!r}")
    if vec is not None and (form != "kron" or not raw.get("expect_column")):
        raise RuleFileError(f"{where}: a `vec` belongs to a Kronecker form (form = \"kron\") "
                            f"and needs `expect_column`, the answer in column-major vec")
    if not isinstance(raw["shapes"], dict):
        raise RuleFileError(f"{where}: shapes must be a table {{ X = \"m,n\" }}")
    return Identity(id=raw["id"], name=raw["name"], expr=raw["expr"], wrt=raw["wrt"],
                    shapes=dict(raw["shapes"]), expect=raw["expect"], source=raw["source"],
                    form=form, vec=vec, expect_column=raw.get("expect_column", ""),
                    order=int(raw.get("order", 1)), paper=raw.get("paper", ""),
                    note=raw.get("note", ""), file=path.name, section=section)
