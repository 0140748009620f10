"""Shared test setup: run against the source tree when matcalc is not installed, a hypothesis
profile for CI (no deadline: timings on a 2-core box vary), the CLI runner fixture, and the
autodiff oracle's summary at the end of the session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import matcalc  # noqa: F401  (installed: test what is installed)
except ImportError:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def run_cli(*args, stdin=None, timeout=60, env=None):
    """`python -m matcalc ARGS` in a subprocess: (returncode, stdout, stderr)."""
    full_env = dict(os.environ, PYTHONIOENCODING="utf-8")
    import matcalc
    pkg_root = str(Path(matcalc.__file__).resolve().parent.parent)
    full_env["PYTHONPATH"] = pkg_root + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "matcalc", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env=full_env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def cli():
    return run_cli


def pytest_terminal_summary(terminalreporter):
    """The autodiff oracle's counts (tests/test_oracle.py), when it ran in this session."""
    from tests.oracle.tally import TALLIES
    for tally in TALLIES.values():
        terminalreporter.section(f"autodiff oracle ({tally.name})")
        for line in tally.summary_lines():
            terminalreporter.write_line(line)
