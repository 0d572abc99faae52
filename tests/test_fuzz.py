"""A short coverage-guided fuzzing run of each loader of a user's files (tests/fuzz/harness.py):
a few thousand mutated inputs each, from real seeds; any exception other than mcuforge's own
one-line errors, or a hang, fails. The long run (1,000,000 inputs for the reader) is the
command the README names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_module

HARNESS = Path(__file__).resolve().parent / "fuzz" / "harness.py"


@pytest.mark.host
@pytest.mark.parametrize("target, runs", [("reader", 1500), ("vectors", 1500), ("recipe", 1500)])
def test_short_fuzz_run_finds_nothing(target, runs, tmp_path):
    require_module("atheris")
    result = subprocess.run([sys.executable, str(HARNESS), target, f"-runs={runs}", "-timeout=10",
                             "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/", "-seed=1"],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Done {runs} runs" in result.stderr
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
