"""§4 Exported code: the gradient and the Hessian of the logistic loss
sum(log(1 + exp(-y ⊙ (X @ w)))) (X 2n×n, y ∈ ±1) and of x' @ A @ x, evaluated by

* matcalc — the code of `matcalc.codegen.export(d, backend="numpy")` when that module exists,
  else `d.lambdify()` (the JSON says which),
* a hand-written NumPy closed form returning (value, derivative) like the exported code in its fastest broadcast form (the fastest of a few
  spellings, e.g. `(X * d[:, None]).T @ X` and the SYRK-friendly `Xs.T @ Xs`),
* PyTorch (`torch.autograd.grad`, value computed on the way; Hessian by `torch.autograd.functional.hessian` and by
  `torch.func.hessian`) and JAX (`jax.jit` of `jax.value_and_grad` / `jax.hessian`, timed after a
  warm-up call; the first call, compile included, is reported apart) — each only if installed.

Every result is compared with the hand-written one before it is timed.  float64 throughout.
Then §4b (bench/same_library.py): each export (NumPy, PyTorch, JAX eager and jitted) against
the closed form hand-written in the same library.
"""
from __future__ import annotations

import time

from bench import same_library
from bench.common import autodiff_peers, fmt_ratio, fmt_time, measure, ratio, table

LOGISTIC = ("sum(log(1 + exp(-y ⊙ (X @ w))))", "w", {"X": "m,n", "w": "n", "y": "m"})
QUAD = ("x' @ A @ x", "x", {"x": "n", "A": "n,n"})
SLOW_CALL = 20.0        # skip a method at larger n once one call took longer than this


def _matcalc_fn(text, wrt, shapes, order):
    """(callable(**arrays) -> derivative, how) — exported code if available, else lambdify."""
    import matcalc
    d = matcalc.derive(text, wrt, shapes=shapes, order=order)
    try:
        from matcalc import codegen  # being written (issue: code export)
    except ImportError:
        return d.lambdify(), "lambdify (matcalc.codegen not present)", str(d)
    try:
        src = codegen.export(d, backend="numpy")
        ns: dict = {}
        exec(compile(src, "<matcalc export>", "exec"), ns)
        name = next(k for k in ns if k.startswith("f_and_") and callable(ns[k]))
        fn = ns[name]
        return (lambda **a: fn(**a)[1]), f"codegen.export(numpy) {name}", str(d)
    except Exception as e:  # noqa: BLE001 — fall back, and say why
        return d.lambdify(), f"lambdify (codegen failed: {type(e).__name__}: {e})", str(d)


def _problems(np):
    def sig(z):
        return np.exp(-np.logaddexp(0.0, -z))

    def logistic_data(n, rng):
        X = rng.standard_normal((2 * n, n)) / np.sqrt(n)
        return {"X": X, "w": rng.standard_normal(n), "y": rng.choice([-1.0, 1.0], 2 * n)}

    def quad_data(n, rng):
        return {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}

    # (value, derivative), as the exported f_and_grad / f_and_hess return them
    def lg_value(t):
        return np.sum(np.logaddexp(0.0, t))

    def lg_grad(X, w, y, form):
        t = -y * (X @ w)
        v = y * sig(t)
        return lg_value(t), -(X.T @ v) if form else -(v @ X)

    def lg_hess(X, w, y, form):
        z = X @ w
        s = sig(z)
        d = s * (1 - s)
        if form:
            H = (X * d[:, None]).T @ X
        else:
            Xs = X * np.sqrt(d)[:, None]
            H = Xs.T @ Xs
        return lg_value(-y * z), H

    hand = {
        ("logistic", 1): {
            "-(X.T @ (y*s))": lambda X, w, y: lg_grad(X, w, y, True),
            "-((y*s) @ X)": lambda X, w, y: lg_grad(X, w, y, False),
        },
        ("logistic", 2): {
            "(X*d[:,None]).T @ X": lambda X, w, y: lg_hess(X, w, y, True),
            "Xs.T @ Xs (syrk)": lambda X, w, y: lg_hess(X, w, y, False),
        },
        ("quad", 1): {
            "A@x + x@A": lambda A, x: (lambda Ax: (x @ Ax, Ax + x @ A))(A @ x),
            "(A+A.T)@x": lambda A, x: (x @ (A @ x), (A + A.T) @ x),
        },
        ("quad", 2): {"A + A.T": lambda A, x: (x @ (A @ x), A + A.T)},
    }
    return {"logistic": (LOGISTIC, logistic_data), "quad": (QUAD, quad_data)}, hand


