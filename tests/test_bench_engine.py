"""The engine benchmark's plumbing: table and JSON structure, options, ``python -m`` (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks import bench_engine as engine
from mlp_lab.scratch.inplace import step_flops

from conftest import ROOT

RESULT_KEYS = {"width", "layer_sizes", "n_params", "flops", "torch_over_plain", "plain_over_inplace"} | {
    f"{engine}_{key}" for engine in ("plain", "inplace", "torch") for key in ("ms", "ms_min", "gflops", "frac_peak")
}


def test_layer_sizes() -> None:
    assert engine.layer_sizes(64) == [64, 64, 64, 10]


def test_quick_run_prints_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    threads_before = torch.get_num_threads()
    # one thread: no BLAS/OpenMP barrier stalls when the (shared) machine is busy
    argv = ["--quick", "--widths", "4", "8", "--repeats", "2", "--batch", "16", "--threads", "1"]
    assert engine.main(argv) == 0
    assert torch.get_num_threads() == threads_before  # restored
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("mlp_lab engine benchmark")
    assert any(line.startswith("peak: np.matmul 256x256") for line in out)
    header = next(i for i, line in enumerate(out) if line.split()[:3] == ["width", "params", "plain"])
    rows = [line.split() for line in out[header + 2: header + 4]]
    assert [row[0] for row in rows] == ["4", "8"]
    summary = json.loads(out[-1])  # the last line is the JSON object
    assert summary["benchmark"] == "engine" and summary["batch"] == 16 and summary["repeats"] == 2
    assert summary["threads"] == 1 and summary["environment"]["torch_threads"] == 1
    assert summary["clock"] == "wall"
    assert summary["peak_gflops"] == max(summary["peak_gflops_before_after"]) > 0
    assert {"numpy", "torch", "torch_threads", "threadpools"} <= set(summary["environment"])
    assert [r["width"] for r in summary["results"]] == [4, 8]
    for r in summary["results"]:
        assert set(r) == RESULT_KEYS
        assert r["layer_sizes"] == [r["width"]] * 3 + [10]
        assert r["flops"] == step_flops(r["layer_sizes"], 16)
        for name in ("plain", "inplace", "torch"):
            assert r[f"{name}_ms"] > 0 and r[f"{name}_frac_peak"] > 0 and r[f"{name}_ms_min"] <= r[f"{name}_ms"]
    assert set(summary["targets"]) == {"inplace_frac_peak_ge_0.6_at_width_ge_512", "plain_not_slower_than_torch"}
    assert summary["targets"]["inplace_frac_peak_ge_0.6_at_width_ge_512"] is None  # no width >= 512 run
    assert any(line.startswith("targets: ") for line in out)


def test_check_targets_logic() -> None:
    fast = {"width": 512, "inplace_frac_peak": 0.7, "torch_over_plain": 1.5}
    slow = {"width": 1024, "inplace_frac_peak": 0.5, "torch_over_plain": 0.9}
    small = {"width": 64, "inplace_frac_peak": 0.1, "torch_over_plain": 2.0}
    assert engine.check_targets([small, fast]) == {
        "inplace_frac_peak_ge_0.6_at_width_ge_512": True, "plain_not_slower_than_torch": True,
    }
    assert engine.check_targets([small, fast, slow]) == {
        "inplace_frac_peak_ge_0.6_at_width_ge_512": False, "plain_not_slower_than_torch": False,
    }


@pytest.mark.parametrize(
    "argv",
    [["--widths", "0"], ["--repeats", "-1"], ["--widths", "x"], ["--threads", "0"], ["--clock", "gpu"], ["--nope"]],
)
def test_engine_bad_options_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        engine.main(argv)
    assert info.value.code == 2


def test_python_dash_m_end_to_end() -> None:
    argv = ["--quick", "--widths", "4", "--repeats", "1", "--threads", "1", "--clock", "cpu"]
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["results"][0]["width"] == 4 and summary["clock"] == "cpu"
    bad = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", "--nope"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "usage: python -m benchmarks.bench_engine" in bad.stderr
