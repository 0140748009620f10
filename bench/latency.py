"""§1 Answer latency: a cold `python -m matcalc derive …` (a new process each time) on every
worked example of the paper (tests/test_paper.py CASES), against `python -c pass`,
`python -c "import lark"` and `python -c "import sympy"` measured in the same rounds;
`import matcalc` alone; which heavy modules a plain derive imports (`-X importtime`: SymPy
must not be among them); and where the cold start of the paper's neuron goes (issue 17.1):
interpreter, imports, rule loading, parse, derive, print, with its ratio to `import lark`.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from bench.battery import paper_cases
from bench.common import ROOT, fmt_ratio, fmt_time, ratio, subprocess_env, table

HEAVY = ("sympy", "numpy", "scipy", "torch", "jax", "lark")


def derive_argv(text, wrt, shapes, layout="numerator") -> list[str]:
    argv = [sys.executable, "-m", "matcalc", "derive", text, "--wrt", wrt, "--layout", layout]
    for name, decl in (shapes or {}).items():
        argv += ["--shape", f"{name}:{decl}"]
    return argv


def _wall(argv) -> tuple[float, int, str]:
    t = time.perf_counter()
    p = subprocess.run(argv, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True)
    return time.perf_counter() - t, p.returncode, p.stderr


# the paper's neuron as the issue times it: no shapes declared
NEURON = ("max(0, w.x + b)", "w")


def console_script() -> str | None:
    """The `matcalc` console script beside this interpreter (what users run), if installed."""
    path = os.path.join(os.path.dirname(sys.executable), "matcalc")
    return path if os.path.isfile(path) else None

# One cold process doing what `python -m matcalc derive EXPR --wrt W` does, phase by phase
# (what a phase imports on the way counts in it): prints the phases' seconds as JSON.
SPLIT_CODE = """
import time
t0 = time.perf_counter()
import sys
import matcalc.cli
args = matcalc.cli.build_parser().parse_args(["derive", sys.argv[1], "--wrt", sys.argv[2]])
t1 = time.perf_counter()
from matcalc.rulebook import load
load()
t2 = time.perf_counter()
import matcalc
q = matcalc.Question.ask(args.expr, args.wrt)
t3 = time.perf_counter()
d = matcalc.derive(q)
t4 = time.perf_counter()
from matcalc.answer import text_answer
sys.stdout.write(text_answer(d) + "\\n")
sys.stdout.flush()
t5 = time.perf_counter()
import json
print(json.dumps({"imports": t1 - t0, "rule loading": t2 - t1, "parse": t3 - t2,
                  "derive": t4 - t3, "print": t5 - t4}))