def _torch_fns(name):
    import torch

    if name == "logistic":
        def f(w, X, y):
            return torch.nn.functional.softplus(-y * (X @ w)).sum()
    else:
        def f(x, A):
            return x @ A @ x
    wrt = "w" if name == "logistic" else "x"
    others = ("X", "y") if name == "logistic" else ("A",)

    def prep(data):
        return {k: torch.from_numpy(v) for k, v in data.items()}

    def grad(t):
        v = t[wrt].detach().clone().requires_grad_(True)
        out = f(v, *(t[k] for k in others))
        (g,) = torch.autograd.grad(out, v)
        return g

    def hess_functional(t):
        return torch.autograd.functional.hessian(lambda v: f(v, *(t[k] for k in others)), t[wrt])

    def hess_func(t):
        return torch.func.hessian(lambda v: f(v, *(t[k] for k in others)))(t[wrt])
    return prep, grad, hess_functional, hess_func


def _jax_fns(name):
    import jax
    import jax.numpy as jnp

    if name == "logistic":
        def f(w, X, y):
            return jnp.sum(jnp.logaddexp(0.0, -y * (X @ w)))
        order = ("w", "X", "y")
    else:
        def f(x, A):
            return x @ A @ x
        order = ("x", "A")
    g = jax.jit(jax.value_and_grad(f))
    h = jax.jit(jax.hessian(f))

    def prep(data):
        return [jnp.asarray(data[k]) for k in order]
    return prep, (lambda a: g(*a)[1].block_until_ready()), (lambda a: h(*a).block_until_ready())


def run(mode: str = "full", log=print) -> dict:
    import numpy as np
    sizes = {"tiny": [16, 32], "quick": [256, 512], "full": [256, 512, 1024, 2048]}[mode]
    budget = {"tiny": 0.02, "quick": 0.5, "full": 1.0}[mode]
    have_torch, have_jax, skipped, info = autodiff_peers()
    problems, hand = _problems(np)
    rng = np.random.default_rng(0)
    results, rows = [], []
    too_slow: set = set()
    for name, ((text, wrt, shapes), make) in problems.items():
        for order in (1, 2):
            fn, how, closed = _matcalc_fn(text, wrt, shapes, order)
            info[f"{name}_order{order}_matcalc"] = {"how": how, "closed_form": closed}
            torch_f = _torch_fns(name) if have_torch else None
            jax_f = _jax_fns(name) if have_jax else None
            for n in sizes:
                data = make(n, rng)
                rec = {"problem": name, "order": order, "n": n, "times": {}, "notes": {}}
                # the reference: the fastest spelling of the hand-written closed form
                want, best = None, None
                for label, h in hand[(name, order)].items():
                    val = h(**data)[1]
                    want = val if want is None else want
                    t = measure(lambda h=h: h(**data), budget=budget)["median"]
                    rec["times"][f"hand: {label}"] = t
                    if best is None or t < best[1]:
                        best = (label, t)
                rec["hand_best"] = best[0]
                rec["times"]["hand"] = best[1]
                tol = 1e-8 * max(1.0, float(np.abs(want).max()))
                methods = {"matcalc": lambda: fn(**data)}
                if torch_f:
                    prep, g, hf, hv = torch_f
                    td = prep(data)
                    if order == 1:
                        methods["torch"] = lambda: g(td)
                    else:
                        methods["torch.autograd.functional.hessian"] = lambda: hf(td)
                        methods["torch.func.hessian"] = lambda: hv(td)
                if jax_f:
                    prep_j, gj, hj = jax_f
                    ja = prep_j(data)
                    methods["jax (jit)"] = (lambda: gj(ja)) if order == 1 else (lambda: hj(ja))
                for m, call in methods.items():
                    key = (name, order, m)
                    if key in too_slow:
                        rec["notes"][m] = f"skipped: one call took > {SLOW_CALL:g} s at a smaller n"
                        continue
                    try:
                        t0 = time.perf_counter()
                        val = np.asarray(call())
                        first = time.perf_counter() - t0
                        if m.startswith("jax"):
                            rec.setdefault("jax_first_call_incl_compile", first)
                        err = float(np.abs(val.reshape(want.shape) - want).max())
                        if err > tol:
                            rec["notes"][m] = f"WRONG: max |error| {err:.3g}"
                        heavy = first > 2.0
                        rec["times"][m] = measure(call, budget=0 if heavy else budget, warmup=0,
                                                  min_repeats=1 if heavy else 3)["median"]
                        if first > SLOW_CALL:
                            too_slow.add(key)
                    except Exception as e:  # noqa: BLE001
                        rec["notes"][m] = f"error: {type(e).__name__}: {str(e)[:160]}"
                ref = rec["times"]["hand"]
                rec["ratios_vs_hand"] = {m: ratio(t, ref) for m, t in rec["times"].items()
                                         if not m.startswith("hand")}
                mc = rec["times"].get("matcalc")
                rec["matcalc_speedup_over"] = {m: ratio(t, mc) for m, t in rec["times"].items()
                                               if not m.startswith("hand") and m != "matcalc"}
                results.append(rec)
                r = rec["times"]
                rows.append([f"{name} {'∇' if order == 1 else '∇²'}", n, f"{fmt_time(ref)} ({best[0]})",
                             _c(r, "matcalc", ref, rec),
                             _c(r, "torch", ref, rec) if order == 1 else
                             _c(r, "torch.autograd.functional.hessian", ref, rec),
                             _c(r, "torch.func.hessian", ref, rec) if order == 2 else "",
                             _c(r, "jax (jit)", ref, rec),
                             fmt_time(rec.get("jax_first_call_incl_compile"))])
    log(table(["problem", "n", "hand NumPy (fastest form)", "matcalc", "torch (autograd / "
               "functional.hessian)", "torch.func.hessian", "JAX jit", "JAX 1st call (compile)"],
              rows))
    log("cells: median time and ×(time / hand-written closed form); " +
        "; ".join(f"{k} skipped: {v}" for k, v in skipped.items()))
    for k in ("logistic_order1_matcalc", "logistic_order2_matcalc", "quad_order1_matcalc",
              "quad_order2_matcalc"):
        log(f"matcalc {k.split('_')[0]} order {k[-9]} via {info[k]['how']}: {info[k]['closed_form']}")
    summary = _summary(results)
    for line in summary["lines"]:
        log(line)
    log("\n### 4b. Each export against hand-written code in its own library\n")
    same = same_library.run(mode, log=log)
    summary["same_library_worst"] = same["summary"]["worst"]
    summary["same_library_worst_case"] = same["summary"]["worst_case"]
    summary["same_library_differ"] = same["summary"]["differ"]
    return {"results": results, "info": info, "skipped": skipped, "summary": summary,
            "same_library": same}


