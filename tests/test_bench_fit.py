"""The benchmarks' dispatcher (``python -m benchmarks``) and the fit benchmark's plumbing (not its timings)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import torch

from benchmarks import __main__ as dispatcher
from benchmarks import bench_fit
from mlp_lab.pytorch import fit

from conftest import ROOT


def test_bench_fit_quick_prints_table_targets_and_json():
    cmd = [sys.executable, "-m", "benchmarks", "fit", "--quick", "--threads", "1", "--repeats", "1"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["benchmark"] == "fit" and summary["quick"] is True
    assert summary["environment"]["torch_threads"] == 1
    assert [r["case"] for r in summary["results"]] == ["lab", "digits"]
    for r in summary["results"]:
        assert set(r["ms"]) == {"bare", "fit", "fit+acc"} and all(t > 0 for t in r["ms"].values())
        assert r["fit_over_bare"] == pytest.approx(r["ms"]["fit"] / r["ms"]["bare"], rel=1e-12)
    assert lines[-2] == "targets: " + ", ".join(f"{k}={v}" for k, v in summary["targets"].items())
    assert set(summary["targets"]) == {"lab_fit_over_bare_le_1.1", "digits_fit_over_bare_le_1.1"}


def test_bare_loop_is_the_same_training_as_fit():
    """The reference loop trains like fit (full batch: the same losses), so the timings compare like with like."""
    lab, _ = bench_fit.cases(quick=True)
    bare = bench_fit.bare_loop(copy.deepcopy(lab["model"]), torch.as_tensor(lab["X"], dtype=torch.float32),
                               lab["y_t"], loss_fn=lab["loss_fn"], lr=lab["lr"], epochs=5, batch_size=None)
    ours = fit(copy.deepcopy(lab["model"]), lab["X"], lab["y"], loss="bce", lr=lab["lr"], epochs=5, metrics=(),
               device="cpu")
    assert ours["loss"] == pytest.approx(bare, rel=1e-6)


@pytest.mark.parametrize(("argv", "message"), [([], "required: command"), (["nope"], "invalid choice: 'nope'")])
def test_dispatcher_rejects_a_missing_or_unknown_command(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        dispatcher.main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_dispatcher_passes_the_options_on(monkeypatch):
    seen = {}
    monkeypatch.setattr(bench_fit, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert dispatcher.main(["fit", "--quick", "--repeats", "2"]) == 0
    assert seen["argv"] == ["--quick", "--repeats", "2"]


def test_dispatcher_reports_a_module_that_cannot_be_imported(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "benchmarks.bench_sklearn", None)  # makes the import fail
    assert dispatcher.main(["sklearn"]) == 2
    assert "cannot import benchmarks.bench_sklearn" in capsys.readouterr().err
