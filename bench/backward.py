"""§6 Exported backward passes (issue 13, item 7): the gradient of a whole network's loss by
all its parameters at once, as matcalc exports it, against reverse-mode autodiff.

Problems (float64, CPU; batch N = 256 and width 128 in the full run):

* the batched MLP `mse(relu(X @ W1 + b1) @ W2 + b2, T)` by W1, b1, W2, b2;
* softmax regression `-sum(Y ⊙ log_softmax(X @ W + b, axis=1)) / N` (Y one-hot) by W, b;
* the transformer block of examples/transformer.mc (pre-norm, one attention head, GELU MLP)
  by its 12 parameters (Wq, Wk, Wv, Wo, W1, c1, W2, c2, g1, b1, g2, b2).

Each is derived once by all its parameters jointly (`matcalc.derive(text, [params])`: the
gradient is the parameters' row-major vecs side by side) and exported with
`codegen.export(d, "numpy")` and `codegen.export(d, "pytorch")`.  Methods, each returning the
value and every parameter's gradient:

* matcalc's NumPy export (on NumPy arrays) and PyTorch export (on tensors);
* `torch.autograd` — the forward pass with `requires_grad` parameters, then
  `torch.autograd.grad` (forward + backward, as a training step does);
* `torch.func.grad_and_value` of the same function (eager);
* `jax.jit(jax.value_and_grad(f, argnums=…))`, timed after a warm-up; the first call,
  compile included, is reported apart.

PyTorch runs on one intra-op thread here (`torch.set_num_threads(1)`, restored after; NumPy's
BLAS threads are left as the environment sets them).  The methods run interleaved in one
process (round r runs every method once, in turn), after
two warm-up calls each, and the figure is the median over the rounds (≥ 5).  Each call is
timed twice: wall time, and the process's CPU time (`time.process_time`: what the call
costs, whatever else shares the cores — on a loaded machine the wall time of a 2 ms call
varies ×3 between rounds, its CPU time by a few %).  The ratios to torch.autograd are of the
CPU-time medians (the wall-time ratios are recorded next to them).  Every gradient is
compared with torch.autograd's before anything is timed: the largest |difference| over
max(1, largest |entry|) must be ≤ 1e-10.  Targets (issue 13.7): the PyTorch export within
×1.25 of torch.autograd, the NumPy export within ×1.5.  Nothing here asserts a timing.

    python bench/backward.py [--quick | --tiny] [--out FILE.json]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                       # `python bench/backward.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import autodiff_peers, ROOT, fmt_ratio, fmt_time, ratio, table

BLOCK = (Path(ROOT) / "examples" / "transformer.mc").read_text(encoding="utf-8")
BLOCK_PARAMS = ["Wq", "Wk", "Wv", "Wo", "W1", "c1", "W2", "c2", "g1", "b1", "g2", "b2"]

PROBLEMS = {
    "MLP (relu, mse)": ("mse(relu(X @ W1 + b1) @ W2 + b2, T)", ["W1", "b1", "W2", "b2"],
                        {"X": "N,d", "T": "N,k"}),
    "softmax regression": ("-sum(Y ⊙ log_softmax(X @ W + b, axis=1)) / N", ["W", "b"],
                           {"X": "N,d", "Y": "N,k"}),
    "transformer block": (BLOCK, BLOCK_PARAMS, {"X": "N,d"}),
}
TARGETS = {"matcalc pytorch": 1.25, "matcalc numpy": 1.5}
# torch's intra-op pool, for this section: with its default (one thread per core) on a
# loaded 2-core machine, next to JAX's threads, a batch-8 step took 14 ms instead of 0.6 ms
# — in the export and in torch.autograd alike, a different amount each round
TORCH_THREADS = 1
TOL = 1e-10


def _sizes(mode):
    """(batch N, width): every other size (hidden, classes, head) is the width too."""
    return {"tiny": (8, 4), "quick": (256, 128), "full": (256, 128)}[mode]


def _data(var_shapes, N, w, rng, problem):
    import numpy as np
    dims = {"N": N}
    out = {}
    for name, shape in var_shapes.items():
        r, c = (dims.get(x, w) if isinstance(x, str) else x for x in shape)
        if name == "dk":
            out[name] = np.array(float(w))
        elif name == "N":                                        # the batch, as a scalar
            out[name] = np.array(float(N))
        elif name == "Y":                                        # one-hot labels
            out[name] = np.eye(c)[rng.integers(0, c, r)]
        elif c == 1 and r != 1:                                  # a vector, 1-D
            out[name] = rng.standard_normal(r) * 0.1 + (1.0 if name.startswith("g") else 0.0)
        else:
            scale = 1.0 if name in ("X", "T") else 1.0 / np.sqrt(r)
            out[name] = rng.standard_normal((r, c)) * scale
    return out


# -- the same functions, written for the autodiff libraries ------------------------------

def _torch_loss(problem):
    import torch
    F = torch.nn.functional
    if problem.startswith("MLP"):
        def f(W1, b1, W2, b2, X, T):
            return F.mse_loss(torch.relu(X @ W1 + b1) @ W2 + b2, T)
    elif problem.startswith("softmax"):
        def f(W, b, X, Y):
            return -(Y * torch.log_softmax(X @ W + b, dim=1)).sum() / X.shape[0]
    else:
        def f(Wq, Wk, Wv, Wo, W1, c1, W2, c2, g1, b1, g2, b2, X, dk, T):
            H = F.layer_norm(X, X.shape[-1:], g1, b1, eps=1e-5)
            S = torch.softmax((H @ Wq) @ (H @ Wk).T / torch.sqrt(dk), dim=-1)
            X1 = X + S @ (H @ Wv) @ Wo
            H2 = F.layer_norm(X1, X1.shape[-1:], g2, b2, eps=1e-5)
            Y = X1 + F.gelu(H2 @ W1 + c1) @ W2 + c2
            return F.mse_loss(Y, T)
    return f


def _jax_loss(problem):
    import jax
    import jax.numpy as jnp

    def layer_norm(X, g, b):
        mu = X.mean(axis=1, keepdims=True)
        var = ((X - mu) ** 2).mean(axis=1, keepdims=True)
        return (X - mu) / jnp.sqrt(var + 1e-5) * g + b
    if problem.startswith("MLP"):
        def f(W1, b1, W2, b2, X, T):
            return jnp.mean((jax.nn.relu(X @ W1 + b1) @ W2 + b2 - T) ** 2)
    elif problem.startswith("softmax"):
        def f(W, b, X, Y):
            return -jnp.sum(Y * jax.nn.log_softmax(X @ W + b, axis=1)) / X.shape[0]
    else:
        def f(Wq, Wk, Wv, Wo, W1, c1, W2, c2, g1, b1, g2, b2, X, dk, T):
            H = layer_norm(X, g1, b1)
            S = jax.nn.softmax((H @ Wq) @ (H @ Wk).T / jnp.sqrt(dk), axis=-1)
            X1 = X + S @ (H @ Wv) @ Wo
            H2 = layer_norm(X1, g2, b2)
            Y = X1 + jax.nn.gelu(H2 @ W1 + c1, approximate=False) @ W2 + c2
            return jnp.mean((Y - T) ** 2)
    return f


def _order(problem, params, var_shapes):
    """The loss functions' argument order: the parameters, then the data."""
    data = {"MLP": ["X", "T"], "softmax": ["X", "Y"], "transformer": ["X", "dk", "T"]}
    return params + data[problem.split()[0]]


