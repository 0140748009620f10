"""The benchmark suite runs (bench/run.py --tiny, a few seconds; no timing is asserted), and
a plain derive never imports SymPy (docs/design.md §9), checked in a fresh process."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def test_plain_derive_does_not_import_sympy():
    code = ("import sys, matcalc\n"
            "d = matcalc.derive('max(0, w.x + b)', 'w', {'w': 'n', 'x': 'n', 'b': 'scalar'})\n"
            "str(d)\n"
            "print(sorted(m for m in ('sympy', 'numpy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                         capture_output=True, text=True, check=True).stdout
    assert "sympy" not in out, out


def test_bench_runs_in_tiny_mode(tmp_path):
    out = tmp_path / "bench.json"
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--tiny", "--out", str(out)],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["sections"]) == {"latency", "derive", "scaling", "numeric", "capabilities",
                                     "backward"}
    assert data["sections"]["backward"]["summary"]["disagree"] == []
    assert data["sections"]["numeric"]["summary"]["same_library_differ"] == []
    assert data["sections"]["capabilities"]["summary"]["disagree"] == []
    assert data["sections"]["latency"]["summary"]["sympy_imported"] is False
    assert data["sections"]["derive"]["summary"]["matcalc_wrong"] == []
    assert "## Targets" in p.stdout


def test_cse_names_shared_subtrees_and_expands_back():
    sys.path.insert(0, str(ROOT))
    import matcalc
    from matcalc.printing.cse import expand_cse, to_text_cse, to_tree_cse
    from bench.battery import _deep_text
    text, shapes = _deep_text(4)
    d = matcalc.derive(text, "x", shapes=shapes)
    main, defs = to_text_cse(d.result)
    assert [n for n, _ in defs] == ["h₁", "h₂", "h₃"]
    assert defs[0][1] == "tanh(W1 x)" and defs[1][1] == "tanh(W2 h₁)"
    mt, dt = to_tree_cse(d.result)
    assert expand_cse(mt, dt) == d.result
    assert len(main) + sum(len(b) for _, b in defs) < len(str(d))
