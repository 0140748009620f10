"""§5 The new capabilities (issue 17, item 4): tensor-valued first derivatives, order 3,
by-matrix Hessians — derive time, printed size, and the exported NumPy code against autodiff.

For each problem: `matcalc.derive` in-process (warm median, parse included), the printed
answer's size (characters of `str(d)`, the form `matcalc derive` prints), and the time of
`codegen.export(d, "numpy")`'s function evaluating the derivative at a realistic size, against
torch.func (`jacrev`, `hessian`, `jacfwd(hessian)` for order 3) and jitted JAX (`jax.jacrev`,
`jax.hessian`, `jax.jacfwd(jax.hessian)`; the first call, compile included, reported apart)
computing the same array.  Every result is compared with the exported code's (allclose, the
arrays put in the export's shape: row-major vec, as the vec/Kronecker convention), so the
times are for a right answer.

Then the speed of the tensor calculus itself (issue 12 item 8): every case of the new families
of tests/cases/*.toml derived warm (as tests/test_cases.py asks it, the printed answer
included; median of 5 after one warm-up), those at 50 ms or more listed; and order 3 of the
8-layer tanh chain by x (`norm(W8 @ tanh(… tanh(W1 @ x)) - y)^2`, the problem of §3).
Nothing here asserts a timing.
"""
from __future__ import annotations

import time

from bench.common import ROOT, available as _available, fmt_ratio, fmt_time, measure, ratio, table

# name, text, wrt, order, shapes(n) — n is the size; what the size means per problem is in
# `sizes` (an array of n^4 entries at most ~2^24: a Jacobian of a matrix by a matrix is n^4)
PROBLEMS = [
    ("A X B by X (tensor, order 1)", "A @ X @ B", "X", 1,
     lambda n: {"A": (n, n), "X": (n, n), "B": (n, n)}, "quartic"),
    ("inv(X) by X (tensor, order 1)", "inv(X)", "X", 1,
     lambda n: {"X": (n, n)}, "quartic"),
    ("logsumexp(x), order 3", "logsumexp(x)", "x", 3,
     lambda n: {"x": (n,)}, "cubic"),
    ("3-layer tanh chain by x, order 3", "norm(W3 @ tanh(W2 @ tanh(W1 @ x)) - y)^2", "x", 3,
     lambda n: {"W1": (n, n), "W2": (n, n), "W3": (n, n), "x": (n,), "y": (n,)}, "cubic"),
    ("tr(XᵀX)² by X, Hessian", "tr(X' @ X)^2", "X", 2,
     lambda n: {"X": (n, n)}, "quartic"),
    ("‖U Vᵀ − M‖² by U, Hessian", "norm(U @ V' - M)^2", "U", 2,
     lambda n: {"U": (n, n), "V": (n, n), "M": (n, n)}, "quartic"),
]
SIZES = {"tiny": {"quartic": 6, "cubic": 8}, "quick": {"quartic": 32, "cubic": 128},
         "full": {"quartic": 64, "cubic": 256}}


def _data(shapes, rng, text):
    """Random arrays (vectors 1-D, as the exported code takes them)."""
    import numpy as np
    out = {}
    for k, s in shapes.items():
        a = rng.standard_normal(s) / (s[0] ** 0.5 if k.startswith("W") else 1.0)
        if text == "inv(X)":                                  # well conditioned
            a = a / s[0] ** 0.5 + np.eye(s[0]) * 2
        out[k] = a
    return out


def _torch_f(text):
    import torch
    F = {
        "A @ X @ B": lambda X, A, B: A @ X @ B,
        "inv(X)": lambda X: torch.linalg.inv(X),
        "logsumexp(x)": lambda x: torch.logsumexp(x, 0),
        "norm(W3 @ tanh(W2 @ tanh(W1 @ x)) - y)^2":
            lambda x, W1, W2, W3, y: ((W3 @ torch.tanh(W2 @ torch.tanh(W1 @ x)) - y) ** 2).sum(),
        "tr(X' @ X)^2": lambda X: torch.trace(X.T @ X) ** 2,
        "norm(U @ V' - M)^2": lambda U, V, M: ((U @ V.T - M) ** 2).sum(),
    }
    return F[text]