def _methods(problem, d, data, params, have_torch, have_jax, log):
    """{name: callable() -> (value, [gradient per parameter, as arrays])}, and notes."""
    import numpy as np
    from matcalc import codegen
    out, notes, first = {}, {}, {}
    args = list(d.var_shapes)                              # the exported function's order
    sizes = [data[p].size for p in params]

    def split(g):                                          # the stacked row-major vecs
        g = np.asarray(g).reshape(-1)
        parts, at = [], 0
        for p, s in zip(params, sizes):
            parts.append(g[at:at + s].reshape(data[p].shape))
            at += s
        return parts

    for backend in ("numpy", "pytorch"):
        if backend == "pytorch" and not have_torch:
            continue
        src = codegen.export(d, backend)
        ns: dict = {}
        exec(compile(src, f"<matcalc export {backend}>", "exec"), ns)   # noqa: S102 — ours
        fn = ns["f_and_grad"]
        if backend == "numpy":
            a = [data[k] for k in args]
            out["matcalc numpy"] = (lambda fn=fn, a=a: fn(*a), split)
        else:
            import torch
            a = [torch.from_numpy(np.ascontiguousarray(data[k])) for k in args]
            out["matcalc pytorch"] = (lambda fn=fn, a=a: fn(*a),
                                      lambda g: split(g.detach().numpy()))
        notes[f"export_lines_{backend}"] = src.count("\n")
    order = _order(problem, params, d.var_shapes)
    if have_torch:
        import torch
        f = _torch_loss(problem)
        k = len(params)
        t = [torch.from_numpy(np.ascontiguousarray(data[n])) for n in order]

        def autograd_step(f=f, t=t, k=k):
            ps = [x.detach().requires_grad_(True) for x in t[:k]]
            loss = f(*ps, *t[k:])
            return loss.detach(), torch.autograd.grad(loss, ps)
        gv = torch.func.grad_and_value(lambda ps, rest, f=f: f(*ps, *rest))

        def func_step(gv=gv, t=t, k=k):
            g, v = gv(tuple(t[:k]), tuple(t[k:]))
            return v, g
        tsplit = (lambda g: [x.numpy() for x in g])
        out["torch.autograd"] = (autograd_step, tsplit)
        out["torch.func.grad"] = (func_step, tsplit)
    if have_jax:
        import jax
        import jax.numpy as jnp
        f = _jax_loss(problem)
        k = len(params)
        vg = jax.jit(jax.value_and_grad(f, argnums=tuple(range(k))))
        ja = [jnp.asarray(data[n]) for n in order]

        def jax_step(vg=vg, ja=ja):
            v, g = vg(*ja)
            jax.block_until_ready(g)
            return v, g
        t0 = time.perf_counter()
        jax_step()
        first["jax.grad (jit)"] = time.perf_counter() - t0
        out["jax.grad (jit)"] = (jax_step, lambda g: [np.asarray(x) for x in g])
    return out, notes, first


