"""A cache of parsed rule patterns, so that `matcalc derive` answers without parsing some
three hundred patterns: JSON (never pickle — the cache directory is outside the package),
keyed by the grammar's digest, written atomically; a broken cache is only a slower start.

Owns: `lookup`, `store`, `read`, `write`.  `MATCALC_NO_CACHE=1` turns it off,
`MATCALC_CACHE_DIR` moves it.
"""
from __future__ import annotations

import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path

from .tree import Expr

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


def _cache_file():
    if os.environ.get("MATCALC_NO_CACHE"):
        return None
    from .resources import grammar_path
    digest = hashlib.sha256(grammar_path().read_bytes()).hexdigest()[:16]
    base = os.environ.get("MATCALC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "matcalc")
    return Path(base) / f"patterns-{digest}.json"


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_CACHE), encoding="utf-8")
        os.replace(tmp, path)
        _CACHE_DIRTY[0] = False
    except OSError:
        pass




def lookup(src: str):
    """The parsed pattern of `src`, or None."""
    j = _CACHE.get(src)
    return _from_json(j) if j is not None else None


def store(src: str, tree: Expr) -> None:
    _CACHE[src] = _to_json(tree)
    _CACHE_DIRTY[0] = True


def empty() -> bool:
    return not _CACHE