def _jax_f(text):
    import jax
    import jax.numpy as jnp
    F = {
        "A @ X @ B": lambda X, A, B: A @ X @ B,
        "inv(X)": lambda X: jnp.linalg.inv(X),
        "logsumexp(x)": lambda x: jax.nn.logsumexp(x),
        "norm(W3 @ tanh(W2 @ tanh(W1 @ x)) - y)^2":
            lambda x, W1, W2, W3, y: jnp.sum((W3 @ jnp.tanh(W2 @ jnp.tanh(W1 @ x)) - y) ** 2),
        "tr(X' @ X)^2": lambda X: jnp.trace(X.T @ X) ** 2,
        "norm(U @ V' - M)^2": lambda U, V, M: jnp.sum((U @ V.T - M) ** 2),
    }
    return F[text]


def _autodiff(lib, f, order, scalar):
    """The derivative operator of `lib` (torch.func or jax) for this order."""
    if order == 1:
        return lib.jacrev(f)
    if order == 2:
        return lib.hessian(f)
    return lib.jacfwd(lib.hessian(f))          # order 3: forward over reverse over reverse


def run(mode: str = "full", log=print) -> dict:
    import numpy as np

    import matcalc
    from matcalc.codegen import _arguments, export, function_name

    have_torch, have_jax = _available("torch"), _available("jax")
    skipped = {}
    if not have_torch:
        skipped["torch"] = "not installed (pip install '.[bench]')"
    if not have_jax:
        skipped["jax"] = "not installed (pip install '.[bench]')"
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
    budget = {"tiny": 0.05, "quick": 0.4, "full": 1.0}[mode]
    rng = np.random.default_rng(17)
    matcalc.derive("x^2", "x")
    results, rows = [], []
    # tiny: one problem of each kind (JAX compiles for seconds per problem)
    problems = [PROBLEMS[i] for i in (0, 2, 4)] if mode == "tiny" else PROBLEMS
    for name, text, wrt, order, shapes_of, kind in problems:
        n = SIZES[mode][kind]
        rec = {"problem": name, "text": text, "wrt": wrt, "order": order, "n": n,
               "times": {}, "notes": {}}
        try:
            d = matcalc.derive(text, wrt, order=order)
            rec["derive_time"] = measure(lambda: matcalc.derive(text, wrt, order=order),
                                         budget=budget, min_repeats=3 if mode != "tiny" else 1,
                                         warmup=0)["median"]
            rec["printed"] = str(d)
            rec["printed_chars"] = len(rec["printed"])
            rec["form"] = getattr(d, "form", None)
            src = export(d, "numpy")
            ns: dict = {}
            exec(compile(src, "<matcalc export>", "exec"), ns)
            fn = ns[function_name(d)[0]]
            args = _arguments(d)
            data = _data(shapes_of(n), rng, text)
            call_args = [data[a] for a in args]
            want = np.asarray(fn(*call_args)[1])
            rec["array_shape"] = list(want.shape)
            rec["times"]["matcalc"] = measure(lambda: fn(*call_args), budget=budget,
                                              min_repeats=3 if mode != "tiny" else 1)["median"]
        except Exception as e:  # noqa: BLE001 — a failure is a finding
            rec["error"] = f"{type(e).__name__}: {str(e)[:200]}"
            results.append(rec)
            rows.append([name, "–", "–", "–", rec["error"][:60], "", "", ""])
            continue
        names = [wrt] + [k for k in shapes_of(n) if k != wrt]    # autodiff: by the first
        tol = dict(rtol=1e-7, atol=1e-9 * max(1.0, float(np.abs(want).max())))
        methods = {}
        if have_torch:
            import torch
            tf = _torch_f(text)
            tdata = [torch.from_numpy(np.ascontiguousarray(data[k])) for k in names]
            top = _autodiff(torch.func, tf, order, True)
            methods["torch.func"] = (lambda top=top, tdata=tdata: top(*tdata), None)
        if have_jax:
            import jax
            import jax.numpy as jnp
            jf = _jax_f(text)
            jop = jax.jit(_autodiff(jax, jf, order, True))
            jdata = [jnp.asarray(data[k]) for k in names]
            methods["jax (jit)"] = (lambda jop=jop, jdata=jdata:
                                    jop(*jdata).block_until_ready(), "compile")
        for m, (call, first_note) in methods.items():
            try:
                t0 = time.perf_counter()
                val = np.asarray(call())
                first = time.perf_counter() - t0
                ok = val.size == want.size and np.allclose(val.reshape(want.shape), want, **tol)
                rec["notes"][m] = "" if ok else \
                    f"DIFFERS (max |error| {float(np.abs(val.reshape(-1) - want.reshape(-1)).max()) if val.size == want.size else 'shape ' + str(val.shape):})"
                rec.setdefault("agree", {})[m] = bool(ok)
                heavy = first > 2.0
                rec["times"][m] = measure(call, budget=0 if heavy else budget, warmup=0,
                                          min_repeats=1 if heavy or mode == "tiny" else 3)["median"]
                if first_note:
                    rec["jax_first_call_incl_compile"] = first
            except Exception as e:  # noqa: BLE001
                rec["notes"][m] = f"error: {type(e).__name__}: {str(e)[:160]}"
        mc = rec["times"]["matcalc"]
        rec["speedup_over"] = {m: ratio(t, mc) for m, t in rec["times"].items() if m != "matcalc"}
        results.append(rec)

        def cell(m):
            if m not in rec["times"]:
                return rec["notes"].get(m, skipped.get(m.split(" ")[0].split(".")[0], "–"))
            note = rec["notes"].get(m, "")
            return f"{fmt_time(rec['times'][m])} {fmt_ratio(rec['speedup_over'][m])}" + \
                (f" {note}" if note else "")
        rows.append([name, fmt_time(rec["derive_time"]), rec["printed_chars"],
                     f"{n}: {tuple(want.shape)}", fmt_time(mc), cell("torch.func"),
                     cell("jax (jit)"), fmt_time(rec.get("jax_first_call_incl_compile"))])
    log(table(["problem", "derive (warm)", "printed chars", "n: array", "matcalc export",
               "torch.func (×slower)", "JAX jit (×slower)", "JAX 1st call (compile)"], rows))
    log("cells: median time; ×r = autodiff time / exported matcalc code time (> 1: matcalc "
        "faster); every autodiff array compared with the export's (allclose)")
    summary = _summary(results)
    for line in summary["lines"]:
        log(line)
    speed = tensor_speed(mode, log)
    summary.update(speed["summary"])
    return {"results": results, "skipped": skipped, "summary": summary, "speed": speed}


