"""Generate `matcalc/_lark_parser.py`: the LALR parser of grammar/matcalc.lark as a module
that needs no `lark` import (Lark's stand-alone generator), so that a cold `matcalc derive`
neither imports Lark nor builds the parse table, and no pickle is read from a temporary
directory (Lark's `cache=True` does that).

    python -m matcalc.parser_gen            # rewrite matcalc/_lark_parser.py
    python -m matcalc.parser_gen --check    # exit 1 if it is not the grammar's

Run it after every change of the grammar; tests/test_parse_cases.py checks that the module's
recorded digest is the grammar's.  The generated code is under the Mozilla Public License 2.0
(its notice, written by Lark's tool, heads the file); this generator is matcalc's (MIT).
Owns: `generate() -> str`, `grammar_digest() -> str`, `recorded_digest(text) -> str | None`.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from .resources import grammar_path

OUT = Path(__file__).resolve().parent / "_lark_parser.py"
# the options of parser._lark(): the LALR parser, both start symbols, spans on every node
OPTIONS = ["-s", "start", "-s", "pattern", "--propagate_positions"]
_DIGEST = re.compile(r"^# grammar sha256: ([0-9a-f]{64})$", re.M)


def grammar_digest() -> str:
    return hashlib.sha256(grammar_path().read_bytes()).hexdigest()


def recorded_digest(text: str) -> str | None:
    m = _DIGEST.search(text)
    return m.group(1) if m else None


def generate() -> str:
    """The module's text: a header naming the grammar's digest, then Lark's output (not
    byte-for-byte reproducible: Lark numbers the parser's states in an order of its own,
    so tests/test_parse_cases.py compares trees with Lark's, not the text)."""
    out = subprocess.run([sys.executable, "-m", "lark.tools.standalone", *OPTIONS,
                          str(grammar_path())], capture_output=True, text=True,
                         encoding="utf-8", check=True).stdout
    header = ("# matcalc's parser: grammar/matcalc.lark through Lark's stand-alone generator\n"
              "# (python -m matcalc.parser_gen; do not edit by hand).\n"
              f"# grammar sha256: {grammar_digest()}\n"
              "# flake8: noqa\n")
    return header + out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m matcalc.parser_gen",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the module was not generated from the grammar as it is")
    args = ap.parse_args(argv)
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else ""
        ok = recorded_digest(current) == grammar_digest()
        print(f"{OUT.name}: {'up to date' if ok else 'STALE: run python -m matcalc.parser_gen'}")
        return 0 if ok else 1
    OUT.write_text(generate(), encoding="utf-8", newline="\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
