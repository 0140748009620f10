"""Caches of the rulebook, so that `matcalc derive` answers without reading thirteen TOML
files and parsing some three hundred patterns: JSON (never pickle — the cache directory is
outside the package), written atomically; a broken or stale cache is only a slower start.

Two levels.  The whole loaded rulebook of matcalc's own rules/ (`read_book` / `write_book`,
one file read in one go, its trees stored once each in a node table, `TreeTable`), keyed by
the size and modification time of the rule files, the grammar and the modules that read
them, and matcalc's version (`book_key`; the last `KEEP_BOOKS` are kept); and, on a miss (an edited rule file, a folder
of one's own), the parsed patterns one by one (`lookup`, `store`, `read`, `write`), keyed
by the grammar's digest.  `MATCALC_NO_CACHE=1` turns both off, `MATCALC_CACHE_DIR` moves them.
"""
from __future__ import annotations

import json
import os
from fractions import Fraction

from .tree import Expr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_CACHE: dict = {}
_CACHE_DIRTY = [False]


def _to_json(e: Expr):
    v = e.value
    if isinstance(v, Fraction):
        v = {"q": [v.numerator, v.denominator]}
    return [e.op, v, [_to_json(a) for a in e.args]]


def _from_json(j) -> Expr:
    op, v, args = j
    if isinstance(v, dict):
        v = Fraction(*v["q"])
    return Expr(op, tuple(_from_json(a) for a in args), None, v)


def _cache_base() -> str | None:
    if os.environ.get("MATCALC_NO_CACHE"):
        return None
    return os.environ.get("MATCALC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "matcalc")


def _cache_dir() -> Path | None:
    base = _cache_base()
    if base is None:
        return None
    from pathlib import Path
    return Path(base)


def _cache_file():
    base = _cache_dir()
    if base is None:
        return None
    import hashlib
    from .resources import grammar_path
    digest = hashlib.sha256(grammar_path().read_bytes()).hexdigest()[:16]
    return base / f"patterns-{digest}.json"


def read() -> None:
    path = _cache_file()
    try:
        if path is not None and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                _CACHE.update(data)
    except (OSError, ValueError):
        pass                         # a broken cache is only a slower start


def write() -> None:
    path = _cache_file()
    if path is None or not _CACHE_DIRTY[0]:
        return
    if _write_json(path, _CACHE):
        _CACHE_DIRTY[0] = False


def _write_json(path: Path, data) -> bool:
    """Write `data` as JSON to `path` atomically (a temporary file, then a rename)."""
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):       # not plain data: no cache, only a slower start
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError:
        return False


def lookup(src: str):
    """The parsed pattern of `src`, or None."""
    j = _CACHE.get(src)
    return _from_json(j) if j is not None else None


def store(src: str, tree: Expr) -> None:
    _CACHE[src] = _to_json(tree)
    _CACHE_DIRTY[0] = True


def empty() -> bool:
    return not _CACHE


# -- the whole rulebook -------------------------------------------------------------------

BOOK_FORMAT = 1
# the modules whose code decides what a loaded rulebook holds: a change to one is a new key
_READERS = ("rulebook.py", "rulecache.py", "identities.py", "patterns.py", "parser.py", "lalr.py",
            "lalr_lexer.py", "lalr_types.py",
            "statements.py", "axes.py", "dialect.py", "tree.py")


def book_key(paths) -> str | None:
    """The key naming the cached rulebook of the rule files `paths` (None: no cache): matcalc's
    version and the name, size and modification time of every file the rulebook is read from
    or with — what Python itself trusts to tell a stale .pyc (an edit is a new key), at the
    cost of a stat per file rather than a read."""
    if _cache_base() is None:
        return None
    import zlib
    from . import __version__
    from .resources import grammar_file
    # plain strings and os.listdir: no pathlib, and no glob's regexp, on every start
    here = os.path.dirname(os.path.realpath(__file__))
    ops = os.path.join(here, "ops")
    sources = [grammar_file()] + [os.path.join(here, m) for m in _READERS] + \
        [os.path.join(ops, n) for n in sorted(os.listdir(ops)) if n.endswith(".py")]
    stamp = [f"matcalc {__version__} book {BOOK_FORMAT}"]
    for p in sources + [os.fspath(p) for p in paths]:
        st = os.stat(p)
        stamp.append(f"{os.path.basename(p)}:{st.st_size}:{st.st_mtime_ns}")
    text = "\n".join(stamp).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def _book_file(key: str) -> Path | None:
    base = _cache_dir()
    return None if base is None else base / f"rulebook-{key}.json"


def read_book(key: str | None):
    """The plain data cached under `key`, or None (no cache, unreadable, another key)."""
    base = _cache_base() if key else None
    try:
        if base is not None:
            with open(os.path.join(base, f"rulebook-{key}.json"), encoding="utf-8") as f:
                data = json.loads(f.read())
            if isinstance(data, dict) and data.get("key") == key:
                return data
    except (OSError, ValueError):
        pass                         # a broken cache is only a slower start
    return None


KEEP_BOOKS = 4      # rulebooks kept (matcalc's versions, branches, edits of rules/)


def write_book(key: str | None, data: dict) -> None:
    path = _book_file(key) if key else None
    if path is None or not data or not _write_json(path, {**data, "key": key}):
        return
    try:                             # the oldest go: each edit of a rule file is a new key
        old = sorted(path.parent.glob("rulebook-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_BOOKS]:
            stale.unlink()
    except OSError:
        pass


class TreeTable:
    """Trees as a table of nodes `[op, value, [child indices]]`, children first, each distinct
    node once: `add(expr) -> index`; a number's value is `{"q": [numerator, denominator]}`.
    The rulebook reads the table back node by node, as its rules are asked for."""

    def __init__(self):
        self.rows: list = []
        self._index: dict = {}

    def add(self, e: Expr) -> int:
        kids = [self.add(a) for a in e.args]
        v = e.value
        if isinstance(v, Fraction):
            v = {"q": [v.numerator, v.denominator]}
        elif not (v is None or isinstance(v, str)):
            raise TypeError(f"a pattern holds a {type(v).__name__}")   # not cached then
        if e.shape is not None:
            raise TypeError("a pattern is untyped")
        key = (e.op, json.dumps(v), tuple(kids))
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.rows)
            self.rows.append([e.op, v, kids])
        return i
