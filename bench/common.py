"""Shared helpers: repo paths, timing (medians of repeats), the machine description, tables.

Timing is never asserted anywhere; every figure that matters is a ratio of two timings
taken in the same run on the same machine.
"""
from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent          # the repo: matcalc/ and tests/ live here
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODES = ("tiny", "quick", "full")


def subprocess_env() -> dict:
    """The environment for child processes: the repo importable, nothing else changed
    (OPENBLAS_* and friends are passed through untouched)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def measure(fn, *, min_repeats: int = 3, max_repeats: int = 50, budget: float = 0.5,
            warmup: int = 1, setup=None) -> dict:
    """Median wall time of `fn()` over repeats: at least `min_repeats`, more while the total
    stays under `budget` seconds (at most `max_repeats`).  `setup()` runs untimed before each
    call (e.g. clearing SymPy's cache)."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_repeats:
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if len(times) >= min_repeats and time.perf_counter() - start > budget:
            break
    return {"median": statistics.median(times), "min": min(times), "repeats": len(times)}


def interleaved(calls: dict, *, batch: float, budget: float, max_rounds: int,
                min_rounds: int = 5, typical: dict | None = None,
                setups: dict | None = None) -> dict:
    """Per-call wall times in rounds that alternate the calls (a, b, c, a, …), so that a change
    of the machine's speed between rounds (this shared VM's moves ±30 % within seconds)
    touches every call of a round alike.  Each round times a batch of ~`batch` s of each call
    (`setups[name]()` untimed before each of its calls); at least `min_rounds`, then until
    `budget` s or `max_rounds`.  `typical[name]`: a call's time, else timed after a warm-up
    call.  {name: [time per call, one per round]}; compare with `paired_ratio`."""
    setups = setups or {}
    if typical is None:
        typical = {}
        for k, c in calls.items():
            c()
            t = time.perf_counter()
            c()
            typical[k] = time.perf_counter() - t
    n = {k: max(1, min(500, int(batch / max(typical[k], 1e-7)))) for k in calls}
    out: dict = {k: [] for k in calls}
    start = time.perf_counter()
    for r in range(max_rounds):
        for k, fn in calls.items():
            setup = setups.get(k)
            if setup is None:
                t = time.perf_counter()
                for _ in range(n[k]):
                    fn()
                spent = time.perf_counter() - t
            else:
                spent = 0.0
                for _ in range(n[k]):
                    setup()
                    t = time.perf_counter()
                    fn()
                    spent += time.perf_counter() - t
            out[k].append(spent / n[k])
        if r + 1 >= min_rounds and time.perf_counter() - start > budget:
            break
    return out


def paired_ratio(a: list, b: list) -> float:
    """The median over rounds of a / b within the same round (`interleaved`'s times)."""
    return statistics.median(x / y for x, y in zip(a, b))


def ratio(a, b):
    """a / b, or None when either is missing."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_time(t) -> str:
    if t is None:
        return "–"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} µs"


def fmt_ratio(r) -> str:
    if r is None:
        return "–"
    return f"×{r:.3g}"


def table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-markdown table (readable in a terminal too)."""
    cells = [[str(c) for c in headers]] + [[("–" if c is None else str(c)) for c in r] for r in rows]
    width = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, width)) + " |"  # noqa: E731
    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in width) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def loglog_slope(xs, ys):
    """Least-squares slope of log y against log x (the fitted exponent), or None."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def package_version(name: str):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def machine() -> dict:
    """Cores, Python, NumPy and its BLAS (threadpoolctl when installed), and the optional peers."""
    info = {
        "cpu_count": os.cpu_count(),
        "affinity_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "python": sys.version.split()[0],
        "numpy": package_version("numpy"),
        "sympy": package_version("sympy"),
        "torch": package_version("torch"),
        "jax": package_version("jax"),
        "tensorgrad": package_version("tensorgrad"),
        "blas_env": {k: v for k, v in os.environ.items()
                     if k.startswith(("OPENBLAS", "OMP_", "MKL_"))},
    }
    try:
        import numpy  # noqa: F401  (threadpoolctl reports only libraries already loaded)
        from threadpoolctl import threadpool_info
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads",
                                               "architecture", "threading_layer")}
                        for d in threadpool_info()]
    except ImportError:
        info["blas"] = "threadpoolctl not installed (pip install threadpoolctl to report it)"
    return info


def _cpu_model():
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_line(m: dict) -> str:
    blas = m.get("blas")
    if isinstance(blas, list):
        blas = ", ".join(f"{b['internal_api']} {b['version']} {b.get('architecture') or ''}"
                         f" ({b['num_threads']} threads)" for b in blas if b.get("internal_api"))
    return (f"{m['cpu_count']} cores ({m['processor']}), Python {m['python']}, numpy {m['numpy']} "
            f"[{blas}], sympy {m['sympy']}, torch {m['torch'] or 'absent'}, "
            f"jax {m['jax'] or 'absent'}, tensorgrad {m['tensorgrad'] or 'absent'}"
            + (f"; env {m['blas_env']}" if m["blas_env"] else ""))


def available(mod: str) -> bool:
    """Whether an optional peer (torch, jax, …) imports here."""
    try:
        __import__(mod)
        return True
    except Exception:  # noqa: BLE001
        return False


def autodiff_peers() -> tuple[bool, bool, dict, dict]:
    """(torch installed, jax installed, {peer: why skipped}, {torch_threads}) — JAX set to
    float64 on the CPU, as every section compares in float64."""
    have_torch, have_jax = available("torch"), available("jax")
    skipped, info = {}, {}
    if not have_torch:
        skipped["torch"] = "not installed (pip install '.[bench]' for torch==2.13.0)"
    if not have_jax:
        skipped["jax"] = "not installed (pip install '.[bench]')"
    if have_jax:
        import jax
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
    if have_torch:
        import torch
        info["torch_threads"] = torch.get_num_threads()
    return have_torch, have_jax, skipped, info
