"""The lab program (mlp_lab.pytorch.lab) and its command line, ``python -m mlp_lab lab``."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mlp_lab.__main__ import build_parser, main
from mlp_lab.pytorch import lab

from conftest import ROOT

EPOCH_LINE = re.compile(r"^Epoch: (\d+), Loss: (\d+\.\d{3})$")
ACCURACY_LINE = re.compile(r"^Accuracy: ([01]\.\d{2})$")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mlp_lab", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


# ----------------------------------------------------------------------------- the command line (subprocess)


def test_default_run_prints_the_seed_format():
    proc = run_cli("lab", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 6, proc.stdout
    epochs = [int(EPOCH_LINE.match(line).group(1)) for line in lines[:5]]
    assert epochs == [20, 40, 60, 80, 100]
    assert ACCURACY_LINE.match(lines[5]), lines[5]
    # the printed numbers are the library's: the same run in-process gives the same lines
    assert lines == lab.format_lab_log(lab.run_lab(device="cpu"))


def test_faithful_run_says_so():
    proc = run_cli("lab", "--faithful", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == lab.FAITHFUL_NOTE
    assert "Faithful reproduction" in lines[0] and "bug" in lines[0]
    assert [bool(EPOCH_LINE.match(line)) for line in lines[1:6]] == [True] * 5
    assert ACCURACY_LINE.match(lines[6])
    assert len(lines) == 7


def test_help_documents_every_flag():
    proc = run_cli("lab", "--help")
    assert proc.returncode == 0
    for flag in ("--epochs", "--lr", "--seed", "--device", "--hidden", "--faithful", "--log-every"):
        assert flag in proc.stdout
    top = run_cli("--help")
    assert top.returncode == 0 and "lab" in top.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["lab", "--bogus"], r"unrecognized arguments: --bogus"),
        (["lab", "--lr", "-1"], r"argument --lr: must be a finite number > 0, got -1"),
    ],
)
def test_bad_flags_exit_2(args, match):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert re.search(match, proc.stderr), proc.stderr
    assert proc.stdout == ""


# ----------------------------------------------------------------------------- the command line (in-process)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([], r"the following arguments are required: COMMAND"),
        (["train"], r"invalid choice: 'train'"),
        (["lab", "--lr", "0"], r"argument --lr: must be a finite number > 0, got 0"),
        (["lab", "--lr", "abc"], r"argument --lr: must be a number > 0, got 'abc'"),
        (["lab", "--lr", "inf"], r"argument --lr: must be a finite number > 0"),
        (["lab", "--lr", "nan"], r"argument --lr: must be a finite number > 0"),
        (["lab", "--epochs", "0"], r"argument --epochs: must be >= 1, got 0"),
        (["lab", "--epochs", "1.5"], r"argument --epochs: must be a whole number >= 1, got '1.5'"),
        (["lab", "--hidden", "-3"], r"argument --hidden: must be >= 1, got -3"),
        (["lab", "--seed", "-1"], r"argument --seed: must be >= 0, got -1"),
        (["lab", "--log-every", "0"], r"argument --log-every: must be >= 1"),
        (["lab", "--device", "tpu"], r"argument --device: device must be 'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ],
)
def test_bad_values_exit_2(capsys, args, match):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert re.search(match, capsys.readouterr().err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message when CUDA is missing")
def test_cuda_flag_without_cuda_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["lab", "--device", "cuda"])
    assert info.value.code == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_cli_defaults_are_the_seed_settings_and_need_no_torch():
    args = build_parser().parse_args(["lab"])
    assert {name: getattr(args, name) for name in ("hidden", "lr", "epochs", "log_every")} == {
        "hidden": 10, "lr": 0.01, "epochs": 100, "log_every": 20}  # the seed program's settings
    code = ("import sys; from mlp_lab.__main__ import build_parser; build_parser().format_help(); "
            "print(sorted(sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "'torch'" not in proc.stdout, proc.stderr


def test_flags_reach_the_run(capsys):
    assert main(["lab", "--epochs", "40", "--lr", "0.02", "--seed", "3", "--hidden", "5", "--device", "cpu",
                 "--log-every", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = lab.format_lab_log(lab.run_lab(epochs=40, lr=0.02, seed=3, hidden=5, device="cpu"), log_every=10)
    assert lines == expected
    assert [line.split(",")[0] for line in lines[:-1]] == ["Epoch: 10", "Epoch: 20", "Epoch: 30", "Epoch: 40"]


# ----------------------------------------------------------------------------- the lab's logic


def test_seed_network_architecture():
    net = lab.build_seed_network()
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert net[0].weight.shape == (10, 2) and net[2].weight.shape == (1, 10)
    faithful = lab.build_seed_network(7, faithful=True)
    assert isinstance(faithful[-1], nn.Sigmoid) and faithful[0].weight.shape == (7, 2)
    assert net(torch.zeros(4, 2)).shape == (4, 1)


def test_seed_network_is_seeded_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a, b = lab.build_seed_network(seed=1), lab.build_seed_network(seed=1)
    c = lab.build_seed_network(seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a[0].weight, b[0].weight)
    assert not torch.equal(a[0].weight, c[0].weight)


def test_tch_init_ranges():
    """tch-rs: W ~ U(-sqrt(6/n_in), sqrt(6/n_in)); PyTorch: U(-1/sqrt(n_in), 1/sqrt(n_in))."""
    layer = nn.Linear(400, 300)
    lab.tch_linear_init_(layer)
    w = layer.weight.detach().numpy()
    bound = math.sqrt(6 / 400)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.95 * bound  # 120 000 draws reach close to the bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # std of U(-a, a) is a / sqrt(3)
    assert np.abs(layer.bias.detach().numpy()).max() <= 1 / math.sqrt(400)
    torch_default = lab.build_seed_network(init="torch")
    assert float(torch_default[0].weight.detach().abs().max()) <= 1 / math.sqrt(2)
    with pytest.raises(ValueError, match="init must be one of 'tch', 'torch'; got 'xavier'"):
        lab.build_seed_network(init="xavier")


def test_run_lab_defaults_are_the_seed_settings():
    result = lab.run_lab(device="cpu")
    assert len(result.losses) == 100
    assert result.history.params["lr"] == 0.01
    assert result.history.params["batch_size"] is None
    assert result.history.params["optimizer"] == "adam"
    assert result.model[0].out_features == 10
    assert result.losses[-1] < result.losses[0]
    assert 0.0 <= result.accuracy <= 1.0


def test_run_lab_is_reproducible():
    a, b = lab.run_lab(seed=5, device="cpu"), lab.run_lab(seed=5, device="cpu")
    assert a.losses == b.losses and a.accuracy == b.accuracy


def test_faithful_loss_never_beats_its_floor():
    """With s = sigmoid(z) in (0, 1) fed as a logit, each term is at least log(1 + e^-1) (y=1) or log 2 (y=0)."""
    floor = (math.log1p(math.exp(-1.0)) + math.log(2.0)) / 2  # five points of each class
    for seed in (0, 2):
        result = lab.run_lab(faithful=True, seed=seed, epochs=200, lr=0.05, device="cpu")
        assert min(result.losses) > floor - 1e-6
    corrected = lab.run_lab(seed=0, epochs=200, lr=0.05, device="cpu")
    assert min(corrected.losses) < floor


def test_lab_accuracy_thresholds():
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    logits = nn.Identity()
    X = torch.tensor([[-1.0], [2.0], [0.0], [0.3]])  # logit >= 0 -> class 1: preds 0, 1, 1, 1
    assert lab.lab_accuracy(logits, X, y, faithful=False) == pytest.approx(0.75)
    probs = torch.tensor([[0.2], [0.9], [0.5], [0.49]])  # prob >= 0.5 -> class 1: preds 0, 1, 1, 0
    assert lab.lab_accuracy(logits, probs, y, faithful=True) == pytest.approx(1.0)


def test_format_lab_log():
    result = lab.run_lab(epochs=45, device="cpu")
    lines = lab.format_lab_log(result)
    assert [line.split(",")[0] for line in lines[:-1]] == ["Epoch: 20", "Epoch: 40"]
    assert lines[0] == f"Epoch: 20, Loss: {result.losses[19]:.3f}"
    assert lines[-1] == f"Accuracy: {result.accuracy:.2f}"
    faithful = lab.run_lab(epochs=20, faithful=True, device="cpu")
    assert lab.format_lab_log(faithful)[0] == lab.FAITHFUL_NOTE
    assert lab.format_lab_log(faithful, note=False)[0].startswith("Epoch: 20")
    with pytest.raises(ValueError, match="log_every must be >= 1"):
        lab.format_lab_log(result, log_every=0)