"""
PHASES = ("imports", "rule loading", "parse", "derive", "print")


def split_once(text: str = NEURON[0], wrt: str = NEURON[1]) -> dict:
    """The seconds of each phase of one cold derive (a fresh process)."""
    p = subprocess.run([sys.executable, "-c", SPLIT_CODE, text, wrt], cwd=ROOT,
                       env=subprocess_env(), capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def split_table(split: dict, wall: float, python: float, lark: float) -> tuple[list, dict]:
    """Rows (phase, median, share of the wall time) and the summary of the split."""
    rows = [["interpreter (python -c pass)", fmt_time(python), f"{python / wall:.0%}"]]
    for k in PHASES:
        rows.append([f"  {k}", fmt_time(split[k]), f"{split[k] / wall:.0%}"])
    rest = wall - python - sum(split[k] for k in PHASES)
    rows.append(["  the rest (runpy, exit)", fmt_time(rest), f"{rest / wall:.0%}"])
    rows.append([f"matcalc derive \"{NEURON[0]}\" --wrt {NEURON[1]}", fmt_time(wall), "100%"])
    rows.append(["python -c 'import lark'", fmt_time(lark), f"{lark / wall:.0%}"])
    summary = {"neuron_median": wall, "import_lark_median": lark,
               "neuron_over_import_lark": ratio(wall, lark),
               "split": {"interpreter": python, **split, "rest": rest}}
    return rows, summary


def imported_modules(argv) -> set[str]:
    """Top-level packages a command imports, read from `python -X importtime`."""
    argv = [argv[0], "-X", "importtime"] + argv[1:]
    p = subprocess.run(argv, cwd=ROOT, env=subprocess_env(), capture_output=True, text=True)
    mods = set()
    for line in p.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                mods.add(name.split(".")[0])
    return mods


def run(mode: str = "full", log=print) -> dict:
    cases = paper_cases()
    runs = {"tiny": 2, "quick": 3, "full": 10}[mode]
    base_runs = {"tiny": 2, "quick": 10, "full": 10}[mode]
    if mode == "tiny":
        cases = [c for c in cases if c[0] in ("3", "28a", "33")]
    argvs = {c[0]: derive_argv(c[1], c[2], c[3], c[5]) for c in cases}
    baselines = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import lark'": [sys.executable, "-c", "import lark"],
        "python -c 'import sympy'": [sys.executable, "-c", "import sympy"],
        "python -c 'import matcalc'": [sys.executable, "-c", "import matcalc"],
        "neuron": [sys.executable, "-m", "matcalc", "derive", NEURON[0], "--wrt", NEURON[1]],
    }
    script = console_script()
    if script:                  # the console script: no runpy (PYTHONPATH picks the tree)
        baselines["neuron (console script)"] = [script, "derive", NEURON[0], "--wrt", NEURON[1]]
    splits: list[dict] = []
    times: dict[str, list[float]] = {k: [] for k in list(argvs) + list(baselines)}
    errors: dict[str, str] = {}
    # rounds interleave every command, so drift in the machine's load hits all of them alike
    for i in range(max(runs, base_runs)):
        if i < base_runs:
            for k, argv in baselines.items():
                times[k].append(_wall(argv)[0])
            splits.append(split_once())
        if i < runs:
            for k, argv in argvs.items():
                t, rc, err = _wall(argv)
                if rc != 0:
                    errors[k] = err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"
                times[k].append(t)
    inproc = []
    for _ in range(base_runs):
        p = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                            "import matcalc; print(time.perf_counter() - t)"],
                           cwd=ROOT, env=subprocess_env(), capture_output=True, text=True)
        inproc.append(float(p.stdout.strip()))

    med = {k: statistics.median(v) for k, v in times.items()}
    per_case = [{"example": c[0], "expr": c[1], "wrt": c[2], "median": med[c[0]],
                 "runs": len(times[c[0]]), "error": errors.get(c[0])} for c in cases]
    all_derive = [t for c in cases for t in times[c[0]]]
    py, sy = med["python -c pass"], med["python -c 'import sympy'"]
    # what a plain derive imports: a scalar, a vector and a matrix (loss) example
    probes = [c for c in cases if c[0] in ("3", "28a", "33")] or cases[:1]
    mods = set()
    for c in probes:
        mods |= imported_modules(argvs[c[0]])
    summary = {
        "examples": len(cases), "runs_per_example": runs,
        "derive_median": statistics.median(all_derive),
        "derive_median_worst_example": max(per_case, key=lambda r: r["median"])["median"],
        "derive_worst_example": max(per_case, key=lambda r: r["median"])["example"],
        "python_pass_median": py, "import_sympy_median": sy,
        "import_matcalc_process_median": med["python -c 'import matcalc'"],
        "import_matcalc_inprocess_median": statistics.median(inproc),
        "derive_over_python": ratio(statistics.median(all_derive), py),
        "derive_minus_python": statistics.median(all_derive) - py,
        "import_sympy_over_derive": ratio(sy, statistics.median(all_derive)),
        "heavy_modules_imported_by_plain_derive": sorted(mods & set(HEAVY)),
        "sympy_imported": "sympy" in mods, "numpy_imported": "numpy" in mods,
        "errors": errors, "target_seconds": 0.20,
    }
    summary["target_met"] = summary["derive_median"] <= 0.20
    rows = [
        ["python -c pass", fmt_time(py), "×1", base_runs],
        ["python -c 'import sympy'", fmt_time(sy), fmt_ratio(ratio(sy, py)), base_runs],
        ["python -c 'import matcalc'", fmt_time(summary["import_matcalc_process_median"]),
         fmt_ratio(ratio(summary["import_matcalc_process_median"], py)), base_runs],
        ["  import matcalc (in-process)", fmt_time(summary["import_matcalc_inprocess_median"]),
         "", base_runs],
        [f"matcalc derive, all {len(cases)} paper examples", fmt_time(summary["derive_median"]),
         fmt_ratio(summary["derive_over_python"]), len(all_derive)],
        [f"  slowest example ({summary['derive_worst_example']})",
         fmt_time(summary["derive_median_worst_example"]),
         fmt_ratio(ratio(summary["derive_median_worst_example"], py)), runs],
    ]
    log(table(["command (cold process)", "median wall", "vs python -c pass", "runs"], rows))
    split = {k: statistics.median(s[k] for s in splits) for k in PHASES}
    srows, ssum = split_table(split, med["neuron"], py, med["python -c 'import lark'"])
    summary.update(ssum)
    if script:
        summary["neuron_script_median"] = med["neuron (console script)"]
        summary["neuron_script_over_import_lark"] = ratio(med["neuron (console script)"],
                                                          med["python -c 'import lark'"])
    log("")
    log(table(["where the neuron's cold derive goes (medians)", "time", "share"], srows))
    log(f"cold derive of the neuron / python -c 'import lark': "
        f"{fmt_ratio(summary['neuron_over_import_lark'])} (target ≤ ×1)"
        + (f"; the console script `matcalc derive …`: {fmt_time(summary['neuron_script_median'])}"
           f", {fmt_ratio(summary['neuron_script_over_import_lark'])}" if script else ""))
    log(f"cold derive median {fmt_time(summary['derive_median'])} (target ≤ 0.20 s: "
        f"{'met' if summary['target_met'] else 'MISSED'}); import sympy alone is "
        f"{fmt_ratio(summary['import_sympy_over_derive'])} a whole derive; heavy modules a plain "
        f"derive imports: {summary['heavy_modules_imported_by_plain_derive'] or 'none'} "
        f"(sympy {'IMPORTED' if summary['sympy_imported'] else 'not imported'}, numpy "
        f"{'imported' if summary['numpy_imported'] else 'not imported'})"
        + (f"; ERRORS {errors}" if errors else ""))
    return {"per_example": per_case, "summary": summary}
