"""The fit-overhead benchmark's plumbing: dispatch, table and JSON structure (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_bench_fit_quick_prints_table_and_json():
    cmd = [sys.executable, "-m", "mlp_lab.bench", "fit", "--quick", "--threads", "1", "--no-sklearn", "--repeats", "1"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["benchmark"] == "fit" and summary["quick"] is True
    assert [r["case"] for r in summary["results"]] == ["lab", "digits"]
    for r in summary["results"]:
        assert set(r["ms"]) == {"bare", "fit", "fit+acc"}
        assert all(t > 0 for t in r["ms"].values())
        assert abs(r["fit_over_bare"] - r["ms"]["fit"] / r["ms"]["bare"]) < 1e-9
    assert any(line.startswith("lab: fit/bare = ") for line in lines)


def test_bench_rejects_unknown_command():
    proc = subprocess.run([sys.executable, "-m", "mlp_lab.bench", "nope"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice: 'nope'" in proc.stderr
