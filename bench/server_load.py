"""The playground server under load (issue 17.5): start-up, warm latency on the paper's
examples, and a steady stream of mixed valid and invalid requests.

    python bench/server_load.py [--quick | --tiny] [--rate 50] [--seconds 20]
                                [--out bench/results/server_load.json]

It starts `python -m matcalc serve --port 0` (two derivation workers, one check worker), talks
to it over loopback only, and stops it at the end.  Bounded: at most 5,000 requests, each with
a 30 s client time-out.  Targets: every paper example answered in < 50 ms per request warm
(the slowest example's median), and 50 requests/s of mixed input held with no failed request
(a failure is a refused or dropped connection, a 5xx, or a status other than the one the input
must get).  The load generator runs on the same machine and competes for its cores.
"""
from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):                       # `python bench/server_load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.battery import paper_cases  # noqa: E402
from bench.common import ROOT, fmt_ratio, fmt_time, machine, machine_line, subprocess_env, table  # noqa: E402

TARGET_LATENCY = 0.050
MAX_REQUESTS = 5000
INVALID = [({"expr": "max(0, w.x +", "wrt": "w"}, 400),
           ({"expr": "A * x", "wrt": "x", "shapes": "A:m,n x:n"}, 400),
           ({"expr": "foo(x)", "wrt": "x"}, 400),
           ({"expr": "x ** 2", "wrt": "x"}, 400),
           ({"expr": "w.x", "wrt": ""}, 400)]


def paper_bodies() -> list[tuple[str, dict]]:
    out = []
    for ex, text, wrt, shapes, _expected, layout in paper_cases():
        body = {"expr": text, "wrt": wrt, "layout": layout}
        if shapes:
            body["shapes"] = shapes
        out.append((ex, body))
    return out


