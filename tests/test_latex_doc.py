"""Issue 15: LaTeX that compiles as printed.  `latex_doc.fragment` (what `--format latex`
prints, with and without the steps) is display math only, balanced row by row; wrapped in a
minimal amsmath document every paper example and every case-suite answer compiles without
a line wider than the page; `latex_doc.document` (`--standalone`) compiles on its own.
Without pdflatex the structure is checked."""
from __future__ import annotations

import functools
import re
import shutil
import subprocess

import pytest

import matcalc
from matcalc.printing.latex_doc import PREAMBLE, document, fragment
from matcalc.printing.latex_break import break_latex
from tests.test_cases import CASES as CASE_SUITE
from tests.test_paper import CASES as PAPER

PROBLEMS = [(c[1], c[2], c[3], c[5], 1) for c in PAPER] + \
    [(c.expr, c.wrt, c.shapes, c.layout, c.order) for c in CASE_SUITE if not c.unsupported]
MAX_OVERFULL_PT = 10.0


@functools.lru_cache(maxsize=None)
def _derived(i):
    expr, wrt, shapes, layout, order = PROBLEMS[i]
    return matcalc.derive(expr, wrt, shapes=shapes, layout=layout, order=order)


def _rows(env_body: str) -> list:
    return [r for r in re.split(r"\\\\\n", env_body) if r.strip()]


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in tex.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("steps", [False, True])
def test_fragments_are_display_math_balanced_row_by_row(steps):
    for i in range(len(PROBLEMS)):
        tex = fragment(_derived(i), steps=steps)
        blocks = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", tex, re.S)
        outside = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}", "", tex, flags=re.S)
        assert not outside.strip(), f"{PROBLEMS[i][0]}: math outside an environment"
        assert len(blocks) == (2 if steps else 1)
        for block in blocks:
            for row in _rows(block):
                assert _balanced(row), row
                assert row.count(r"\left") == row.count(r"\right"), row
                assert "&" in row or row.startswith(r"\intertext"), row


def test_long_lines_break_balanced():
    d = matcalc.derive("(x - mean(x)) / sqrt(mean((x - mean(x))^2) + 1e-5)", "x", {"x": "n"})
    lines = break_latex(d.result, 30)
    assert len(lines) > 1
    for ln in lines:
        assert ln.count(r"\left") == ln.count(r"\right") and _balanced(ln), ln


def test_one_symbol_for_the_elementwise_product():
    d = matcalc.derive("sigmoid(W @ x)", "x", {"W": "m,n", "x": "n"})
    assert r"\odot" in d.latex and r"\otimes" not in d.latex
    assert "⊙" in str(d) and "⊗" not in str(d)
    from matcalc.printing.mathml import to_mathml
    assert "⊙" in to_mathml(d.result) and "⊗" not in to_mathml(d.result)


needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                               reason="no pdflatex here (the structure is checked above)")


def _compile(tmp_path, doc: str, name: str = "a"):
    (tmp_path / f"{name}.tex").write_text(doc, encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    return proc.returncode, log


@needs_tex
@pytest.mark.parametrize("steps", [False, True])
def test_every_answer_compiles_in_a_minimal_amsmath_document(tmp_path, steps):
    body = [f"\\noindent {i}\n{fragment(_derived(i), steps=steps)}" for i in range(len(PROBLEMS))]
    doc = "\n".join(PREAMBLE + (r"\begin{document}", *body, r"\end{document}")) + "\n"
    rc, log = _compile(tmp_path, doc)
    assert rc == 0, "\n".join(re.findall(r"^!.*", log, re.M)[:5])
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert max(widths, default=0) <= MAX_OVERFULL_PT, sorted(widths)[-5:]


@needs_tex
def test_standalone_document_compiles(tmp_path):
    d = matcalc.derive("mean((y - max(0, X @ w + b))^2)", "w",
                       {"X": "N,n", "w": "n", "b": "scalar", "y": "N"})
    rc, log = _compile(tmp_path, document(d, steps=True), "loss")
    assert rc == 0, "\n".join(re.findall(r"^!.*", log, re.M)[:5])
    assert (tmp_path / "loss.pdf").exists()
    assert "Overfull" not in log