# -- the speed of the tensor calculus (issue 12 item 8) -------------------------------------------

NEW_FAMILIES = ("higher-order", "hessians-by-matrix", "mixed", "structured", "column-major",
                "matrix-by-matrix", "by-matrix", "matrix-functions", "attention", "batched")
CASE_LIMIT = 0.050          # seconds, warm: the figure for every new case
CHAIN_LAYERS = 8


def _cases(families) -> list:
    """The cases of tests/cases/*.toml of these families (the data only: no pytest)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        fam = data["family"]["id"]
        if fam in families:
            out += [dict(c, family=fam) for c in data.get("case", [])]
    return out


def _derive_case(c: dict) -> str:
    """The case's answer as tests/test_cases.py derives and prints it."""
    import matcalc
    d = matcalc.derive(c["expr"], c["wrt"], shapes=c.get("shapes", {}),
                       order=c.get("order", 1), layout=c.get("layout", "numerator"),
                       form=c.get("form", "auto"), mixed=c.get("mixed", False),
                       sym=c.get("sym", "sym"), vec=c.get("vec", "row"))
    if d.form == "index":
        from matcalc.tensor.notation import index_text
        return index_text(d.index, "f", d.order)
    return str(d)


def _warm(fn, repeats: int) -> dict:
    """Median wall and CPU (process) time of `fn()` over `repeats` runs after one warm-up.
    The CPU time is what the engine costs on this machine whatever else runs on its cores
    (the bench may share them); on an idle machine the two agree."""
    import statistics
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


