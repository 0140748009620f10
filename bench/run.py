"""matcalc's benchmark suite (issue 7): one command, figures and ratios measured in one run.

    python bench/run.py [--quick | --tiny]
                        [--only latency,derive,scaling,numeric,capabilities,backward]
                        [--out bench/results/latest.json]

Sections: 1 latency (cold `matcalc derive`), 2 derivation speed (vs SymPy MatrixSymbol,
tensorgrad), 3 scaling with network depth, 4 exported code (vs hand-written NumPy, torch, JAX),
5 the new capabilities (tensor-valued, order 3, by-matrix Hessians vs torch.func / JAX),
6 exported backward passes (MLP, softmax regression, transformer block vs torch.autograd).
See bench/README.md.  Nothing here asserts a timing.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                       # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import backward, capabilities, derive_speed, latency, numeric, scaling  # noqa: E402
from bench.common import ROOT, fmt_ratio, fmt_time, machine, machine_line  # noqa: E402

SECTIONS = {"latency": latency, "derive": derive_speed, "scaling": scaling, "numeric": numeric,
            "capabilities": capabilities, "backward": backward}
TITLES = {"latency": "1. Answer latency (cold process)",
          "derive": "2. Derivation speed (in-process) and correctness, shared battery",
          "scaling": "3. Scaling with depth: L-layer tanh network loss",
          "numeric": "4. Exported code: gradient and Hessian evaluation",
          "capabilities": "5. New capabilities: tensor derivatives, order 3, by-matrix Hessians "
                          "(derive, printed size, exported code vs torch.func / JAX)",
          "backward": "6. Exported backward passes: a network's gradient by all its parameters "
                      "vs torch.autograd, torch.func, jax.grad"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="fewer runs, n ≤ 512, L ≤ 32")
    g.add_argument("--tiny", action="store_true", help="a few seconds: proves the suite works")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"),
                    help="where to write the JSON ('-' for none)")
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")

    def log(*a):
        print(*a, flush=True)

    m = machine()
    log(f"matcalc bench ({mode}) — {time.strftime('%Y-%m-%d %H:%M:%S')}\nmachine: {machine_line(m)}")
    out = {"mode": mode, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": m,
           "sections": {}, "seconds": {}}
    for name in only:
        log(f"\n## {TITLES[name]}\n")
        t = time.perf_counter()
        out["sections"][name] = SECTIONS[name].run(mode, log=log)
        out["seconds"][name] = round(time.perf_counter() - t, 1)
        log(f"({name}: {out['seconds'][name]} s)")
    out["targets"] = targets(out["sections"])
    log("\n## Targets\n")
    for t in out["targets"]:
        log(f"- {'MET   ' if t['met'] else 'MISSED' if t['met'] is False else 'n/a   '} "
            f"{t['target']}: {t['measured']}")
    if args.out != "-":
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")
        log(f"\nwrote {path}")
    return 0


def targets(sec: dict) -> list[dict]:
    out = []

    def add(target, met, measured):
        out.append({"target": target, "met": met, "measured": measured})
    if "latency" in sec:
        s = sec["latency"]["summary"]
        add("median cold `matcalc derive` ≤ 0.20 s", s["derive_median"] <= 0.20,
            f"{fmt_time(s['derive_median'])} (python -c pass {fmt_time(s['python_pass_median'])}, "
            f"import sympy {fmt_time(s['import_sympy_median'])})")
        r = s.get("neuron_over_import_lark")
        add("cold `matcalc derive` of the neuron no slower than `python -c \"import lark\"`",
            None if r is None else r <= 1,
            f"{fmt_ratio(r)} ({fmt_time(s['neuron_median'])} vs "
            f"{fmt_time(s['import_lark_median'])})"
            + (f"; console script {fmt_ratio(s['neuron_script_over_import_lark'])}"
               if s.get("neuron_script_over_import_lark") is not None else ""))
        add("plain derive does not import sympy", not s["sympy_imported"],
            f"imports {s['heavy_modules_imported_by_plain_derive']}")
    if "derive" in sec:
        s = sec["derive"]["summary"]
        r = s["median_ratio_sympy_over_matcalc"]
        add("matcalc ≥ ×20 faster than SymPy MatrixSymbol (median over problems both solve)",
            r is not None and r >= 20, f"{fmt_ratio(r)} over {s['both_solve']} problems "
            f"(min {fmt_ratio(s['min_ratio_sympy_over_matcalc'])})")
        t = s.get("median_ratio_tensorgrad_over_matcalc")
        if s.get("tensorgrad") == "installed":
            add("matcalc ≥ ×10 faster than tensorgrad's grad().full_simplify() (median)",
                t is not None and t >= 10, f"{fmt_ratio(t)} over {s['tensorgrad_both']} problems; "
                f"no answer from tensorgrad: {s['tensorgrad_errors'] or 'none'}")
    if "scaling" in sec:
        s = sec["scaling"]["summary"]
        for w in ("W1", "x"):
            f = s["fits"][w]
            e = f["time_exponent"]
            add(f"depth scaling ∂/∂{w}: time exponent ≤ 1.2", None if e is None else e <= 1.2,
                f"{e:.2f} (L ≤ {f['max_L']})" if e is not None else "–")
            ce, de = f["chars_exponent"], f.get("display_chars_exponent")
            add(f"depth scaling ∂/∂{w}: printed size linear (exponent ≤ 1.2)",
                None if de is None else de <= 1.2,
                f"as `matcalc derive` prints it (shared parts named) {de:.2f}; the fully "
                f"expanded str(d) {ce:.2f}" if de is not None else f"str(d) {ce}")
            under = s.get(f"L64_under_1s_{w}")
            add(f"L = 64 by {w} derives in < 1 s", under,
                fmt_time(f["time_at_max_L"]) + f" at L = {f['max_L']}")
    if "scaling" in sec and sec["scaling"]["summary"].get("deep"):
        s = sec["scaling"]["summary"]["deep"]
        e, t, w = s["time_exponent"], s["time_at_max_L"], s["widest"]
        add("1,024-layer chain derives in < 2 s", None if s["max_L"] != 1024 or t is None
            else t < 2, f"{fmt_time(t)} at L = {s['max_L']}")
        add("depth: time exponent ≤ 1.1 (64 … 1,024 layers)",
            None if e is None or s["max_L"] != 1024 else e <= 1.1,
            "–" if e is None else f"{e:.2f} up to L = {s['max_L']}")
        add("a gradient by 100 weight matrices at once in < 1 s",
            None if not w or w["wrt"] != 100 or "time" not in w else w["time"] < 1,
            "–" if not w else f"{fmt_time(w.get('time'))} by {w['wrt']} matrices")
    if "numeric" in sec:
        s = sec["numeric"]["summary"]
        w = s.get("matcalc_vs_broadcast_worst_n_ge_512")
        wf = s.get("matcalc_vs_hand_worst_n_ge_512")
        add("exported code within ×1.3 of hand-written broadcast NumPy at n ≥ 512",
            None if w is None else w <= 1.3, fmt_ratio(w) + " (worst case); against the "
            f"fastest hand form of all (incl. syrk X̃ᵀX̃) {fmt_ratio(wf)}")
        th = s.get("min_speedup_over_torch_functional_hessian")
        tf = s.get("min_speedup_over_torch_func_hessian")
        add("≥ ×20 faster than torch's Hessian (torch.autograd.functional.hessian)",
            None if th is None else th >= 20,
            f"min {fmt_ratio(th)}; over torch.func.hessian (vectorised) min {fmt_ratio(tf)}")
        w = s.get("same_library_worst")
        add("every export within ×1.1 of the closed form hand-written in its own library "
            "(NumPy, PyTorch, JAX eager and jitted)", None if w is None else w <= 1.1,
            f"worst {fmt_ratio(w)} ({s.get('same_library_worst_case')}); values differ: "
            f"{s.get('same_library_differ') or 'none'}")
        j = s.get("min_speedup_over_jax")
        add("faster than jitted JAX (gradient and Hessian)", None if j is None else j > 1,
            f"min speed-up {fmt_ratio(j)}")
    if "capabilities" in sec:
        s = sec["capabilities"]["summary"]
        add("new capabilities: every exported array equals autodiff's (allclose), no error",
            not s["errors"] and not s["disagree"],
            f"errors {s['errors'] or 'none'}; differ {s['disagree'] or 'none'}")
        for m in ("torch.func", "jax (jit)"):
            lo, hi = s.get(f"min_speedup_over_{m}"), s.get(f"max_speedup_over_{m}")
            add(f"new capabilities: exported code vs {m} (autodiff time / matcalc time)", None,
                f"{fmt_ratio(lo)} … {fmt_ratio(hi)}")
        if s.get("cases_timed"):
            slow = s["cases_at_50ms_or_more"]
            add("every new case derives in < 50 ms warm", not slow,
                f"slowest {fmt_time(s['case_times_max'])} over {s['cases_timed']} cases of "
                f"{len(s['case_families'])} families (median {fmt_time(s['case_times_median'])})"
                + (f"; at 50 ms or more: {', '.join(slow)}" if slow else ""))
        t = s.get("chain_order3_time")
        add("order 3 of an 8-layer tanh chain in < 1 s (warm)", None if t is None else t < 1,
            fmt_time(t))
    if "backward" in sec:
        s = sec["backward"]["summary"]
        add("backward passes: every gradient equals torch.autograd's to 1e-10",
            not s["disagree"], f"differ: {s['disagree'] or 'none'}")
        for m, tgt in backward.TARGETS.items():
            w = s["worst"].get(m)
            add(f"backward passes: {m} export within ×{tgt} of torch.autograd (forward + "
                "backward)", None if w is None else w <= tgt, f"worst {fmt_ratio(w)}")
    return out


if __name__ == "__main__":
    sys.exit(main())