def start_server():
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "matcalc", "serve", "--port", "0"],
                            cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    started = time.perf_counter() - t
    if not line.startswith("matcalc playground: http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    port = int(line.rsplit(":", 1)[1].strip(" /\n"))
    return proc, port, started, t


def call(port, method, path, raw=None, conn=None, timeout=30.0):
    """(status, seconds); status 0 for a connection that failed."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"} if raw is not None else {}
    t = time.perf_counter()
    try:
        conn.request(method, path, body=raw, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, time.perf_counter() - t
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - t
    finally:
        if own:
            conn.close()


def enc(body) -> bytes:
    return json.dumps(body).encode("utf-8")


def warm_latency(port, cases, repeats) -> dict:
    """Sequential requests on one keep-alive connection, as the page sends them (with code)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    per, statuses = {}, []
    for _ in range(repeats):
        for ex, body in cases:
            status, secs = call(port, "POST", "/api/derive", enc(body), conn=conn)
            statuses.append(status)
            per.setdefault(ex, []).append(secs)
    conn.close()
    medians = {ex: statistics.median(v) for ex, v in per.items()}
    every = sorted(s for v in per.values() for s in v)
    slowest = max(medians, key=medians.get)
    return {"requests": len(every), "non_200": sum(s != 200 for s in statuses),
            "median": statistics.median(every), "p95": every[int(0.95 * (len(every) - 1))],
            "max": every[-1], "slowest_example": slowest,
            "slowest_example_median": medians[slowest],
            "share_under_50ms": sum(s < TARGET_LATENCY for s in every) / len(every)}


def load(port, cases, rate, seconds) -> dict:
    """Open loop: request i is sent at t0 + i/rate whatever the answers before it did."""
    mix = [("POST", "/api/derive", enc(b), 200) for _, b in cases]
    mix += [("POST", "/api/derive", enc(b), s) for b, s in INVALID] * 4
    mix += [("POST", "/api/derive", b"{not json", 400)] * 4
    mix += [("POST", "/api/nowhere", b"{}", 404)] * 2
    mix += [("POST", "/api/parse", enc({"expr": b["expr"]}), 200) for _, b in cases[::4]]
    n = min(MAX_REQUESTS, int(rate * seconds))
    results = [None] * n
    lock = threading.Lock()

    def one(i):
        method, path, raw, want = mix[(i * 7919) % len(mix)]      # a fixed shuffle
        status, secs = call(port, method, path, raw)
        with lock:
            results[i] = (status, want, secs)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        for i in range(n):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    elapsed = time.perf_counter() - t0
    lat = sorted(r[2] for r in results)
    failed = [r for r in results if r[0] != r[1]]
    return {"rate_asked": rate, "requests": n, "seconds": round(elapsed, 2),
            "rate_achieved": n / elapsed, "answered": sum(r[0] != 0 for r in results),
            "failed": len(failed), "failed_statuses": sorted({f"{r[0]}≠{r[1]}" for r in failed}),
            "valid_share": sum(r[1] == 200 for r in results) / n,
            "p50": lat[n // 2], "p95": lat[int(0.95 * (n - 1))], "p99": lat[int(0.99 * (n - 1))],
            "max": lat[-1]}


def run(mode="full", rate=50.0, seconds=None, log=print) -> dict:
    seconds = seconds or {"tiny": 2, "quick": 10, "full": 20}[mode]
    repeats = {"tiny": 1, "quick": 3, "full": 5}[mode]
    cases = paper_bodies()
    proc, port, started, t_launch = start_server()
    try:
        status = 0
        while status != 200 and time.perf_counter() - t_launch < 120:
            status, _ = call(port, "POST", "/api/derive", enc(cases[0][1]))
        first = time.perf_counter() - t_launch
        log(f"start-up: URL printed after {fmt_time(started)}; first answer (workers warm) "
            f"after {fmt_time(first)}")
        warm = warm_latency(port, cases, repeats)
        log(table(["warm /api/derive, paper examples", "figure"], [
            ["requests (49 examples × repeats)", f"{warm['requests']} ({warm['non_200']} not 200)"],
            ["median", fmt_time(warm["median"])], ["p95", fmt_time(warm["p95"])],
            ["max", fmt_time(warm["max"])],
            [f"slowest example ({warm['slowest_example']}), median",
             fmt_time(warm["slowest_example_median"])],
            ["share under 50 ms", f"{warm['share_under_50ms']:.1%}"],
            ["50 ms target / slowest median", fmt_ratio(TARGET_LATENCY / warm["slowest_example_median"])]]))
        ld = load(port, cases, rate, seconds)
        log(table([f"{rate:g} requests/s for {seconds} s, mixed", "figure"], [
            ["requests sent / answered / failed", f"{ld['requests']} / {ld['answered']} / {ld['failed']}"
             + (f" {ld['failed_statuses']}" if ld["failed"] else "")],
            ["valid share", f"{ld['valid_share']:.0%}"],
            ["rate achieved", f"{ld['rate_achieved']:.1f} /s"],
            ["latency p50 / p95 / p99 / max", " / ".join(fmt_time(ld[k]) for k in ("p50", "p95", "p99", "max"))]]))
        alive, _ = call(port, "GET", "/api/info")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"startup": {"url_printed": started, "first_answer": first}, "warm": warm,
            "load": ld, "alive_after": alive == 200,
            "targets": [
                {"target": "paper examples answered in < 50 ms per request warm (slowest median)",
                 "met": warm["slowest_example_median"] < TARGET_LATENCY and warm["non_200"] == 0,
                 "measured": fmt_time(warm["slowest_example_median"])},
                {"target": f"{rate:g} requests/s of mixed input with no failed request",
                 "met": ld["failed"] == 0 and ld["rate_achieved"] >= 0.95 * rate and alive == 200,
                 "measured": f"{ld['failed']} failed of {ld['requests']} at "
                             f"{ld['rate_achieved']:.1f}/s"}]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true")
    g.add_argument("--tiny", action="store_true")
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "server_load.json"))
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    m = machine()
    print(f"matcalc serve load bench ({mode}) — {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
          f"machine: {machine_line(m)}\n", flush=True)
    out = {"mode": mode, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": m}
    out.update(run(mode, args.rate, args.seconds, log=lambda *a: print(*a, "\n", flush=True)))
    for t in out["targets"]:
        print(f"- {'MET   ' if t['met'] else 'MISSED'} {t['target']}: {t['measured']}")
    if args.out != "-":
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")
        print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
