"""§5 The new capabilities (issue 17, item 4): tensor-valued first derivatives, order 3,
by-matrix Hessians — derive time, printed size, and the exported NumPy code against autodiff.

For each problem: `matcalc.derive` in-process (warm median, parse included), the printed
answer's size (characters of `str(d)`, the form `matcalc derive` prints), and the time of
`codegen.export(d, "numpy")`'s function evaluating the derivative at a realistic size, against
torch.func (`jacrev`, `hessian`, `jacfwd(hessian)` for order 3) and jitted JAX (`jax.jacrev`,
`jax.hessian`, `jax.jacfwd(jax.hessian)`; the first call, compile included, reported apart)
computing the same array.  Every result is compared with the exported code's (allclose, the
arrays put in the export's shape: row-major vec, as the vec/Kronecker convention), so the
times are for a right answer.  Nothing here asserts a timing.
"""
from __future__ import annotations

import time

from bench.common import available as _available, fmt_ratio, fmt_time, measure, ratio, table

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
    return {"results": results, "skipped": skipped, "summary": summary}


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
