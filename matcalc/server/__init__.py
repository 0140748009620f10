"""matcalc's local web playground: `matcalc serve` (docs/playground.md).

Owns: the `serve` command — pick the address, start the `Playground` (app.py: HTTP server
and worker pools), say where it is, optionally open a browser, stop cleanly on Ctrl-C.
Invariant: it binds to 127.0.0.1 unless told otherwise, and warns when told otherwise; it
opens no browser unless asked; it prints the URL before any worker has finished starting
(start-up does not wait for the engine).  Nothing outside `matcalc serve` imports this
package: `import matcalc` and `matcalc derive` stay free of it and of `http.server`.
"""
from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def _stop_signals():
    """Ctrl-C (SIGINT) and `kill PID` (SIGTERM) stop the server: yields `wait()`, which blocks
    the main thread until one of them raises `KeyboardInterrupt` there.

    Python runs a signal's handler in the main thread, the next time that thread executes
    bytecode; but the kernel may hand a process-directed signal to another thread: here, under
    load, to the thread that has just answered a request and is exiting (it took the signal
    on its way out; seen with strace).  A main thread asleep without a timeout
    (`threading.Event().wait()`) then sleeps on and the server never stops (cpython#85300;
    `test_serve_command` timed out so in CI, on either host).  So the C handler, in whichever
    thread, also writes to a socket the main thread waits on (`signal.set_wakeup_fd`): the
    main thread wakes up and runs the handler."""
    import signal
    import socket

    def stop(signum, frame):
        raise KeyboardInterrupt
    try:
        old_term = signal.signal(signal.SIGTERM, stop)
    except ValueError:                  # not the main thread: no signals reach this code
        yield threading.Event().wait
        return
    wake_r, wake_w = socket.socketpair()
    wake_w.setblocking(False)           # the C handler must never block on it
    old_fd = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)

    def wait() -> None:
        while True:
            wake_r.recv(64)             # a byte per signal; its handler runs as recv returns
    try:
        yield wait
    finally:
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGTERM, old_term)
        wake_r.close()
        wake_w.close()


def run(args) -> int:
    """`matcalc serve` with the parsed options (host, port, open, workers)."""
    from ..errors import UsageError
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 0 to 65535 (0: any free port)",
                         label="bad-port")
    if args.workers < 1 or args.workers > 16:
        raise UsageError("--workers takes 1 to 16", label="bad-workers")
    # before the URL is printed: a client may stop it as soon as it reads it
    with _stop_signals() as wait_for_stop:
        app = None
        try:
            try:
                app = make(args.host, args.port, args.workers)
            except OSError as e:
                raise UsageError(f"cannot listen on {args.host}:{args.port}: "
                                 f"{e.strerror or e}",
                                 hint="choose another --port, or --port 0 for any free one",
                                 label="bad-address") from None
            if not app.loopback_only:       # said before the URL, which a client may act on
                print(f"warning: listening on {args.host}: other machines that can reach this "
                      "one can use the playground and its CPU; there is no authentication",
                      file=sys.stderr, flush=True)
            print(f"matcalc playground: {app.url}", flush=True)
            print("  Ctrl-C stops it", file=sys.stderr, flush=True)
            if args.open:
                import webbrowser
                threading.Thread(target=webbrowser.open, args=(app.url,), daemon=True).start()
            wait_for_stop()
        except KeyboardInterrupt:
            pass
        finally:
            if app is not None:
                app.close()
    return 0
