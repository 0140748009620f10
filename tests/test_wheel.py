"""The package as users get it: build the wheel, install it into a fresh virtual environment,
and run the console script from a directory outside the source tree (so nothing is
imported from the checkout: the grammar and rules must travel inside the wheel).

Marked `wheel`; it runs by default.  It needs PyPI for the build backend and matcalc's
dependencies, and skips with the reason when PyPI cannot be reached.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.wheel


def _pypi_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=5):
            return True
    except OSError:
        return False


def _run(cmd, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, env=env)
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The path of the `matcalc` script of a fresh venv with the freshly built wheel."""
    if not _pypi_reachable():
        pytest.skip("no network to PyPI: cannot fetch the build backend and dependencies")
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", dist,
                  "--quiet"], cwd=tmp)
    assert build.returncode == 0, f"building the wheel failed:\n{build.stderr[-3000:]}"
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    assert made.returncode == 0, made.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = _run([bindir / "python", "-m", "pip", "install", "--quiet", wheels[0]], cwd=tmp)
    assert install.returncode == 0, f"installing the wheel failed:\n{install.stderr[-3000:]}"
    return bindir / "matcalc", tmp / "elsewhere"


def test_wheel_contains_grammar_and_rules(installed):
    script, _ = installed
    import zipfile
    wheel = next((script.parent.parent.parent / "dist").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "matcalc/_data/grammar/matcalc.lark" in names
    assert any(n.startswith("matcalc/_data/rules/") for n in names)
    assert "matcalc/py.typed" in names                 # the type hints travel too
    assert "matcalc/_parse_tables.py" in names         # the generated parse tables (no lark import)
    assert "matcalc/lalr.py" in names
    assert "matcalc/cli/__init__.py" in names


def test_installed_parse(installed):
    script, cwd = installed
    cwd.mkdir(exist_ok=True)
    proc = _run([script, "parse", "max(0, w.x + b)"], cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "max(0, w·x + b)"
    proc = _run([script, "table", "--list"], cwd=cwd, timeout=120)   # rules/ read from _data
    assert proc.returncode == 0 and "elementwise" in proc.stdout.split(), proc.stderr


def test_installed_derive(installed):
    script, cwd = installed
    cwd.mkdir(exist_ok=True)
    proc = _run([script, "derive", "w.x", "--wrt", "w"], cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("∂/∂w w·x = xᵀ")
    assert "Traceback" not in proc.stdout + proc.stderr
    probe = ("import sys\nfrom matcalc.cli import main\nmain(['derive', 'w.x', '--wrt', 'w'])\n"
             "print(sorted(m for m in ('lark', 'sympy', 'numpy') if m in sys.modules))")
    proc = _run([script.parent / "python", "-c", probe], cwd=cwd, timeout=120)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "[]", proc.stderr


def test_wheel_contains_the_playground(installed):
    script, _ = installed
    import zipfile
    wheel = next((script.parent.parent.parent / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("index.html", "app.js", "render.js", "style.css", "examples.json"):
        assert f"matcalc/server/static/{f}" in names, f


def test_installed_serve(installed):
    """`matcalc serve` from the wheel: the page, a static file and a derivation answer."""
    import http.client
    import json
    import re
    import signal
    script, cwd = installed
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.Popen([str(script), "serve", "--port", "0", "--workers", "1"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for path in ("/", "/static/app.js"):
            conn.request("GET", path)
            r = conn.getresponse()
            assert r.status == 200 and r.read(), path
        conn.request("POST", "/api/derive", body=json.dumps({"expr": "w.x", "wrt": "w"}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["result"]["text"] == "xᵀ"
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
