"""The command line (docs/design.md, and README "Command line"): outputs, formats, exit statuses, and what it imports.

Bad input through the CLI is in test_bad_input.py; here, the successful paths.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import run_cli

from matcalc.cli import format_var_shapes, main, parse_shapes, parse_sizes
from matcalc.sizes import format_shape


def _engine_or_skip(code, err):
    if "not available yet" in err:
        pytest.skip("the derivation engine has not landed")


def test_parse_text(cli):
    code, out, err = cli("parse", "max(0, w.x + b)")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["max(0, w·x + b)",
                                "  shape scalar; inferred w: n, x: n, b: scalar"]


def test_parse_with_shapes(cli):
    code, out, _ = cli("parse", "A x", "--shape", "A:m,n", "--shape=x:n")
    assert code == 0
    assert out.splitlines()[1] == "  shape m×1; A: m×n, x: n"


def test_parse_marks_inferred_shapes(cli):
    code, out, _ = cli("parse", "A x + b", "--shape", "A:m,n")
    assert code == 0
    assert out.splitlines()[1] == "  shape m×1; A: m×n; inferred x: n, b: m"


def test_parse_latex(cli):
    code, out, _ = cli("parse", "w.x", "--format", "latex")
    assert (code, out) == (0, "\\mathbf{w} \\cdot \\mathbf{x}\n")


def test_parse_json(cli):
    code, out, _ = cli("parse", "A @ x", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["text"] == "A x"
    assert data["shape"] == ["n", "1"]
    assert data["shapes"] == {"A": ["n", "m"], "x": ["m", "1"]}
    assert data["tree"]["op"] == "matmul"
    assert data["inferred"] == ["A", "x"]


def test_expression_with_leading_minus(cli):
    code, out, err = cli("parse", "-x^2")
    assert code == 0, err
    assert out.startswith("-x^2\n")


def test_expression_from_stdin(cli):
    code, out, _ = cli("parse", "-", stdin="w.x\n")
    assert (code, out.splitlines()[0]) == (0, "w·x")


def test_help_exits_zero(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "derive" in out


def test_derive_text(cli):
    code, out, err = cli("derive", "max(0, w.x + b)", "--wrt", "w")
    _engine_or_skip(code, err)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "∂/∂w max(0, w·x + b) = step(w·x + b) xᵀ"
    assert lines[1] == "  shape 1×n (numerator layout); inferred w: n, x: n, b: scalar"


def test_derive_json(cli):
    code, out, err = cli("derive", "w.x", "--wrt", "w", "--format", "json")
    _engine_or_skip(code, err)
    assert code == 0, err
    data = json.loads(out)
    assert {"input", "wrt", "result", "shape"} <= set(data)


def test_derive_check_passes(cli):
    code, out, err = cli("derive", "w.x", "--wrt", "w", "--check")
    _engine_or_skip(code, err)
    assert code == 0, err + out


def test_table_or_clear_error(cli):
    code, out, err = cli("table", "--only", "nonexistent-table-name")
    assert "Traceback" not in out + err
    assert code in (0, 2)


def test_plain_derive_does_not_import_sympy():
    probe = ("import sys\nfrom matcalc.cli import main\n"
             "code = main(['derive', 'max(0, w.x + b)', '--wrt', 'w'])\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sympy', 'numpy'))\n"
             "print(code, heavy)\n")
    import matcalc
    from pathlib import Path
    root = str(Path(matcalc.__file__).resolve().parent.parent)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=root, timeout=60)
    last = proc.stdout.strip().splitlines()[-1]
    if not last.startswith("0 "):
        pytest.skip(f"derive did not succeed yet: {proc.stderr.strip()[:200]}")
    assert last == "0 []"


def test_internal_errors_are_reported_without_traceback(monkeypatch, capsys):
    import matcalc.cli as cli_module

    def boom(args):
        raise RuntimeError("kaboom")
    monkeypatch.delenv("MATCALC_DEBUG", raising=False)
    parser = cli_module.build_parser()
    args = parser.parse_args(["parse", "x"])
    args.run = boom
    monkeypatch.setattr(cli_module.argparse.ArgumentParser, "parse_args",
                        lambda self, argv=None: args)
    code = main(["parse", "x"])
    err = capsys.readouterr().err
    assert code == 70
    assert "internal error" in err and "kaboom" in err and "Traceback" not in err


def test_keyboard_interrupt_exits_130(monkeypatch, capsys):
    import matcalc.cli as cli_module
    args = cli_module.build_parser().parse_args(["parse", "x"])

    def interrupted(_):
        raise KeyboardInterrupt
    args.run = interrupted
    monkeypatch.setattr(cli_module.argparse.ArgumentParser, "parse_args",
                        lambda self, argv=None: args)
    assert main(["parse", "x"]) == 130


@pytest.mark.parametrize("items, want", [
    (["w:n"], {"w": ("n", 1)}),
    (["A:m,n", "b:scalar"], {"A": ("m", "n"), "b": (1, 1)}),
    (["x:3"], {"x": (3, 1)}),
    (["X:3,4"], {"X": (3, 4)}),
    (["β:n"], {"β": ("n", 1)}),
])
def test_parse_shapes(items, want):
    assert parse_shapes(items) == want


@pytest.mark.parametrize("shape, want", [((1, 1), "scalar"), (("1", "n"), "1×n"),
                                         (("m", "n"), "m×n"), ((), "scalar"),
                                         (("n", "m", "k"), "n×m×k")])
def test_format_shape(shape, want):
    assert format_shape(shape) == want


def test_format_var_shapes():
    assert format_var_shapes({"w": ("n", 1), "b": (1, 1), "A": ("m", "n"),
                              "r": (1, "n")}) == "w: n, b: scalar, A: m×n, r: 1×n"
    shapes = {"X": ("N", "n"), "w": ("n", 1), "b": (1, 1)}
    assert format_var_shapes(shapes, {"X"}) == "X: N×n; inferred w: n, b: scalar"
    assert format_var_shapes(shapes, {"X", "w", "b"}) == "X: N×n, w: n, b: scalar"


def test_parse_sizes():
    assert parse_sizes("n=5,m=2") == {"n": 5, "m": 2}
