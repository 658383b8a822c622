"""The engine benchmark's plumbing: command dispatch, table and JSON structure (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlp_lab.bench import __main__ as bench_cli
from mlp_lab.bench import engine

RESULT_KEYS = {
    "width", "layer_sizes", "n_params", "flops",
    "numpy_ms", "numpy_fresh_ms", "torch_ms", "numpy_ms_min", "numpy_fresh_ms_min", "torch_ms_min",
    "torch_over_numpy", "torch_over_numpy_fresh",
    "numpy_gflops", "numpy_fresh_gflops", "torch_gflops",
    "numpy_frac_peak", "numpy_fresh_frac_peak", "torch_frac_peak",
}


def test_step_flops_by_hand() -> None:
    # [4, 4, 4, 10], m = 2: products 16, 16, 40; forward 2m*72, dW 2m*72, dA (layers 2, 3) 2m*56
    assert engine.step_flops([4, 4, 4, 10], 2) == 2 * 2 * (72 + 72 + 56)
    assert engine.step_flops([3, 5], 7) == 2 * 7 * 2 * 15  # one layer: no dA for the input
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
    header = next(i for i, line in enumerate(out) if line.split()[:3] == ["width", "params", "np"])
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
        assert r["flops"] == engine.step_flops(r["layer_sizes"], 16)
        assert r["numpy_ms"] > 0 and r["numpy_fresh_ms"] > 0 and r["torch_ms"] > 0
        assert r["numpy_frac_peak"] > 0 and r["numpy_fresh_frac_peak"] > 0 and r["torch_frac_peak"] > 0
        assert r["numpy_ms_min"] <= r["numpy_ms"] and r["torch_ms_min"] <= r["torch_ms"]
    assert set(summary["targets"]) == {
        "numpy_frac_peak_ge_0.6_at_width_ge_512", "numpy_not_slower_than_torch",
    }
    assert summary["targets"]["numpy_frac_peak_ge_0.6_at_width_ge_512"] is None  # no width >= 512 run


def test_check_targets_logic() -> None:
    fast = {"width": 512, "numpy_frac_peak": 0.7, "torch_over_numpy": 1.5}
    slow = {"width": 1024, "numpy_frac_peak": 0.5, "torch_over_numpy": 0.9}
    small = {"width": 64, "numpy_frac_peak": 0.1, "torch_over_numpy": 2.0}
    assert engine.check_targets([small, fast]) == {
        "numpy_frac_peak_ge_0.6_at_width_ge_512": True, "numpy_not_slower_than_torch": True,
    }
    assert engine.check_targets([small, fast, slow]) == {
        "numpy_frac_peak_ge_0.6_at_width_ge_512": False, "numpy_not_slower_than_torch": False,
    }


@pytest.mark.parametrize(
    "argv",
    [["--widths", "0"], ["--repeats", "-1"], ["--widths", "x"], ["--threads", "0"], ["--clock", "gpu"], ["--nope"]],
)
def test_engine_bad_options_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        engine.main(argv)
    assert info.value.code == 2


@pytest.mark.parametrize("argv", [["bogus"], [], ["--quick"]])
def test_cli_bad_subcommand_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        bench_cli.main(argv)
    assert info.value.code == 2
    assert "usage: python -m mlp_lab.bench" in capsys.readouterr().err


def test_cli_sklearn_missing_module_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mlp_lab.bench.sklearn", None)  # makes the import fail
    assert bench_cli.main(["sklearn"]) == 2
    assert "cannot import mlp_lab.bench.sklearn" in capsys.readouterr().err


def test_cli_dispatches_to_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    monkeypatch.setattr(engine, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert bench_cli.main(["engine", "--quick", "--widths", "4"]) == 0
    assert seen["argv"] == ["--quick", "--widths", "4"]


def test_python_dash_m_end_to_end() -> None:
    argv = ["engine", "--quick", "--widths", "4", "--repeats", "1", "--threads", "1", "--clock", "cpu"]
    proc = subprocess.run(
        [sys.executable, "-m", "mlp_lab.bench", *argv], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["results"][0]["width"] == 4 and summary["clock"] == "cpu"
    bad = subprocess.run([sys.executable, "-m", "mlp_lab.bench", "nope"], capture_output=True, text=True,
                         timeout=60, check=False)
    assert bad.returncode == 2 and "invalid choice: 'nope'" in bad.stderr
