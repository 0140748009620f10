"""A/B cold start of the paper's neuron: another checkout of matcalc ("before") against this
one ("after"), interleaved rounds, medians of the wall time and of the child's CPU time, and
each tree's split (bench/latency.py's SPLIT_CODE); bench/results/cold-start-floor.txt.

    git archive <commit> | (mkdir /tmp/before && tar -x -C /tmp/before)
    python -m compileall -q /tmp/before/matcalc matcalc     # .pyc present, as installed
    PYTHONDONTWRITEBYTECODE= python bench/cold_ab.py /tmp/before 30

Each tree gets its own MATCALC_CACHE_DIR (warmed first); commands run with cwd the temporary
folder so that `python -m matcalc` imports the tree PYTHONPATH names, not a checkout in the
current folder.  Nothing here asserts a timing.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
from bench.latency import NEURON, PHASES, SPLIT_CODE  # noqa: E402

PY = sys.executable
SCRIPT = os.path.join(os.path.dirname(PY), "matcalc")
ARGS = ["derive", NEURON[0], "--wrt", NEURON[1]]


def _env(trees, tree=None) -> dict:
    e = {k: v for k, v in os.environ.items()
         if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    if tree:
        e["PYTHONPATH"] = trees[tree]
        e["MATCALC_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"matcalc-ab-cache-{tree}")
    return e


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    trees = {"before": os.path.abspath(argv[0]), "after": HERE}
    rounds = int(argv[1]) if len(argv) > 1 else 20
    cwd = tempfile.gettempdir()
    cmds = {"pass": ([PY, "-c", "pass"], None),
            "import lark": ([PY, "-c", "import lark"], None)}
    for t in trees:
        cmds[f"{t} -m"] = ([PY, "-m", "matcalc", *ARGS], t)
        cmds[f"{t} script"] = ([SCRIPT, *ARGS], t)
    outs = {t: subprocess.run([PY, "-m", "matcalc", *ARGS], env=_env(trees, t), cwd=cwd,
                              capture_output=True, text=True).stdout for t in trees}
    if outs["before"] != outs["after"]:             # warms each cache; the same answer?
        print(f"the answers differ: {outs}")
    wall = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    splits = {t: [] for t in trees}
    for _ in range(rounds):
        for k, (cmd, t) in cmds.items():
            c, s = _children_cpu(), time.perf_counter()
            subprocess.run(cmd, env=_env(trees, t), cwd=cwd, capture_output=True)
            wall[k].append(time.perf_counter() - s)
            cpu[k].append(_children_cpu() - c)
        for t in trees:
            p = subprocess.run([PY, "-c", SPLIT_CODE, *NEURON], env=_env(trees, t), cwd=cwd,
                               capture_output=True, text=True, check=True)
            splits[t].append(json.loads(p.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(v) * 1000 for k, v in wall.items()}
    mcpu = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    print("CPU (user+sys) medians (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in mcpu.items()))
    for t in trees:
        for how in ("-m", "script"):
            print(f"  CPU {t} {how}: x{mcpu[f'{t} {how}'] / mcpu['import lark']:.2f} import lark")
    print(f"rounds {rounds}; medians (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in med.items()))
    for t in trees:
        sp = {k: statistics.median(s[k] for s in splits[t]) * 1000 for k in PHASES}
        for how in ("-m", "script"):
            w = med[f"{t} {how}"]
            rest = w - med["pass"] - sum(sp.values())
            print(f"{t:6} {how:6} {w:6.1f} ms = x{w / med['import lark']:.2f} import lark | "
                  f"interpreter {med['pass']:.1f} | "
                  + " | ".join(f"{k} {sp[k]:.1f}" for k in PHASES) + f" | rest {rest:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