def run(mode: str = "full", log=print) -> dict:
    """The section; torch's intra-op threads set to one meanwhile (`TORCH_THREADS`)."""
    have_torch, have_jax, skipped, info = autodiff_peers()
    if not have_torch:
        return _run(mode, log, have_torch, have_jax, skipped, info)
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    info.update(torch_threads=TORCH_THREADS, torch_threads_default=before)
    try:
        return _run(mode, log, have_torch, have_jax, skipped, info)
    finally:
        torch.set_num_threads(before)


def _run(mode, log, have_torch, have_jax, skipped, info) -> dict:
    import numpy as np
    import matcalc
    N, w = _sizes(mode)
    rounds = {"tiny": 5, "quick": 11, "full": 25}[mode]
    rng = np.random.default_rng(0)
    results, rows = [], []
    for problem, (text, params, shapes) in PROBLEMS.items():
        t0 = time.perf_counter()
        d = matcalc.derive(text, params, shapes=shapes)
        derive_s = time.perf_counter() - t0
        data = _data(d.var_shapes, N, w, rng, problem)
        methods, notes, first = _methods(problem, d, data, params, have_torch, have_jax, log)
        rec = {"problem": problem, "N": N, "width": w, "params": params, "rounds": rounds,
               "derive_seconds": derive_s, "times": {}, "errors": {}, "notes": notes,
               "first_call_incl_compile": first}
        ref_name = "torch.autograd" if "torch.autograd" in methods else "matcalc numpy"
        ref_v, ref_g = None, None
        call, split = methods[ref_name]
        v, g = call()
        ref_v, ref_g = float(v), split(g)
        scale = max(1.0, max(float(np.abs(x).max()) for x in ref_g))
        for m, (call, split) in methods.items():
            try:
                v, g = call()
                parts = split(g)
                err = max(float(np.abs(np.asarray(a).reshape(b.shape) - b).max())
                          for a, b in zip(parts, ref_g)) / scale
                err = max(err, abs(float(v) - ref_v) / max(1.0, abs(ref_v)))
                rec["errors"][m] = err
            except Exception as e:  # noqa: BLE001 — a method that fails is reported, not timed
                rec["errors"][m] = f"error: {type(e).__name__}: {str(e)[:160]}"
        timed = [m for m in methods if isinstance(rec["errors"].get(m), float)]
        samples = {m: [] for m in timed}
        cpu = {m: [] for m in timed}
        for _ in range(2):                                        # warm-up, twice each
            for m in timed:
                methods[m][0]()
        for _ in range(rounds):                                   # interleaved rounds
            for m in timed:
                c, t = time.process_time(), time.perf_counter()
                methods[m][0]()
                samples[m].append(time.perf_counter() - t)
                cpu[m].append(time.process_time() - c)
        rec["times"] = {m: statistics.median(s) for m, s in samples.items()}
        rec["cpu_times"] = {m: statistics.median(s) for m, s in cpu.items()}
        ref = rec["cpu_times"].get("torch.autograd")
        rec["ratios_vs_autograd"] = {m: ratio(t, ref) for m, t in rec["cpu_times"].items()}
        wref = rec["times"].get("torch.autograd")
        rec["wall_ratios_vs_autograd"] = {m: ratio(t, wref) for m, t in rec["times"].items()}
        results.append(rec)
        for m in methods:
            e = rec["errors"][m]
            ok = isinstance(e, float) and e <= TOL
            tgt = TARGETS.get(m)
            r = rec["ratios_vs_autograd"].get(m)
            rows.append([problem, m, fmt_time(rec["cpu_times"].get(m)),
                         fmt_time(rec["times"].get(m)), fmt_ratio(r),
                         fmt_ratio(rec["wall_ratios_vs_autograd"].get(m)),
                         f"≤ ×{tgt}" + (" met" if r is not None and r <= tgt else " MISSED")
                         if tgt and r is not None else "",
                         f"{e:.1e}" + ("" if ok else " DIFFERS") if isinstance(e, float) else e,
                         fmt_time(first.get(m))])
        log(f"{problem}: derived by {len(params)} parameters in {fmt_time(derive_s)}; "
            f"N = {N}, width {w}")
    log(table(["problem", "method", "CPU", "wall", "× torch.autograd (CPU)", "(wall)", "target",
               "max rel. diff", "1st call (compile)"], rows))
    log(f"cells: medians of {rounds} interleaved rounds (value and every parameter's "
        "gradient), CPU time and wall time; the target is judged on CPU time; diff against "
        "torch.autograd's gradient, tolerance 1e-10" +
        ("; " + "; ".join(f"{k} skipped: {v}" for k, v in skipped.items()) if skipped else ""))
    summary = _summary(results)
    for line in summary["lines"]:
        log(line)
    return {"results": results, "info": info, "skipped": skipped, "summary": summary}


