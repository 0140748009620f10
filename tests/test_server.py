"""The playground server (`matcalc serve`, matcalc/server/): its JSON API, limits, time limits,
worker crashes and concurrent mixed requests, against a real server on a loopback port.

The module's server has short time limits (3 s) so that the slow inputs — a Hessian whose
derivation runs for seconds, a check whose SymPy half runs into its own 15 s limit — are cut
off quickly.  No test asserts a timing; bench/server_load.py measures them.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from matcalc.server import api, make

NEURON = {"expr": "max(0, w.x + b)", "wrt": "w"}
SLOW_DERIVE = {"expr": "sin(" * 40 + "x" + " + x^2)" * 40,
               "wrt": "x", "order": 2}          # seconds of steps: cut off at 3 s
SLOW_CHECK = {"expr": "det(X)", "wrt": "X", "sizes": {"n": 8}}   # SymPy: 15 s
LIMITS = {"derive_seconds": 3.0, "check_seconds": 3.0, "table_seconds": 60.0}
EXAMPLES = json.loads((Path(api.__file__).parent / "static" / "examples.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server():
    app = make("127.0.0.1", 0, workers=2, check_workers=1, limits=LIMITS, log=lambda m: None)
    try:
        assert app.wait_ready(120), "the workers did not start"
        yield app
    finally:
        app.close()


def request(app, method, path, body=None, *, raw=None, headers=None, timeout=90):
    host, port = app.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
    finally:
        conn.close()
    if r.getheader("Content-Type", "").startswith("application/json"):
        payload = json.loads(payload)
    return r.status, payload, r


def post(app, route, body, **kw):
    status, payload, _ = request(app, "POST", f"/api/{route}", body, **kw)
    return status, payload


# -- the page and its files -----------------------------------------------------------------

def test_page_and_static_files(server):
    status, page, r = request(server, "GET", "/")
    assert status == 200 and b'id="expr"' in page and b"<script" in page
    assert "script-src 'self'" in r.getheader("Content-Security-Policy")
    assert b"http://" not in page and b"https://" not in page        # nothing from a CDN
    for name, ctype in [("app.js", "text/javascript"), ("render.js", "text/javascript"),
                        ("style.css", "text/css"), ("examples.json", "application/json")]:
        status, body, r = request(server, "GET", f"/static/{name}")
        assert status == 200 and r.getheader("Content-Type").startswith(ctype), name
        text = body if isinstance(body, bytes) else json.dumps(body).encode()
        assert not re.search(rb"https?://(?!127\.0\.0\.1)", text), f"{name} names a host"


@pytest.mark.parametrize("path", ["/static/../pool.py", "/static/%2e%2e/api.py",
                                  "/static/nope.js", "/nothing", "/api/nothing"])
def test_unknown_paths_are_404(server, path):
    status, body, _ = request(server, "GET", path)
    assert status == 404 and body["error"]["label"] == "not-found"


def test_gallery_has_the_brief_examples_and_each_derives(server):
    exprs = {e["expr"] for e in EXAMPLES}
    assert len(EXAMPLES) >= 12
    assert {"max(0, w.x + b)", "x' @ A @ x", "tr(A @ X @ B)", "det(X)", "logsumexp(x)",
            "sum(log(1 + exp(-y ⊙ (X @ w))))", "-y' @ log(softmax(z))", "ln(sin(x^3)^2)",
            "[3x^2 y, 2x + y^8]", "norm(W2 @ relu(W1 @ x) - y)^2"} <= exprs
    for ex in EXAMPLES:
        body = {k: ex[k] for k in ("expr", "wrt", "shapes", "order") if k in ex}
        status, data = post(server, "derive", body)
        assert status == 200, (ex, data)
        assert data["playground"]["mathml"]["result"].startswith("<math")


# -- /api/derive ------------------------------------------------------------------------------

def test_derive_neuron(server):
    status, data = post(server, "derive", NEURON)
    assert status == 200
    assert data["result"]["text"] == "step(w·x + b) xᵀ" and data["shape"] == ["1", "n"]
    pg = data["playground"]
    assert pg["shapes_line"] == "shape 1×n (numerator layout); inferred w: n, x: n, b: scalar"
    assert "<mfrac>" in pg["mathml"]["lhs"] and "step" in pg["mathml"]["result"]
    assert "def f_and_grad(" in pg["code"]["numpy"]["source"]
    assert "import torch" in pg["code"]["pytorch"]["source"]
    assert "jax" in pg["code"]["jax"]["source"]
    assert pg["latex"]["equation"].startswith("\\frac{\\partial}")
    assert [s["kind"] for s in data["steps"]][-1] == "result"


def test_derive_json_is_the_cli_json(server, cli):
    status, data = post(server, "derive", {**NEURON, "order": 1, "layout": "denominator"})
    assert status == 200
    code, out, err = cli("derive", "max(0, w.x + b)", "--wrt", "w", "--layout", "denominator",
                         "--format", "json")
    assert code == 0, err
    data.pop("playground")
    assert data == json.loads(out)


def test_derive_options_shapes_and_code(server):
    status, data = post(server, "derive", {
        "expr": "sum(log(1 + exp(-y ⊙ (X @ w))))", "wrt": ["w"], "shapes": "X:m,n y:m",
        "order": 2, "code": ["numpy"], "with_check": True, "colour": "blue"})
    assert status == 200, data
    assert data["order"] == 2 and data["shapes"]["X"] == "m×n"
    assert set(data["playground"]["code"]) == {"numpy"}
    assert "check_f_and_hess" in data["playground"]["code"]["numpy"]["source"]
    assert data["playground"]["ignored"] == ["colour"]
    status, data = post(server, "derive", {"expr": "A @ x", "wrt": "x",
                                           "shapes": {"A": "m,3", "x": 3}})
    assert status == 200 and data["shapes"]["x"] == "3×1"


def test_parse_lists_the_variables(server):
    status, data = post(server, "parse", {"expr": "max(0, w.x + b)"})
    assert status == 200 and data["variables"] == ["b", "w", "x"]


def test_wrt_not_in_the_expression(server):
    status, data = post(server, "derive", {"expr": "99", "wrt": "x"})
    assert status == 200 and "does not appear" in data["playground"]["notes"][0]
    status, data = post(server, "derive", {"expr": "x'Ax", "wrt": "A"})
    assert status == 400 and data["error"]["label"] == "unknown-wrt"
    assert "A x" in data["error"]["hint"]


# -- errors: the caret, the hint, the limits -------------------------------------------------

def test_parse_error_carries_the_caret(server):
    status, data = post(server, "derive", {"expr": "max(0, w.x +", "wrt": "w"})
    err = data["error"]
    assert status == 400 and err["kind"] == "parse error"
    assert err["text"] == "max(0, w.x +" and err["span"] == [11, 12] and err["hint"]


def test_shape_error_has_a_hint(server):
    status, data = post(server, "derive", {"expr": "A * x", "wrt": "x",
                                           "shapes": "A:m,n x:n"})
    assert status == 400 and data["error"]["kind"] == "shape error"
    assert "@" in data["error"]["hint"] and data["error"]["span"] is not None


def test_user_text_is_never_evaluated(server, tmp_path):
    marker = tmp_path / "pwned"
    evil = f"__import__('os').system('touch {marker}')"
    for body in ({"expr": evil, "wrt": "x"}, {"expr": "x", "wrt": "x", "shapes": {"x": evil}},
                 {"expr": "x^2", "wrt": "x", "sizes": evil}):
        status, data = post(server, "check" if "sizes" in body else "derive", body)
        assert status == 400, data
    assert not marker.exists()


@pytest.mark.parametrize("body,label", [
    ({"wrt": "w"}, "bad-request"),
    ({"expr": 3, "wrt": "w"}, "bad-request"),
    ({"expr": "w.x", "wrt": ""}, "bad-wrt"),
    ({"expr": "w.x", "wrt": "w", "order": 3}, "bad-order"),
    ({"expr": "w.x", "wrt": "w", "layout": "sideways"}, "bad-layout"),
    ({"expr": "w.x", "wrt": "w", "code": ["fortran"]}, "bad-code"),
    (["not", "an", "object"], "bad-request"),
    ({"expr": "x+" * 5000 + "x", "wrt": "x"}, "too-long"),
])
def test_bad_requests(server, body, label):
    status, data = post(server, "derive", body)
    assert status == 400 and data["error"]["label"] == label, data
    assert data["error"]["message"]


def test_nesting_limit(server):
    status, data = post(server, "derive", {"expr": "(" * 201 + "x" + ")" * 201, "wrt": "x"})
    assert status == 400 and "nested" in data["error"]["message"]


def test_bad_json_oversize_and_protocol(server):
    status, data, _ = request(server, "POST", "/api/derive", raw=b'{"expr": "x", ')
    assert status == 400 and data["error"]["label"] == "bad-json"
    status, data, _ = request(server, "POST", "/api/derive", raw=b"[" * 50000)
    assert status == 400 and data["error"]["label"] == "bad-json"
    big = json.dumps({"expr": "x" * 70000, "wrt": "x"}).encode()
    status, data, _ = request(server, "POST", "/api/derive", raw=big)
    assert status == 413 and data["error"]["label"] == "too-large"
    status, data, _ = request(server, "POST", "/api/derive", raw=b'{"expr": "x", "wrt": "x"}',
                              headers={"Content-Type": "text/plain"})
    assert status == 415
    status, data, r = request(server, "GET", "/api/derive")
    assert status == 405 and r.getheader("Allow") == "POST"
    status, data, _ = request(server, "DELETE", "/")
    assert status == 405
    status, data, _ = request(server, "GET", "/", headers={"Host": "evil.example:8765"})
    assert status == 403 and data["error"]["label"] == "bad-host"


def test_refused_posts_still_get_their_answer(server):
    """A body the server does not want is read before the error is sent: closing a socket
    with unread data resets it, and the client would lose the answer."""
    body = json.dumps({"expr": "x" * 30000, "wrt": "x"}).encode()
    calls = [("POST", "/api/nowhere", {}, 404), ("PUT", "/api/derive", {}, 405),
             ("POST", "/api/derive", {"Content-Type": "text/plain"}, 415)] * 10

    def one(call):
        method, path, headers, _ = call
        return request(server, method, path, raw=body, headers=headers)[0]

    with ThreadPoolExecutor(len(calls)) as pool:
        assert list(pool.map(one, calls)) == [want for *_, want in calls]


# -- options passed through generically -----------------------------------------------------

def test_options_are_forwarded_from_the_whitelist(monkeypatch):
    monkeypatch.setattr(api, "supported_options", lambda: frozenset(api.DERIVE_OPTIONS))
    job = api.job_for("derive", {**NEURON, "dialect": "matrixcalculus", "form": "kron"})
    assert job["options"] == {"dialect": "matrixcalculus", "form": "kron"}
    monkeypatch.setattr(api, "supported_options", lambda: frozenset({"order", "layout"}))
    job = api.job_for("derive", {**NEURON, "dialect": "matcalc", "order": 2})
    assert job["options"] == {"order": 2}                 # a default needs no support
    with pytest.raises(api.BadRequest) as e:
        api.job_for("derive", {**NEURON, "dialect": "matrixcalculus"})
    assert e.value.label == "not-available"


def test_info_lists_what_this_build_supports(server):
    status, data, _ = request(server, "GET", "/api/info")
    assert status == 200 and {"order", "layout"} <= set(data["options"])
    assert data["limits"]["expr_chars"] == 10_000 and data["backends"] == list(api.BACKENDS)


# -- check and table ----------------------------------------------------------------------------

def test_check(server):
    status, data = post(server, "check", {**NEURON, "sizes": "n=4"})
    assert status == 200 and data["check"]["passed"] is True
    assert {m["name"] for m in data["check"]["methods"]} == {"exact", "numeric"}
    assert data["check"]["methods"][0]["sizes"] == {"n": 4}
    status, data = post(server, "check", {**NEURON, "sizes": {"n": 500}})
    assert status == 400 and data["error"]["label"] == "bad-sizes"


def test_table(server):
    status, data, _ = request(server, "GET", "/api/table?only=reductions")
    assert status == 200 and data["format"] == "markdown" and "|" in data["text"]
    status, again = post(server, "table", {"only": "reductions"})
    assert status == 200 and again == data                         # from the cache
    status, data = post(server, "table", {"format": "pdf"})
    assert status == 400 and data["error"]["label"] == "bad-format"


# -- time limits, crashes, concurrency ---------------------------------------------------------

def test_a_runaway_derivation_is_cut_off(server):
    status, data = post(server, "derive", SLOW_DERIVE)
    assert status == 504 and data["error"]["label"] == "timeout"
    assert "longer than 3 s" in data["error"]["message"] and data["error"]["hint"]
    assert post(server, "derive", NEURON)[0] == 200


def test_a_long_check_does_not_block_derivations(server):
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(post, server, "check", SLOW_CHECK)
        answers = [post(server, "derive", NEURON)[0] for _ in range(5)]
        still_running = not slow.done()
        status, data = slow.result()
    assert answers == [200] * 5 and still_running
    assert status == 504 and "the check took longer" in data["error"]["message"]


def test_killed_workers_are_replaced(server):
    before = server.derive_pool.pids()
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)                              # let SIGKILL land; no timing is measured
    status, data = post(server, "derive", NEURON)
    assert status == 200, data
    assert post(server, "parse", {"expr": "w.x"})[0] == 200
    assert not set(before) & set(server.derive_pool.pids())


def test_concurrent_mixed_requests_are_all_answered(server):
    valid = [{k: e[k] for k in ("expr", "wrt", "shapes", "order") if k in e}
             for e in EXAMPLES[:10]]
    jobs = ([("derive", b, 200) for b in valid] +
            [("derive", {"expr": t, "wrt": "x"}, 400)
             for t in ("max(0, x +", "x ** 2", "sin(x", "foo(x)")] +
            [("derive", SLOW_DERIVE, 504), ("derive", SLOW_DERIVE, 504),
             ("check", SLOW_CHECK, 504), ("check", SLOW_CHECK, 504),
             ("check", NEURON, 200), ("check", {"expr": "x' @ A @ x", "wrt": "x"}, 200),
             ("raw", b"{not json", 400), ("raw", b"", 400), ("nowhere", {}, 404)])
    assert len(jobs) >= 20

    def one(job):
        route, body, _ = job
        if route == "raw":
            return request(server, "POST", "/api/derive", raw=body)[0]
        return post(server, route, body)[0]

    with ThreadPoolExecutor(len(jobs)) as pool:
        got = list(pool.map(one, jobs))
    assert got == [want for _, _, want in jobs]
    assert request(server, "GET", "/api/info")[0] == 200
    assert post(server, "derive", NEURON)[0] == 200


# -- the command ----------------------------------------------------------------------------------

def _serve(*args, code=None):
    """`matcalc serve ARGS`, or the script `code` run with `serve ARGS` as its arguments."""
    import matcalc
    env = dict(os.environ, PYTHONIOENCODING="utf-8",
               PYTHONPATH=str(Path(matcalc.__file__).resolve().parent.parent))
    command = ["-m", "matcalc"] if code is None else ["-c", code]
    return subprocess.Popen([sys.executable, *command, "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_serve_command(host):
    proc = _serve("--port", "0", "--host", host, "--workers", "1")
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(rf"matcalc playground: http://{re.escape(host)}:(\d+)/\n", line)
        assert m, line
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=60)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert ("warning: listening on 0.0.0.0" in err) == (host == "0.0.0.0")
    assert "Traceback" not in err


# The kernel may hand a process-directed signal to any thread that does not block it.  Here it
# must go to a helper thread: the main thread, and so every thread it starts, block SIGTERM.
SIGTERM_TO_ANOTHER_THREAD = """
import signal, sys, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
from matcalc.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX thread signal masks")
def test_serve_stops_when_another_thread_takes_sigterm():
    """Python runs the handler in the main thread, which must then wake up: under load a
    server thread sometimes took the SIGTERM and the main thread slept on, forever (the
    30 s timeouts of test_serve_command in CI)."""
    proc = _serve("--port", "0", "--workers", "1", code=SIGTERM_TO_ANOTHER_THREAD)
    try:
        m = re.fullmatch(r"matcalc playground: http://127.0.0.1:(\d+)/\n", proc.stdout.readline())
        assert m
        assert proc.stderr.readline() == "  Ctrl-C stops it\n"   # said just before it waits
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=60)
        conn.request("GET", "/api/info")
        assert conn.getresponse().status == 200
        conn.close()
        time.sleep(0.5)          # lets the main thread reach its wait (else it runs the handler)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail("the server did not exit within 30 s of SIGTERM")
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_derive_does_not_import_the_server():
    import matcalc
    env = dict(os.environ, PYTHONPATH=str(Path(matcalc.__file__).resolve().parent.parent))
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "matcalc", "derive", "w.x",
                        "--wrt", "w"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in p.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "matcalc.cli" in imported and "matcalc.server" not in imported
    assert "http.server" not in imported and "socketserver" not in imported
