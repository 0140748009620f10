"""The generated parts of the language reference (docs/language.md): the tables of functions,
read from the operator registry's records (`names`, `kind`, `doc`), so the reference lists
exactly what the parser accepts.

Owns: `function_table(dialect)`, `update(path)` — rewrites the text between the markers
`<!-- functions:NAME -->` and `<!-- /functions:NAME -->` — and the command
`python -m matcalc.langdoc [docs/language.md]`.  A test fails when the file is stale.

>>> function_table().splitlines()[0]
'| function | kind | meaning |'
"""
from __future__ import annotations

import re
import sys

from .ops import REGISTRY

KINDS = {"ewise": "element-wise", "macro": "shorthand", "binary": "element-wise, two",
         "reduce": "reduction → scalar", "func": "vector / matrix", "linear": "product",
         "layer": "layer / loss"}
ORDER = ["ewise", "macro", "binary", "reduce", "func", "linear", "layer"]
HIDDEN = {"vcat", "hcat"}          # what literals [a, b] build: not called by name


def _records(dialect: str):
    recs = [r for r in REGISTRY.values() if r.names and r.kind in KINDS and
            r.names[0] not in HIDDEN and (r.dialect == dialect if dialect != "matcalc"
                                          else not r.dialect)]
    return sorted(recs, key=lambda r: ORDER.index(r.kind))


def function_table(dialect: str = "matcalc") -> str:
    """A Markdown table of the functions a user may call in `dialect` (for 'matrixcalculus',
    only the ones that dialect adds)."""
    lines = ["| function | kind | meaning |", "|---|---|---|"]
    for r in _records(dialect):
        names = ", ".join(f"`{n}`" for n in r.names)
        doc = (r.doc or r.names[0]).replace("|", "\\|")
        lines.append(f"| {names} | {KINDS[r.kind]} | {doc} |")
    return "\n".join(lines)


def update(path: str) -> bool:
    """Rewrite the generated tables of the file at `path`; True if it changed."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new = text
    for dialect in ("matcalc", "matrixcalculus"):
        pattern = re.compile(rf"(<!-- functions:{dialect} -->\n).*?(\n<!-- /functions:"
                             rf"{dialect} -->)", re.S)
        new = pattern.sub(lambda m: m.group(1) + function_table(dialect) + m.group(2), new)
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return new != text


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/language.md"
    print(("updated " if update(target) else "up to date: ") + target)