def _summary(results) -> dict:
    out = {"lines": [], "disagree": [], "worst": {}}
    for r in results:
        for m, e in r["errors"].items():
            if not isinstance(e, float) or e > TOL:
                out["disagree"].append(f"{r['problem']}: {m} ({e})")
    for m, tgt in TARGETS.items():
        rs = [(r["ratios_vs_autograd"].get(m), r["problem"]) for r in results
              if r["ratios_vs_autograd"].get(m) is not None]
        if not rs:
            continue
        worst = max(rs)
        out["worst"][m] = worst[0]
        out["lines"].append(f"{m} vs torch.autograd (forward + backward, CPU time): worst "
                            f"{fmt_ratio(worst[0])} ({worst[1]}) — target ≤ ×{tgt}: "
                            f"{'met' if worst[0] <= tgt else 'MISSED'}")
    return out


def main(argv=None) -> int:
    import argparse
    import json
    ap = argparse.ArgumentParser(description="§6 of the bench alone: exported backward passes "
                                 "vs torch.autograd (see bench/README.md).")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="11 rounds instead of 25")
    g.add_argument("--tiny", action="store_true", help="batch 8, width 4: proves it runs")
    ap.add_argument("--out", default="-", help="write the JSON here ('-': none, the default)")
    args = ap.parse_args(argv)
    from bench.common import machine, machine_line
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    m = machine()
    print(f"§6 backward ({mode}) — {time.strftime('%Y-%m-%d %H:%M:%S')}\nmachine: "
          f"{machine_line(m)}", flush=True)
    out = run(mode, log=lambda *a: print(*a, flush=True))
    if args.out != "-":
        Path(args.out).write_text(json.dumps({"mode": mode, "machine": m, "backward": out},
                                             indent=1, ensure_ascii=False, default=str) + "\n",
                                  encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
