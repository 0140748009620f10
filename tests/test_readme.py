"""The README is the source of truth for what a newcomer sees: every `$ matcalc …` example in
it is run and its output compared with what the README shows; every row of the "Beyond the
paper" table is derived (and proved); the Python block runs and its commented values hold.

An example is a line `$ matcalc …` in a fenced block; its expected output is the lines after
it up to the next `$` line, a blank line or the end of the block — stderr (notes, errors)
first, then stdout.  In an expected line `…` stands for any text, and a line that is only
`…` for any number of lines; timings (`0.05 s`) are not compared.
"""
from __future__ import annotations

import ast
import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import run_cli

import matcalc

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")


def _blocks(text: str) -> list[list[str]]:
    """The lines of each fenced code block."""
    out, current = [], None
    for line in text.splitlines():
        if line.strip().startswith("```"):
            if current is None:
                current = []
            else:
                out.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return out


def examples(text: str = TEXT) -> list[tuple[str, list[str]]]:
    """(command line, expected output lines) for every `$ matcalc` example."""
    found = []
    for block in _blocks(text):
        i = 0
        while i < len(block):
            if block[i].startswith("$ matcalc "):
                command, expected = block[i][2:], []
                i += 1
                while i < len(block) and block[i].strip() and not block[i].startswith("$"):
                    expected.append(block[i])
                    i += 1
                found.append((command, expected))
            else:
                i += 1
    return found


_TIME = re.compile(r"\d+\.\d+ s\b")


def _pattern(line: str) -> re.Pattern:
    line = _TIME.sub("T s", line.rstrip())
    return re.compile(".*".join(re.escape(part) for part in line.split("…")))


def matches(expected: list[str], actual: list[str]) -> bool:
    """Does `actual` fit `expected`, with `…` lines matching any run of lines?"""
    actual = [_TIME.sub("T s", a.rstrip()) for a in actual]

    def fit(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        if expected[i].strip() == "…":
            return any(fit(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and _pattern(expected[i]).fullmatch(actual[j]) is not None \
            and fit(i + 1, j + 1)
    return fit(0, 0)


EXAMPLES = examples()


@pytest.fixture(scope="module")
def outputs():
    def one(command):
        code, out, err = run_cli(*shlex.split(command)[1:], timeout=120)
        return command, (code, err.splitlines() + out.splitlines())
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(one, [c for c, _ in EXAMPLES]))


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 8
    assert any("--dialect matrixcalculus" in c for c, _ in EXAMPLES)


@pytest.mark.parametrize("command, expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(outputs, command, expected):
    code, actual = outputs[command]
    assert "Traceback" not in "\n".join(actual)
    assert code == (2 if expected and expected[0].startswith("matcalc: ") and
                    " note: " not in expected[0] else 0), actual
    assert matches(expected, actual), "README shows:\n" + "\n".join(expected) + \
        "\nmatcalc prints:\n" + "\n".join(actual)


# -- the "Beyond the paper" table ---------------------------------------------------------------

def table_rows(text: str = TEXT, heading: str = "## Beyond the paper") -> list[tuple]:
    """(input, wrt, order, expected) for each row of the table after `heading`."""
    section = text.split(heading, 1)[1]
    rows, previous = [], None
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| input") or "---" in line:
            if rows and not line.startswith("|"):
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        codes = [re.findall(r"`([^`]+)`", c) for c in cells]
        expr = codes[0][0] if codes[0] else previous
        order = 2 if "order 2" in cells[0] else 1
        rows.append((expr, cells[1], order, codes[2][0]))
        previous = expr
    return rows


ROWS = table_rows()


@pytest.mark.parametrize("expr, wrt, order, expected", ROWS,
                         ids=[f"{e} by {w}" + (" (order 2)" if o == 2 else "")
                              for e, w, o, _ in ROWS])
def test_beyond_the_paper_row(expr, wrt, order, expected):
    d = matcalc.derive(expr, wrt, order=order)
    assert str(d) == expected
    report = d.check(methods=("numeric",))
    assert report.passed, str(report)


def test_the_table_has_its_rows():
    assert len(ROWS) >= 10


# -- the Python block -----------------------------------------------------------------------

def test_python_block_runs_and_its_values_hold():
    block = next(b for b in _blocks(TEXT.replace("```python", "```")) if
                 any(line.startswith("import matcalc") for line in b))
    env: dict = {}
    checked = 0
    for line in block:
        code, _, comment = line.partition("#")
        if not code.strip():
            continue
        exec(code, env)                                   # noqa: S102 — our own README
        try:
            want = ast.literal_eval(comment.strip())
        except (ValueError, SyntaxError):
            continue
        assert eval(code, env) == want, line              # noqa: S307
        checked += 1
    assert checked >= 3
