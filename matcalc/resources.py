"""Where the grammar and the rule files are: in the source tree (grammar/, rules/ beside the
package) or, in an installed wheel, inside the package under `_data/` (mapped at build time).
"""
from __future__ import annotations

import functools
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    for candidate in (_HERE / "_data" / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"matcalc is missing its {name}/ folder (looked in {_HERE})")


def grammar_path() -> Path:
    return data_dir("grammar") / "matcalc.lark"


def rules_dir() -> Path:
    return data_dir("rules")
