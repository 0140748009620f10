"""The modules form a layered graph: no import cycle, counting the imports made inside
functions too (a cycle hidden behind a lazy import is still a cycle), and every module
imports on its own in a fresh interpreter."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matcalc"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(_module_name(p) for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


def _imports(path: Path) -> set:
    """matcalc modules imported anywhere in the file (module level or inside functions)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("matcalc")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("matcalc"):
                continue
            for a in node.names:          # `from . import x` may name a submodule
                sub = f"{target}.{a.name}"
                out.add(sub if sub in MODULES else target)
    return {m for m in out if m in MODULES and m != mod}


def _graph() -> dict:
    graph = {}
    for p in PACKAGE.rglob("*.py"):
        if "_data" not in p.parts:
            graph[_module_name(p)] = _imports(p)
    # importing a submodule imports its package first: that edge is not a cycle
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}


def _cycles(graph: dict) -> list:
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):                                 # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles (modules that import each other): " + "; ".join(
        " ↔ ".join(c) for c in cycles)


def test_the_tree_imports_nothing_of_matcalc():
    assert _imports(PACKAGE / "tree.py") == set()


@pytest.mark.parametrize("module", [m for m in MODULES if not m.endswith("__main__")])
def test_each_module_imports_alone(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True,
                   cwd=PACKAGE.parent)


def test_a_cold_derive_imports_no_parser_generator_and_reads_no_toml(tmp_path):
    """`matcalc derive` parses with the generated module (no `lark`), and with the rulebook
    cached it reads no TOML (no `tomllib`); SymPy and NumPy stay out as ever."""
    import os
    probe = ("import sys\nfrom matcalc.cli import main\n"
             "code = main(['derive', 'max(0, w.x + b)', '--wrt', 'w'])\n"
             "print(code, sorted(m for m in ('lark', 'tomllib', 'tomli', 'sympy', 'numpy') "
             "if m in sys.modules))\n")
    env = {**os.environ, "MATCALC_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(PACKAGE.parent)}
    env.pop("MATCALC_NO_CACHE", None)
    outs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=PACKAGE.parent, env=env, check=True).stdout.splitlines()[-1]
            for _ in range(2)]                  # the first run writes the cache
    assert outs[0] in ("0 []", "0 ['tomllib']", "0 ['tomli']")
    assert outs[1] == "0 []"


def test_a_cold_derive_imports_none_of_the_slow_standard_modules(tmp_path):
    """With the rulebook cached, `matcalc derive` imports neither typing, dataclasses (with
    inspect, ast, dis, tokenize), pathlib (with urllib.parse) nor logging: together more
    than a third of a cold start once (bench/results/cold-start-floor.txt)."""
    import os
    slow = ("typing", "dataclasses", "inspect", "ast", "pathlib", "logging", "pickle")
    probe = ("import sys\nfrom matcalc.cli import main\n"
             "code = main(['derive', 'max(0, w.x + b)', '--wrt', 'w'])\n"
             f"print(code, sorted(m for m in {slow!r} if m in sys.modules))\n")
    env = {**os.environ, "MATCALC_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(PACKAGE.parent)}
    env.pop("MATCALC_NO_CACHE", None)
    outs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=PACKAGE.parent, env=env, check=True).stdout.splitlines()[-1]
            for _ in range(2)]                  # the first run reads the TOML files
    assert outs[1] == "0 []"
