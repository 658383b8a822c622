"""The checker benchmark: its learners are what it says (right passes; wrong fails, unnamed), and its output.

The speed target itself (every checker under a second) is the benchmark's, not a test's:
``python benchmarks/bench_check.py`` (or ``python -m benchmarks check``).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys

import pytest

from mlp_lab import check

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("bench_check", ROOT / "benchmarks" / "bench_check.py")
bench_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_check)

CHECKERS = [name for name, obj in vars(check).items() if name in check.__all__ and inspect.isfunction(obj)
            and name not in ("compare", "report")]


def test_every_checker_is_benchmarked():
    assert sorted(bench_check.contenders()) == sorted(CHECKERS)


@pytest.mark.parametrize("name", CHECKERS)
def test_right_passes_and_wrong_fails_as_no_named_mistake(name):
    """The "wrong" learner must take the slowest path: found wrong, every mistake tried, none matching."""
    calls = bench_check.contenders()[name]
    right, wrong = calls["right"](), calls["wrong"]()
    assert right.passed, str(right)
    assert not wrong.passed and wrong.attempted, str(wrong)
    assert wrong.mistake is None, f"the scaled answer was taken for the named mistake {wrong.mistake!r}"
    assert sum(not case.ok for case in wrong.cases) >= len(wrong.cases) / 2, str(wrong)  # zero answers stay right


def test_scaled_reaches_every_number():
    out = bench_check.scaled(([1.0, 2.0], (3.0,), 4.0))
    assert [list(map(float, out[0])), [float(x) for x in out[1]], float(out[2])] == [[1.5, 3.0], [4.5], 6.0]


def test_bench_check_prints_table_targets_and_json():
    proc = subprocess.run([sys.executable, "benchmarks/bench_check.py", "--repeats", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["benchmark"] == "check" and set(summary["seconds"]) == set(CHECKERS)
    assert all(t["right"] > 0 and t["wrong"] > 0 for t in summary["seconds"].values())
    assert any(line.startswith("targets: every_checker_under_1_s=") for line in lines)
    assert sum(line.split()[0] in CHECKERS for line in lines[:-1]) == len(CHECKERS)  # one table row each
