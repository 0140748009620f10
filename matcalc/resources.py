"""Where the grammar and the rule files are: in the source tree (grammar/, rules/ beside the
package) or, in an installed wheel, inside the package under `_data/` (mapped at build time).
`data_path` and `grammar_file` give plain strings, so that a cold start imports no pathlib.
"""
from __future__ import annotations

import functools
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_HERE = os.path.dirname(os.path.realpath(__file__))


@functools.lru_cache(maxsize=None)
def data_path(name: str) -> str:
    for candidate in (os.path.join(_HERE, "_data", name), os.path.join(os.path.dirname(_HERE),
                                                                       name)):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"matcalc is missing its {name}/ folder (looked in {_HERE})")


def data_dir(name: str) -> Path:
    from pathlib import Path
    return Path(data_path(name))


def grammar_file() -> str:
    return os.path.join(data_path("grammar"), "matcalc.lark")


def grammar_path() -> Path:
    from pathlib import Path
    return Path(grammar_file())


def rules_dir() -> Path:
    return data_dir("rules")
