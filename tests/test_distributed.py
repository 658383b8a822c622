"""Data-parallel training (mlp_lab.pytorch.distributed, fit under torch.distributed) against one process.

Every data-parallel run here starts real processes: PyTorch's own process group over the gloo backend
on 127.0.0.1, DistributedDataParallel inside `fit`. Runs are small (one or two epochs of the digits),
and each test starts only the processes its claim needs: each one imports PyTorch, scikit-learn and,
with the first optimizer, torch._dynamo (a few seconds of CPU). Whatever does not need another
process (argument errors, a different seed) runs in this one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psutil
import pytest

from mlp_lab.__main__ import main
from mlp_lab.pytorch.distributed import Config, fit_digits, launch, run

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"world_size", "backend", "epochs", "final_loss", "single_process_final_loss", "max_abs_weight_diff",
        "seconds", "single_process_seconds"}


@pytest.fixture(scope="module")
def two_ranks() -> dict:
    # 57 batches of 32 per epoch and a last one of 5: unequal shards (3 and 2) once an epoch
    return run(Config(world_size=2, epochs=2, batch_size=32, seed=1))


def test_two_ranks_equal_one_process_to_float64_rounding(two_ranks):
    assert two_ranks["max_abs_weight_diff"] < 1e-12
    np.testing.assert_allclose(two_ranks["loss"], two_ranks["single_process_loss"], rtol=1e-12, atol=0)
    assert two_ranks["loss"][-1] < two_ranks["loss"][0] < 2.5  # it trains (ln 10 = 2.30 at the start)


def test_one_rank_is_the_single_process_run():
    config = Config(world_size=1, epochs=1, batch_size=64)
    ddp = launch(config)
    history, weights = fit_digits(config)
    assert ddp["loss"] == history["loss"]
    for a, b in zip(ddp["weights"], weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_a_different_seed_changes_the_run(two_ranks):
    """The comparison above can fail: at its tolerance, the same training from another seed ends elsewhere.

    One process is enough for this (that the ranks follow the seed they are given is the test above:
    ranks that ignored it would not equal the single process run with seed 1).
    """
    other, _ = fit_digits(Config(world_size=2, epochs=2, batch_size=32, seed=2))
    assert len(other["loss"]) == len(two_ranks["loss"])
    assert abs(other["loss"][-1] - two_ranks["loss"][-1]) > 1e-6


def _processes_with(token: str) -> list[int]:
    left = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("MLP_LAB_TEST_TOKEN") == token:
                left.append(p.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return left


def _cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlp_lab", "ddp", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_a_failing_rank_ends_the_job_with_its_error_and_exit_status_1(monkeypatch, capsys):
    """`python -m mlp_lab ddp`'s main, in this process: the ranks it spawns are real, one fails on purpose.

    ``launch`` raises RankFailed with the rank's error; main prints it and returns 1 (it returns 1
    for nothing else); the other rank is stopped and no process is left behind.
    """
    token = uuid.uuid4().hex
    # inherited by the spawned ranks; psutil reads a process's environment as it started, so this
    # process, which sets the variable later, is not among the processes found with it
    monkeypatch.setenv("MLP_LAB_TEST_TOKEN", token)
    start = time.perf_counter()
    status = main(["ddp", "--world-size", "2", "--epochs", "1", "--fail-rank", "1"])
    assert time.perf_counter() - start < 60
    err = capsys.readouterr().err
    assert status == 1
    assert re.search(r"error: rank 1 failed(.|\n)*failed on purpose", err), err
    time.sleep(0.5)
    assert not _processes_with(token), "processes left behind"


def test_cli_prints_epochs_then_a_json_summary():
    proc = _cli("--world-size", "2", "--epochs", "2", "--batch-size", "128")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [ln.split(",")[0] for ln in lines[:-1]] == ["Epoch: 1", "Epoch: 2"]
    summary = json.loads(lines[-1])
    assert KEYS <= set(summary)
    assert (summary["world_size"], summary["backend"], summary["epochs"]) == (2, "gloo", 2)
    assert summary["max_abs_weight_diff"] < 1e-12
    assert lines[-2] == f"Epoch: 2, Loss: {summary['final_loss']:.4f}"
    assert summary["seconds"] > 0 and summary["single_process_seconds"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--world-size", "0"], "argument --world-size: must be >= 1, got 0"),
        (["--world-size", "3", "--batch-size", "64"], "batch_size must be a multiple of world_size"),
        (["--backend", "carrier-pigeon"], "backend 'carrier-pigeon' is not available"),
        (["--lr", "-1"], "--lr"),
    ],
)
def test_cli_bad_arguments_exit_2(args, message, capsys):
    """In this process: the parser rejects them before any rank starts (argparse exits with status 2)."""
    with pytest.raises(SystemExit) as exited:
        main(["ddp", *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("usage: python -m mlp_lab ddp"), err


@pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
                    reason="torchrun is not installed beside this Python")
def test_torchrun_launches_the_same_worker():
    torchrun = Path(sys.executable).parent / "torchrun"
    exe = str(torchrun) if torchrun.exists() else shutil.which("torchrun")
    proc = subprocess.run([exe, "--standalone", "--nproc-per-node", "2", "-m", "mlp_lab.pytorch.distributed",
                           "--epochs", "2", "--batch-size", "128"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (summary["world_size"], summary["epochs"]) == (2, 2)
    single, _ = fit_digits(Config(world_size=2, epochs=2, batch_size=128))
    assert summary["final_loss"] == pytest.approx(single["loss"][-1], rel=1e-12)