def _c(r, m, ref, rec):
    if m in r:
        note = rec["notes"].get(m, "")
        return f"{fmt_time(r[m])} {fmt_ratio(ratio(r[m], ref))}" + (f" {note}" if note else "")
    return rec["notes"].get(m, "–")


def _summary(results) -> dict:
    big = [r for r in results if r["n"] >= 512]
    out = {"lines": []}
    worst = max((r["ratios_vs_hand"].get("matcalc") or 0, r["problem"], r["order"], r["n"])
                for r in big) if big else None
    out["matcalc_vs_hand_worst_n_ge_512"] = worst[0] if worst else None

    def vs_broadcast(r):        # the comparator: the broadcast form, not syrk
        forms = {k[len("hand: "):]: v for k, v in r["times"].items() if k.startswith("hand: ")}
        ref = min(v for k, v in forms.items() if "syrk" not in k)
        return ratio(r["times"].get("matcalc"), ref)
    out["matcalc_vs_broadcast_worst_n_ge_512"] = max(
        (vs_broadcast(r) or 0 for r in big), default=None)
    out["matcalc_vs_hand"] = {f"{r['problem']} order {r['order']} n={r['n']}":
                              r["ratios_vs_hand"].get("matcalc") for r in results}
    torch_h = [r["matcalc_speedup_over"].get("torch.autograd.functional.hessian")
               for r in results if r["order"] == 2]
    torch_f = [r["matcalc_speedup_over"].get("torch.func.hessian") for r in results if r["order"] == 2]
    jax_all = [r["matcalc_speedup_over"].get("jax (jit)") for r in results]
    out["min_speedup_over_torch_functional_hessian"] = min([x for x in torch_h if x], default=None)
    out["min_speedup_over_torch_func_hessian"] = min([x for x in torch_f if x], default=None)
    out["min_speedup_over_jax"] = min([x for x in jax_all if x], default=None)
    if worst:
        out["lines"].append(
            f"matcalc vs hand-written closed form at n ≥ 512: worst {fmt_ratio(worst[0])} "
            f"({worst[1]} order {worst[2]}, n={worst[3]}) — target ≤ ×1.3: "
            f"{'met' if worst[0] <= 1.3 else 'MISSED'}")
    if out["min_speedup_over_torch_functional_hessian"]:
        out["lines"].append(
            f"matcalc Hessian speed-up over torch.autograd.functional.hessian: min "
            f"{fmt_ratio(out['min_speedup_over_torch_functional_hessian'])}, over torch.func.hessian "
            f"min {fmt_ratio(out['min_speedup_over_torch_func_hessian'])} (target ≥ ×20)")
    if out["min_speedup_over_jax"]:
        out["lines"].append(f"matcalc speed-up over jitted JAX: min {fmt_ratio(out['min_speedup_over_jax'])}"
                            " (target > ×1)")
    return out
