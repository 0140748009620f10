"""matcalc's local web playground: `matcalc serve` (docs/playground.md).

Owns: the `serve` command — pick the address, start the `Playground` (app.py: HTTP server
and worker pools), say where it is, optionally open a browser, stop cleanly on Ctrl-C.
Invariant: it binds to 127.0.0.1 unless told otherwise, and warns when told otherwise; it
opens no browser unless asked; it prints the URL before any worker has finished starting
(start-up does not wait for the engine).  Nothing outside `matcalc serve` imports this
package: `import matcalc` and `matcalc derive` stay free of it and of `http.server`.
"""
from __future__ import annotations

import errno
import sys
import threading

DEFAULT_PORT = 8765


def _log(msg: str) -> None:
    print(f"matcalc serve: {msg}", file=sys.stderr, flush=True)


def make(host: str = "127.0.0.1", port: int | None = None, workers: int = 2,
         check_workers: int = 1, limits: dict | None = None, log=_log):
    """A started `Playground`.  `port=None`: 8765, or any free port if that one is taken."""
    from .app import Playground
    try:
        app = Playground(host, DEFAULT_PORT if port is None else port, workers, check_workers,
                         limits, log)
    except OSError as e:
        if port is not None or e.errno != errno.EADDRINUSE:
            raise
        app = Playground(host, 0, workers, check_workers, limits, log)
    return app.start()


def _stop_on_sigterm() -> None:
    """`kill PID` stops it like Ctrl-C: the workers are killed before the server exits."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:                  # not the main thread
        pass


def run(args) -> int:
    """`matcalc serve` with the parsed options (host, port, open, workers)."""
    from ..errors import UsageError
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 0 to 65535 (0: any free port)",
                         label="bad-port")
    if args.workers < 1 or args.workers > 16:
        raise UsageError("--workers takes 1 to 16", label="bad-workers")
    _stop_on_sigterm()      # before the URL is printed: a client may stop it as soon as it reads it
    app = None
    try:
        try:
            app = make(args.host, args.port, args.workers)
        except OSError as e:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}",
                             hint="choose another --port, or --port 0 for any free one",
                             label="bad-address") from None
        if not app.loopback_only:       # said before the URL, which a client may act on
            print(f"warning: listening on {args.host}: other machines that can reach this one "
                  "can use the playground and its CPU; there is no authentication",
                  file=sys.stderr, flush=True)
        print(f"matcalc playground: {app.url}", flush=True)
        print("  Ctrl-C stops it", file=sys.stderr, flush=True)
        if args.open:
            import webbrowser
            threading.Thread(target=webbrowser.open, args=(app.url,), daemon=True).start()
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            app.close()
    return 0
