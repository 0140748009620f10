"""§3 Scaling with depth: the loss of an L-layer network, norm(W_L @ tanh(… tanh(W_1 @ x)) - y)^2
(each W_k n×n, x and y n-vectors), by W_1 and by x, for L = 1, 2, 4, …: derivation time, printed
size of `str(d)` and of the shared-subexpression text (`matcalc.printing.cse`), and the fitted
log-log exponents.  When an exponent is over 1.2, cProfile says where the time goes.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import time

from bench.battery import _deep_text
from bench.common import fmt_time, loglog_slope, measure, table

FIT_FROM = 4      # the exponent is fitted on L ≥ 4: L = 1 has no tanh at all


def _derive_and_display(text, wrt, shapes, rec: dict, repeats: int = 1) -> dict:
    """`rec` with the derivation's time, the display's time (the least of `repeats` runs)
    and its printed size (or the error)."""
    import matcalc
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            d = matcalc.derive(text, wrt, shapes=shapes)
            rec["time"] = min(rec.get("time", 1e9), time.perf_counter() - t)
            t = time.perf_counter()
            main, where = d.display()
            rec["display_time"] = min(rec.get("display_time", 1e9), time.perf_counter() - t)
        rec["display_chars"] = len(main) + sum(len(a) + len(b) + 3 for a, b in where)
    except Exception as e:  # noqa: BLE001
        rec["error"] = f"{type(e).__name__}: {str(e)[:160]}"
    return rec


def run(mode: str = "full", log=print) -> dict:
    import matcalc
    try:
        from matcalc.printing.cse import cse_text_size, expand_cse, to_text_cse, to_tree_cse
    except ImportError:
        to_text_cse = None
    levels = {"tiny": [1, 2, 4], "quick": [1, 2, 4, 8, 16, 32], "full": [1, 2, 4, 8, 16, 32, 64]}[mode]
    matcalc.derive("x^2", "x")
    rows, data = [], {"W1": [], "x": []}
    for L in levels:
        text, shapes = _deep_text(L)
        for wrt in ("W1", "x"):
            rec = {"L": L}
            try:
                d = matcalc.derive(text, wrt, shapes=shapes)
                budget = 0.3 if L <= 16 else 0.0
                rec["time"] = measure(lambda: matcalc.derive(text, wrt, shapes=shapes),
                                      budget=budget, warmup=0,
                                      min_repeats=3 if L <= 32 else 1)["median"]
                rec["chars"] = len(str(d))
                main, where = d.display()           # what `matcalc derive` prints
                rec["display_chars"] = len(main) + sum(len(a) + len(b) + 3 for a, b in where)
                if to_text_cse is not None:
                    main, defs = to_text_cse(d.result)
                    rec["cse_chars"] = cse_text_size(main, defs)
                    rec["cse_names"] = len(defs)
                    mt, dt = to_tree_cse(d.result)
                    rec["cse_roundtrip"] = expand_cse(mt, dt) == d.result
                    if L == 4:
                        rec["cse_text"] = [main] + [f"{a} = {b}" for a, b in defs]
                if L == 4:
                    rec["text"] = str(d)
            except Exception as e:  # noqa: BLE001 — a failure is a finding
                rec["error"] = f"{type(e).__name__}: {e}"
            data[wrt].append(rec)
    fits = {}
    for wrt, recs in data.items():
        ok = [r for r in recs if "time" in r and r["L"] >= FIT_FROM]
        Ls = [r["L"] for r in ok]
        fits[wrt] = {
            "time_exponent": loglog_slope(Ls, [r["time"] for r in ok]),
            "time_exponent_last_doubling": loglog_slope(Ls[-2:], [r["time"] for r in ok][-2:]),
            "chars_exponent": loglog_slope(Ls, [r["chars"] for r in ok]),
            "display_chars_exponent": loglog_slope(Ls, [r.get("display_chars") for r in ok]),
            "cse_chars_exponent": loglog_slope(Ls, [r.get("cse_chars") for r in ok])
            if ok and "cse_chars" in ok[0] else None,
            "max_L": max(Ls) if Ls else None,
            "time_at_max_L": ok[-1]["time"] if ok else None,
        }
    for i, L in enumerate(levels):
        a, b = data["W1"][i], data["x"][i]
        rows.append([L, fmt_time(a.get("time")), a.get("chars", a.get("error", "")[:40]),
                     a.get("cse_chars", "–"), fmt_time(b.get("time")),
                     b.get("chars", b.get("error", "")[:40]), b.get("cse_chars", "–")])
    rows.append(["exponent (L ≥ 4)"] + [
        f"{v:.2f}" if v is not None else "–" for wrt in ("W1", "x")
        for v in (fits[wrt]["time_exponent"], fits[wrt]["chars_exponent"],
                  fits[wrt]["cse_chars_exponent"])])
    log(table(["L", "time ∂/∂W1", "chars str(d)", "chars CSE", "time ∂/∂x", "chars str(d)",
               "chars CSE"], rows))
    sample = next((r for r in data["x"] if r["L"] == 4 and "cse_text" in r), None)
    if sample:
        log("L = 4, ∂/∂x with shared subexpressions named (matcalc.printing.cse):\n    "
            + "\n    ".join(sample["cse_text"]))
    profile = None
    worst = max(fits, key=lambda w: fits[w]["time_exponent"] or 0)
    if (fits[worst]["time_exponent"] or 0) > 1.2 and mode != "tiny":
        text, shapes = _deep_text(levels[-1])
        pr = cProfile.Profile()
        pr.enable()
        matcalc.derive(text, worst, shapes=shapes)
        pr.disable()
        profile = _profile_summary(pr)
        profile["problem"] = f"L = {levels[-1]}, by {worst}"
        log(f"\ncProfile of derive at L = {levels[-1]} by {worst} (exponent "
            f"{fits[worst]['time_exponent']:.2f} > 1.2), total {profile['total']:.3f} s; "
            "top functions by own time:")
        log(table(["function", "calls", "own s", "cumulative s"],
                  [[f["function"], f["calls"], f"{f['tottime']:.3f}", f"{f['cumtime']:.3f}"]
                   for f in profile["top_tottime"][:12]]))
        log("by cumulative time (matcalc functions):")
        log(table(["function", "calls", "own s", "cumulative s"],
                  [[f["function"], f["calls"], f"{f['tottime']:.3f}", f"{f['cumtime']:.3f}"]
                   for f in profile["top_cumtime"][:12]]))
    summary = {
        "levels": levels, "fits": fits,
        "L64_under_1s_W1": _under(data["W1"], 64), "L64_under_1s_x": _under(data["x"], 64),
        "targets": {"exponent_max": 1.2, "L64_seconds": 1.0},
    }
    for w in ("W1", "x"):
        f = fits[w]
        log(f"∂/∂{w}: time exponent {_f(f['time_exponent'])} (last doubling "
            f"{_f(f['time_exponent_last_doubling'])}), printed size exponent "
            f"{_f(f['chars_exponent'])}, with CSE {_f(f['cse_chars_exponent'])}; "
            f"L = {f['max_L']} takes {fmt_time(f['time_at_max_L'])}")
    deep = _depth_and_width(mode, log)
    summary["deep"] = deep["summary"]
    return {"by_W1": data["W1"], "by_x": data["x"], "summary": summary, "profile": profile,
            "deep": deep}


def _chain_text(L: int) -> str:
    """The L-layer network with named intermediates, one definition a layer (the language's
    statements): h1 = tanh(W1 @ x); …; hL = tanh(WL @ h(L-1)); norm(hL - y)^2."""
    lines, prev = [], "x"
    for k in range(1, L + 1):
        lines.append(f"h{k} = tanh(W{k} @ {prev})")
        prev = f"h{k}"
    return "; ".join(lines) + f"; norm({prev} - y)^2"


def _depth_and_width(mode: str, log) -> dict:
    """Issue 17 item 3: the chain written with named intermediates (`_chain_text`) at 64 …
    1,024 layers by W1, within the parser's limits (10,000 characters a statement, 40,000 a
    text); and one gradient by many weight matrices at once (`derive(text, [W1, …, Wk])`,
    a joint derivative).  Derivation time and display time (the least of 3 runs up to 256
    layers and 25 weights, one run beyond: those are long)
    and the printed size as `matcalc derive` prints it (the text's names, shared parts
    named).  Targets: 1,024 layers in < 2 s with time exponent ≤ 1.1, printed size linear,
    100 weights at once in < 1 s."""
    levels = {"tiny": [8, 16], "quick": [64, 128, 256], "full": [64, 128, 256, 512, 1024]}[mode]
    widths = {"tiny": [4], "quick": [10, 25], "full": [10, 25, 50, 100]}[mode]
    rows, deep, wide = [], [], []
    _derive_and_display(_chain_text(4), ["W1", "W2"], None, {})    # warm: rules, grammar
    for L in levels:
        rec = _derive_and_display(_chain_text(L), "W1", None, {"L": L}, 3 if L <= 256 else 1)
        deep.append(rec)
        rows.append([f"L = {L}, by W1", fmt_time(rec.get("time")),
                     fmt_time(rec.get("display_time")),
                     rec.get("display_chars", rec.get("error", "")[:50])])
    for k in widths:
        rec = _derive_and_display(_chain_text(k), [f"W{i}" for i in range(1, k + 1)], None,
                                  {"L": k, "wrt": k}, 3 if k <= 25 else 1)
        wide.append(rec)
        rows.append([f"L = {k}, by W1 … W{k} at once", fmt_time(rec.get("time")),
                     fmt_time(rec.get("display_time")),
                     rec.get("display_chars", rec.get("error", "")[:50])])
    log("\nDepth and width (issue 17 item 3; least of 3 runs up to L = 256 and 25 weights, "
        "one definition a layer):")
    log(table(["problem", "derive", "display (names shared parts)", "printed chars"], rows))
    ok = [r for r in deep if "time" in r]
    okw = [r for r in wide if "time" in r]
    summary = {
        "time_exponent": loglog_slope([r["L"] for r in ok], [r["time"] for r in ok]),
        "display_time_exponent": loglog_slope([r["L"] for r in ok],
                                              [r["display_time"] for r in ok]),
        "display_chars_exponent": loglog_slope([r["L"] for r in ok],
                                               [r["display_chars"] for r in ok]),
        "width_time_exponent": loglog_slope([r["L"] for r in okw], [r["time"] for r in okw]),
        "max_L": ok[-1]["L"] if ok else None, "time_at_max_L": ok[-1]["time"] if ok else None,
        "widest": wide[-1] if wide else None,
        "targets": {"L1024_seconds": 2.0, "time_exponent_max": 1.1, "wrt100_seconds": 1.0},
    }
    log(f"depth {levels[0]} … {summary['max_L']}: derive time exponent "
        f"{_f(summary['time_exponent'])}, display time exponent "
        f"{_f(summary['display_time_exponent'])}, printed size exponent "
        f"{_f(summary['display_chars_exponent'])}; width {widths[0]} … {widths[-1]}: "
        f"derive time exponent {_f(summary['width_time_exponent'])}")
    return {"depth": deep, "width": wide, "summary": summary}


def _f(v):
    return "–" if v is None else f"{v:.2f}"


def _under(recs, L):
    r = next((r for r in recs if r["L"] == L and "time" in r), None)
    return None if r is None else r["time"] < 1.0


def _profile_summary(pr) -> dict:
    st = pstats.Stats(pr, stream=io.StringIO())
    rows = []
    for (file, line, fn), (cc, nc, tt, ct, _callers) in st.stats.items():
        short = file.split("/matcalc/")[-1] if "/matcalc/" in file else file.rsplit("/", 1)[-1]
        rows.append({"function": f"{short}:{line}({fn})", "calls": nc, "tottime": tt,
                     "cumtime": ct, "matcalc": "/matcalc/" in file})
    total = sum(r["tottime"] for r in rows)
    return {"total": total,
            "top_tottime": sorted(rows, key=lambda r: -r["tottime"])[:20],
            "top_cumtime": sorted([r for r in rows if r["matcalc"]],
                                  key=lambda r: -r["cumtime"])[:20]}
