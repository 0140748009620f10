"""The derivation as the paper teaches it: steps in text, LaTeX (align*) and JSON, golden files
for two of the paper's examples, and every paper example answered by the command line in
text, LaTeX and JSON."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import matcalc
from matcalc.cli import main
from tests.test_paper import CASES

GOLDEN = Path(__file__).parent / "golden" / "steps"
UPDATE = os.environ.get("MATCALC_UPDATE_GOLDEN") == "1"

STEP_CASES = {
    "ln_sin_cubed": ("ln(sin(x^3)^2)", "x", {}),
    "neuron": ("max(0, w.x + b)", "w", {"w": "n", "x": "n", "b": "scalar"}),
    "loss": ("mean((y - max(0, X @ w + b))^2)", "w", {"X": "N,n", "w": "n", "b": "scalar",
                                                       "y": "N"}),
}


def _golden(name: str, text: str):
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), \
        f"{name} changed; MATCALC_UPDATE_GOLDEN=1 python -m pytest {__file__} rewrites it"


@pytest.mark.parametrize("name", sorted(STEP_CASES))
def test_steps_golden(name):
    expr, wrt, shapes = STEP_CASES[name]
    d = matcalc.derive(expr, wrt, shapes)
    _golden(f"{name}.txt", d.steps_text() + "\n")
    _golden(f"{name}.tex", d.steps_latex() + "\n")


def test_every_step_names_what_it_used():
    d = matcalc.derive("max(0, w.x + b)", "w", STEP_CASES["neuron"][2])
    kinds = [s.kind for s in d.steps]
    assert kinds[:3] == ["intermediate"] * 3
    assert {"chain", "substitute", "result"} <= set(kinds)    # the chain's product, evaluated
    for s in d.steps:
        if s.kind in ("intermediate", "simplify", "chain"):
            assert s.rule, s
    assert [s.rule for s in d.steps if s.kind == "intermediate"] == [
        "reduce.dot", "scalar.sum", "fn.relu"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX installation here")
def test_steps_latex_compiles(tmp_path):
    body = "\n".join(matcalc.derive(e, w, s).steps_latex() for e, w, s in STEP_CASES.values())
    doc = ("\\documentclass{article}\\usepackage{amsmath,amssymb}"
           "\\usepackage[margin=1cm,landscape]{geometry}\\begin{document}\\tiny\n"
           f"{body}\n\\end{{document}}\n")
    (tmp_path / "steps.tex").write_text(doc, encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "steps.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]


@pytest.mark.parametrize("ex,expr,wrt,shapes,expected,layout", CASES,
                         ids=[c[0] for c in CASES])
def test_paper_example_on_the_command_line(capsys, ex, expr, wrt, shapes, expected, layout):
    argv = ["derive", expr, "--wrt", wrt, "--layout", layout]
    for name, dims in shapes.items():
        argv += ["--shape", f"{name}:{dims}"]
    expected_text = str(matcalc.derive(expr, wrt, shapes, layout=layout))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"= {expected_text}\n" in out and f"({layout} layout)" in out
    assert main(argv + ["--format", "latex", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{align*}" in out and "\\end{align*}" in out
    assert main(argv + ["--format", "json", "--steps"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"]["text"] == expected_text
    assert data["layout"] == layout and data["wrt"] == wrt.split(",")
    assert data["steps"] and all("kind" in s and "text" in s for s in data["steps"])
