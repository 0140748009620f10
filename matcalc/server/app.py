"""The playground's HTTP server: the page, its static files and the JSON API on one port.

Owns: `Playground` (a `ThreadingHTTPServer`, its two worker pools and the table cache) and
`Handler` (routing, request limits, error answers).  Derivations run in the derive pool,
checks and tables in the check pool, so a long check never holds up a derivation.
Invariant: every request gets one answer — the page, a file, a worker's JSON, or a JSON
`{"error": {kind, label, message, hint, text, span}}` with a 4xx/5xx status; the handler
thread never runs matcalc's engine itself (it parses JSON and waits on a worker with a time
limit), so no input can stop the server.  Bound to loopback, it answers only requests whose
Host is loopback (no DNS rebinding) and takes only `application/json` POSTs (so another
site's page cannot post to it without a CORS preflight, which it refuses).
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .api import LIMITS, BadRequest, info, job_for
from .pool import JobTimeout, Pool, PoolBusy, PoolError

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
         ".png": "image/png", ".svg": "image/svg+xml"}
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
TABLES_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
API_ROUTES = ("derive", "check", "parse", "table")
DRAIN_BYTES = 4 << 20           # an oversized body up to this size is read before the 413


class Playground:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, workers: int = 2,
                 check_workers: int = 1, limits: dict | None = None, log=None):
        self.limits = dict(LIMITS, **(limits or {}))
        self.log = log or (lambda msg: None)
        self.derive_pool = Pool("derive", workers, 2 * workers, "derive", self.log)
        self.check_pool = Pool("check", check_workers, check_workers + 1, "check", self.log)
        self.httpd = _Server((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.app = self
        self.loopback_only = host in LOOPBACK
        self.table_cache: dict = {}

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"

    def start(self) -> "Playground":
        """Start the workers (in the background) and serve in a daemon thread."""
        self.derive_pool.start()
        self.check_pool.start()
        threading.Thread(target=self.httpd.serve_forever, name="playground",
                         daemon=True).start()
        return self

    def wait_ready(self, timeout: float = 120.0) -> bool:
        return self.derive_pool.wait_ready(timeout) and self.check_pool.wait_ready(timeout)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.derive_pool.close()
        self.check_pool.close()

    def run_job(self, job: dict) -> tuple[int, bytes]:
        """(status, JSON bytes) for a validated job, from a worker within its time limit."""
        op = job["op"]
        if op == "table":
            key = (job["format"], job["only"])
            if key in self.table_cache:
                return 200, self.table_cache[key]
        pool = self.derive_pool if op in ("derive", "parse") else self.check_pool
        seconds = self.limits[("check" if op == "check" else op if op == "table" else "derive")
                              + "_seconds"]
        try:
            status, body = pool.run(job, timeout=seconds, wait=max(30.0, seconds))
        except PoolError as e:
            return self.pool_error(e, op, seconds)
        if op == "table" and status == 200:
            self.table_cache[key] = body
        return status, body

    def pool_error(self, e: PoolError, op: str, seconds: float) -> tuple[int, bytes]:
        what = {"check": "the check", "table": "the tables"}.get(op, "the derivation")
        if isinstance(e, JobTimeout):
            self.log(f"{op}: stopped after {seconds:g} s")
            hint = ("check at smaller sizes, or run `matcalc derive … --check` on the command "
                    "line" if op == "check" else "simplify the input, or use the command line, "
                    "which has no time limit")
            return 504, error_json("timeout", f"{what} took longer than {seconds:g} s and "
                                   "was stopped", hint)
        if isinstance(e, PoolBusy):
            return 503, error_json("busy", "the playground is busy with other requests",
                                   "try again in a few seconds")
        self.log(f"{op}: worker stopped: {e}")
        return 500, error_json(e.label, f"the worker stopped while working on {what} "
                               "(a new one has been started)", "please report the input")


class _Server(ThreadingHTTPServer):
    request_queue_size = 128         # listen backlog: a burst of connections is queued, not reset
    def handle_error(self, request, client_address):
        """A client that goes away mid-answer is normal (the page cancels stale requests)."""
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def error_json(label: str, message: str, hint: str | None = None, kind: str = "error") -> bytes:
    return json.dumps({"error": {"kind": kind, "label": label, "message": message, "hint": hint,
                                 "text": None, "span": None}}).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    server_version = "matcalc-playground"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30                     # seconds a connection may sit idle or trickle a request
    disable_nagle_algorithm = True   # headers and body go out at once: no 40 ms delayed-ACK stall

    @property
    def app(self) -> Playground:
        return self.server.app

    def log_message(self, format, *args):      # no access log on the terminal
        pass

    def version_string(self) -> str:
        return self.server_version

    # -- answers ----------------------------------------------------------------------------
    def send(self, status: int, body: bytes, ctype: str = TYPES[".json"], headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store" if ctype == TYPES[".json"] else "no-cache")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def fail(self, status: int, label: str, message: str, hint: str | None = None, headers=()):
        self.drain()
        self.send(status, error_json(label, message, hint), headers=headers)

    def drain(self) -> None:
        """Read an unread request body before answering: closing a socket with unread data
        resets the connection, and the client would lose the answer."""
        if self.body_read:
            return
        self.body_read = True
        try:
            self.discard(int(self.headers.get("Content-Length") or 0))
        except (ValueError, OSError):
            self.close_connection = True

    def host_ok(self) -> bool:
        if not self.app.loopback_only:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name in LOOPBACK:
            return True
        self.fail(403, "bad-host", f"this server answers requests for 127.0.0.1 or localhost, "
                  f"not {host[:100]!r}")
        return False

    # -- methods ------------------------------------------------------------------------------
    body_read = True                 # per request: False until a POST body has been read

    def do_GET(self):
        self.body_read = self.headers.get("Content-Length") is None
        if not self.host_ok():
            return
        url = urlsplit(self.path)
        path = url.path
        if path in ("/", "/index.html"):
            return self.static("index.html")
        if path.startswith("/static/"):
            return self.static(path[len("/static/"):])
        if path == "/api/info":
            return self.send(200, json.dumps(info()).encode("utf-8"))
        if path == "/api/table":
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            return self.api("table", q)
        if path == "/tables":
            status, body = self.app.run_job({"op": "table", "format": "html", "only": None})
            if status != 200:
                return self.send(status, body)
            page = json.loads(body)["text"].encode("utf-8")
            return self.send(200, page, TYPES[".html"], [("Content-Security-Policy", TABLES_CSP)])
        if path.startswith("/api/") and path[5:] in API_ROUTES:
            return self.fail(405, "method-not-allowed", f"{path} takes POST with a JSON body",
                             headers=[("Allow", "POST")])
        self.fail(404, "not-found", f"no such page: {path[:200]}",
                  "the page is at /, the API at /api/derive, /api/check, /api/parse, "
                  "/api/table and /api/info")

    do_HEAD = do_GET

    def do_POST(self):
        self.body_read = False
        if not self.host_ok():
            return
        path = urlsplit(self.path).path
        if not (path.startswith("/api/") and path[5:] in API_ROUTES):
            self.close_connection = True
            return self.fail(404, "not-found", f"no such API route: {path[:200]}",
                             "POST to /api/derive, /api/check, /api/parse or /api/table")
        body = self.read_json()
        if body is not None:
            self.api(path[5:], body)

    def refuse(self):
        self.body_read = self.headers.get("Content-Length") is None
        self.close_connection = True
        self.fail(405, "method-not-allowed", f"{self.command} is not supported here",
                  headers=[("Allow", "GET, HEAD, POST")])

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = refuse

    # -- helpers ------------------------------------------------------------------------------
    def read_json(self):
        """The decoded JSON body, or None after answering the error."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            self.close_connection = True
            self.fail(415, "bad-content-type", "send the request as application/json")
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self.body_read = True
            self.fail(411, "no-length", "the request needs a Content-Length")
            return None
        if length < 0 or length > self.app.limits["body_bytes"]:
            self.close_connection = True
            self.body_read = True
            self.discard(length)
            self.fail(413, "too-large", f"the request body is {length:,} bytes; the limit is "
                      f"{self.app.limits['body_bytes']:,}", "expressions are limited to "
                      f"{self.app.limits['expr_chars']:,} characters")
            return None
        raw = self.rfile.read(length)
        self.body_read = True
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            self.fail(400, "bad-json", "the request body is not UTF-8")
        except RecursionError:
            self.fail(400, "bad-json", "the request body is nested too deeply")
        except ValueError as e:
            self.fail(400, "bad-json", f"the request body is not valid JSON: {e}",
                      'send an object, e.g. {"expr": "max(0, w.x + b)", "wrt": "w"}')
        return None

    def discard(self, length: int) -> None:
        """Read and drop a moderately oversized body, so the client can read the 413
        instead of a connection reset; anything larger is left unread."""
        if 0 < length <= DRAIN_BYTES:
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)

    def api(self, route: str, body) -> None:
        try:
            job = job_for(route, body)
        except BadRequest as e:
            return self.fail(e.status, e.label, e.message, e.hint)
        status, answer = self.app.run_job(job)
        headers = [("Retry-After", "5")] if status == 503 else []
        self.send(status, answer, headers=headers)

    def static(self, name: str) -> None:
        if not re.fullmatch(r"[a-z0-9_-]+\.[a-z]+", name) or Path(name).suffix not in TYPES \
                or not (STATIC / name).is_file():
            return self.fail(404, "not-found", f"no such file: {name[:200]}")
        headers = [("Content-Security-Policy", PAGE_CSP)] if name.endswith(".html") else []
        self.send(200, (STATIC / name).read_bytes(), TYPES[Path(name).suffix], headers)
