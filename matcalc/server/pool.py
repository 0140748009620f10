"""Worker processes for the playground, and the pools that hand them out with a time limit.

Owns: `Worker` (one `python -m matcalc.server.worker` child and its pipes) and `Pool` (a set
of warm workers, grown on demand up to a bound, each job given to one idle worker).
Invariant: a job either gets the worker's answer within its time limit, or the worker is
killed (SIGKILL), replaced in the background and the caller gets `JobTimeout`; a worker that
dies mid-job gives `WorkerCrashed`; no idle worker within the wait gives `PoolBusy`.  Nothing
a worker does can raise anything else here, so a runaway or crashing job cannot take the
server down or hold a thread forever.  Workers run in their own session (Ctrl-C on the
terminal reaches only the server) and exit when their stdin closes, i.e. with the server.
"""
from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

PKG_ROOT = str(Path(__file__).resolve().parent.parent.parent)   # the dir that holds matcalc/
START_TIMEOUT = 120.0           # seconds for a worker to import and warm up
GROW_AFTER = 0.5                # seconds every worker has been busy before the pool grows


class PoolError(Exception):
    label = "error"


class JobTimeout(PoolError):
    label = "timeout"


class WorkerCrashed(PoolError):
    label = "worker-crashed"


class PoolBusy(PoolError):
    label = "busy"


class Worker:
    def __init__(self, warm: str):
        env = dict(os.environ)
        env["PYTHONPATH"] = PKG_ROOT + (os.pathsep + env["PYTHONPATH"]
                                        if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONIOENCODING", "utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "matcalc.server.worker", "--warm", warm],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=PKG_ROOT,
            start_new_session=True)
        self._fd = self.proc.stdout.fileno()
        self._buf = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        status, _ = self._read(time.monotonic() + timeout)
        if status != 100:
            raise WorkerCrashed(f"worker said {status} instead of ready")

    def ask(self, request: dict, timeout: float) -> tuple[int, bytes]:
        """Send one job and wait at most `timeout` seconds for (status, JSON bytes)."""
        line = json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            self.proc.stdin.write(line)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise WorkerCrashed("the worker had stopped") from None
        return self._read(time.monotonic() + timeout)

    def _read(self, deadline: float) -> tuple[int, bytes]:
        header = self._read_until(lambda b: b.find(b"\n") + 1, deadline)
        try:
            status, length = (int(x) for x in header.split())
        except ValueError:
            raise WorkerCrashed(f"bad header from the worker: {header[:80]!r}") from None
        return status, self._read_until(lambda b: length if len(b) >= length else 0, deadline)

    def _read_until(self, complete, deadline: float) -> bytes:
        """Bytes from the pipe up to the end `complete(buffer)` returns (0: not yet)."""
        while True:
            end = complete(self._buf)
            if end:
                out, self._buf = self._buf[:end], self._buf[end:]
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise JobTimeout()
            ready, _, _ = select.select([self._fd], [], [], left)
            if ready:
                chunk = os.read(self._fd, 1 << 16)
                if not chunk:
                    raise WorkerCrashed(f"the worker stopped (exit status "
                                        f"{self.proc.poll()})")
                self._buf += chunk

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class Pool:
    """`size` warm workers, up to `max_size` when all are busy; one job per worker at a time."""

    def __init__(self, name: str, size: int, max_size: int | None = None, warm: str = "derive",
                 log=None):
        self.name, self.size, self.warm = name, max(1, size), warm
        self.max_size = max(self.size, max_size or self.size)
        self.log = log or (lambda msg: None)
        self._idle: queue.Queue = queue.LifoQueue()    # the most recently used worker first
        self._lock = threading.Lock()
        self._workers: set = set()      # live workers, idle or busy
        self._born: set = set()         # workers still warming up
        self._starting = 0
        self._closed = False
        self.spawned = 0                 # workers started so far (for tests and the bench)

    def start(self) -> None:
        for _ in range(self.size):
            self._spawn_async()

    def _spawn_async(self) -> None:
        with self._lock:
            if self._closed or len(self._workers) + self._starting >= self.max_size:
                return
            self._starting += 1
        threading.Thread(target=self._spawn, name=f"spawn-{self.name}", daemon=True).start()

    def _spawn(self) -> None:
        w = None
        try:
            with self._lock:      # started and registered at once: close() kills what it sees,
                if self._closed:  # and a worker started after it would outlive the server
                    raise WorkerCrashed("the pool is closed")
                w = Worker(self.warm)
                self._born.add(w)
            w.wait_ready()
        except (PoolError, OSError) as e:
            self.log(f"a {self.name} worker failed to start: {e}")
            if w is not None:
                w.kill()
            w = None
            time.sleep(1.0)              # do not spin on a broken installation
        with self._lock:
            self._starting -= 1
            self._born.discard(w)
            if w is not None and not self._closed:
                self._workers.add(w)
                self.spawned += 1
            elif w is not None:
                w.kill()
                return
        if w is not None:
            self._idle.put(w)
        elif not self._closed and self.live() < self.size:
            self._spawn_async()

    def live(self) -> int:
        with self._lock:
            return len(self._workers) + self._starting

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers]

    def wait_ready(self, timeout: float) -> bool:
        """True once `size` workers are up (for tests and the bench)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._workers) >= self.size:
                    return True
            time.sleep(0.05)
        return False

    def run(self, request: dict, timeout: float, wait: float) -> tuple[int, bytes]:
        """The answer of one idle worker to `request`; see the module invariant."""
        deadline = time.monotonic() + wait
        for attempt in (1, 2):
            w = self._take(deadline)
            if w.proc.poll() is not None:
                self._retire(w)          # died while idle (killed from outside): not this job's
                w = self._take(deadline)
            try:
                answer = w.ask(request, timeout)
            except WorkerCrashed:
                self._retire(w)
                if attempt == 2:         # crashed twice on this input: say so
                    raise
                continue                 # once may be a worker killed from outside
            except PoolError:
                self._retire(w)
                raise
            self._idle.put(w)
            return answer

    def _take(self, deadline: float) -> Worker:
        try:
            return self._idle.get(timeout=min(GROW_AFTER, max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            self._spawn_async()          # all busy for a while: grow, up to max_size
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise PoolBusy() from None

    def _retire(self, w: Worker) -> None:
        w.kill()
        with self._lock:
            self._workers.discard(w)
        self._spawn_async()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers) + list(self._born)
            self._workers.clear()
        for w in workers:
            w.kill()
