"""Readability: matcalc's answer against the form a textbook prints, in tokens.

    python bench/readability.py            # the table: tokens, ratio, note; median and worst
    python bench/readability.py --check    # also prove every textbook form (SymPy; slow)

The problems are data, tests/readability/*.toml (expression, wrt, shapes, the textbook's
form, its source, and a note where matcalc's form is longer because the textbook elides
something).  A form's size is `matcalc.readability.printed_size`: tokens (names, numbers,
operators, function names, brackets) of the form as printed, with repeated parts named
once (`where h₁ = …`) when that is shorter — the same measure for both sides; the textbook's
text is parsed and printed as written (not simplified), so only spelling is normalised.
Targets (issue 15): median ratio ≤ 1.0, none above 1.5.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PROBLEMS_DIR = ROOT / "tests" / "readability"
MEDIAN_TARGET, MAX_TARGET = 1.0, 1.5


def load_problems() -> list[dict]:
    out = []
    for path in sorted(PROBLEMS_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        fam = data["family"]["id"]
        for p in data["problem"]:
            out.append(dict(p, family=fam, name=f"{fam}/{p['id']}"))
    return out


def derive(p):
    import matcalc
    return matcalc.derive(p["expr"], p["wrt"], shapes=p.get("shapes"), order=p.get("order", 1))


def textbook_tree(p, d):
    """The textbook's form parsed with the problem's shapes, as written (not simplified):
    `I`, `𝟏` take the answer's shape, a size (`N` in `(2/N)`) is that size."""
    import matcalc
    from matcalc.rewrite import replace
    from matcalc.tree import Expr
    declared = {k: ",".join(str(x) for x in v) for k, v in d.var_shapes.items()}
    r, c = d.result.shape
    if (r, c) == (1, 1):
        e = matcalc.parse(p["textbook"], declared)
    else:
        declared["Shape_"] = f"{r},{c}"            # a stand-in of the answer's shape
        e = matcalc.parse(f"({p['textbook']}) + Shape_", declared).args[0]
    sizes = {str(x) for v in d.var_shapes.values() for x in v if isinstance(x, str)}
    return replace(e, {n: Expr("size", (), (1, 1), n.value) for n in e.walk()
                       if n.op == "var" and n.value in sizes - set(d.var_shapes)})


def measure(p) -> dict:
    from matcalc.printing.cse import shared_display
    from matcalc.readability import printed_size
    d = derive(p)
    book = textbook_tree(p, d)
    ours, theirs = printed_size(d.result), printed_size(book)
    main, defs = shared_display(d.result)
    shown = main + "".join(f"  where {n} = {b}" for n, b in defs)
    return {"name": p["name"], "matcalc": shown, "textbook": str(book), "ours": ours,
            "theirs": theirs, "ratio": ours / theirs, "note": p.get("note", ""),
            "derivation": d, "book": book}


def prove(p, row) -> bool:
    """The textbook's form proved equal to the derivative by the checker (not the engine)."""
    from matcalc.check import check_derivative
    d = row["derivation"]
    report = check_derivative(d.expr, row["book"], d.wrt, d.var_shapes, order=d.order)
    return report.passed


def summary(rows) -> dict:
    ratios = [r["ratio"] for r in rows]
    return {"problems": len(rows), "median": statistics.median(ratios), "max": max(ratios),
            "worst": sorted(rows, key=lambda r: -r["ratio"])[:5]}


def table(rows) -> str:
    lines = ["| problem | matcalc | tokens | textbook | tokens | ratio | note |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | `{r['matcalc']}` | {r['ours']} | `{r['textbook']}` | "
                     f"{r['theirs']} | {r['ratio']:.2f} | {r['note']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="prove every textbook form")
    args = ap.parse_args(argv)
    rows = [measure(p) for p in load_problems()]
    print(table(rows))
    s = summary(rows)
    print(f"\n{s['problems']} problems: median ratio {s['median']:.2f} (target ≤ "
          f"{MEDIAN_TARGET}), max {s['max']:.2f} (target ≤ {MAX_TARGET})")
    for r in s["worst"]:
        print(f"  {r['ratio']:.2f}  {r['name']}: {r['matcalc']}  vs  {r['textbook']}"
              + (f"  — {r['note']}" if r["note"] else ""))
    if args.check:
        bad = [r["name"] for p, r in zip(load_problems(), rows) if not prove(p, r)]
        print("textbook forms proved:", "all" if not bad else f"FAILED {bad}")
    ok = s["median"] <= MEDIAN_TARGET and s["max"] <= MAX_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