def tensor_speed(mode: str = "full", log=print) -> dict:
    """Warm derive times of the new case families and of order 3 of the tanh chain: CPU time
    (judged) and wall time, medians of 5 after one warm-up."""
    import statistics

    import matcalc
    from bench.battery import _deep_text
    families = NEW_FAMILIES if mode != "tiny" else ("higher-order",)
    repeats = 5 if mode != "tiny" else 1
    times, walls, refused = {}, {}, []
    for c in _cases(families):
        if c.get("unsupported"):
            continue
        name = f"{c['family']}/{c['id']}"
        try:
            got = _warm(lambda c=c: _derive_case(c), repeats)
        except matcalc.MatcalcError as e:
            refused.append(f"{name}: {e}")
            continue
        times[name], walls[name] = got["cpu"], got["wall"]
    slow = sorted(((t, n) for n, t in times.items() if t >= CASE_LIMIT), reverse=True)
    ranked = sorted(times.items(), key=lambda nt: -nt[1])
    log(f"\nthe new case families ({', '.join(families)}): {len(times)} cases, derived warm "
        f"(median of {repeats} after one warm-up, the printed answer included)")
    log(table(["slowest cases", "derive (warm, CPU)", "wall"],
              [[n, fmt_time(t), fmt_time(walls[n])] for n, t in ranked[:8]]))
    log(f"cases at {fmt_time(CASE_LIMIT)} or more: "
        f"{', '.join(f'{n} ({fmt_time(t)})' for t, n in slow) or 'none'}; median "
        f"{fmt_time(statistics.median(times.values()) if times else None)}"
        + (f"; refused: {refused}" if refused else ""))
    text, shapes = _deep_text(CHAIN_LAYERS)
    chain = {"layers": CHAIN_LAYERS, "wrt": "x", "order": 3, "text": text}
    try:
        got = _warm(lambda: str(matcalc.derive(text, "x", shapes=shapes, order=3)), repeats)
        chain["time"], chain["wall"] = got["cpu"], got["wall"]
        d = matcalc.derive(text, "x", shapes=shapes, order=3)
        chain["form"], chain["printed_chars"] = d.form, len(str(d))
        log(f"order 3 of the {CHAIN_LAYERS}-layer tanh chain by x: {fmt_time(chain['time'])} "
            f"CPU, {fmt_time(chain['wall'])} wall, warm (median of {repeats}; printed as the "
            f"{d.form}, {chain['printed_chars']} characters)")
    except matcalc.MatcalcError as e:
        chain["error"] = str(e)
        log(f"order 3 of the {CHAIN_LAYERS}-layer tanh chain by x: refused ({e})")
    summary = {"case_times_max": ranked[0][1] if ranked else None,
               "case_times_median": statistics.median(times.values()) if times else None,
               "cases_timed": len(times), "cases_at_50ms_or_more": [n for _, n in slow],
               "chain_order3_time": chain.get("time"), "case_families": list(families)}
    return {"cases": times, "cases_wall": walls, "refused": refused, "chain": chain,
            "summary": summary}


def _summary(results) -> dict:
    ok = [r for r in results if "error" not in r]
    out = {"lines": [], "errors": [r["problem"] for r in results if "error" in r],
           "disagree": [f"{r['problem']}: {m}" for r in ok
                        for m, a in r.get("agree", {}).items() if not a]}
    out["max_derive_time"] = max((r["derive_time"] for r in ok), default=None)
    for m in ("torch.func", "jax (jit)"):
        xs = [r["speedup_over"].get(m) for r in ok if r["speedup_over"].get(m)]
        out[f"min_speedup_over_{m}"] = min(xs, default=None)
        out[f"max_speedup_over_{m}"] = max(xs, default=None)
        if xs:
            out["lines"].append(f"exported matcalc code vs {m}: ×{min(xs):.3g} … ×{max(xs):.3g} "
                                f"(autodiff time / matcalc time)")
    out["lines"].append(f"slowest derivation {fmt_time(out['max_derive_time'])}; "
                        f"errors: {out['errors'] or 'none'}; arrays that differ: "
                        f"{out['disagree'] or 'none'}")
    return out
