"""Tests of mlp_lab.pytorch.fit: fit() against hand-written torch.optim loops, History, divergence, bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from mlp_lab.data import rust_lab_dataset
from mlp_lab.pytorch import History, TrainingDiverged, fit, make_optimizer, resolve_device

from conftest import make_blobs


def small_net(n_in: int = 2, n_hidden: int = 8, n_out: int = 1, *, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))


def params_of(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


@pytest.fixture
def lab():
    return rust_lab_dataset()


@pytest.fixture
def blobs():
    X, y = make_blobs(120, n_classes=3, std=0.6, seed=1)
    return X, y


# ----------------------------------------------------------------------------- reference loop


def torch_optim_loop(model, X, y, *, loss_fn, optimizer, lr, epochs, batch_size, weight_decay, seed):
    """The same training written with torch.optim classes and .backward()."""
    ps = list(model.parameters())
    groups = [
        {"params": [p for p in ps if p.ndim >= 2], "weight_decay": weight_decay},
        {"params": [p for p in ps if p.ndim < 2], "weight_decay": 0.0},
    ]
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[optimizer]
    opt = cls(groups, lr=lr, fused=True)
    gen = torch.Generator().manual_seed(seed)
    m = len(X)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(m, generator=gen)
        total = 0.0
        for xb, yb in zip(X[perm].split(batch_size), y[perm].split(batch_size), strict=True):
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(xb)
        losses.append(total / m)
    return losses


@pytest.mark.parametrize(
    ("optimizer", "weight_decay"), [("adam", 0.0), ("adam", 1e-3), ("adamw", 1e-2), ("sgd", 0.0), ("sgd", 1e-3)]
)
def test_fit_matches_torch_optim_loop(blobs, optimizer, weight_decay):
    X, y = blobs
    a = small_net(2, 16, 3)
    b = copy.deepcopy(a)
    hist = fit(a, X, y, loss="cross_entropy", optimizer=optimizer, lr=0.02, epochs=4, batch_size=25,
               weight_decay=weight_decay, metrics=(), seed=7, device="cpu")
    ref = torch_optim_loop(b, torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y), loss_fn=F.cross_entropy,
                           optimizer=optimizer, lr=0.02, epochs=4, batch_size=25, weight_decay=weight_decay, seed=7)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hist["loss"], ref, rtol=1e-5, atol=1e-7)


def test_weight_decay_spares_biases(lab):
    """Targets equal to the model's own output make the loss gradient zero: only decay acts."""
    X, y = lab
    model = small_net()
    b0 = [p.detach().clone() for p in model.parameters() if p.ndim == 1]
    # mse against the model's own initial output: the first step's loss gradient is exactly zero.
    with torch.no_grad():
        target = model(torch.as_tensor(X, dtype=torch.float32)).numpy()
    w0 = [p.detach().clone() for p in model.parameters() if p.ndim == 2]
    fit(model, X, target, loss="mse", optimizer="sgd", lr=0.1, epochs=1, weight_decay=0.5, metrics=(), device="cpu")
    w1 = [p.detach() for p in model.parameters() if p.ndim == 2]
    b1 = [p.detach() for p in model.parameters() if p.ndim == 1]
    for before, after in zip(w0, w1, strict=True):  # W <- W - lr * wd * W
        torch.testing.assert_close(after, before * (1 - 0.1 * 0.5), rtol=1e-6, atol=1e-7)
    for before, after in zip(b0, b1, strict=True):
        torch.testing.assert_close(after, before, rtol=0, atol=0)


# ----------------------------------------------------------------------------- History and results


def test_history_columns_and_lengths(lab):
    X, y = lab
    hist = fit(small_net(), X, y, loss="bce", lr=0.01, epochs=7, X_val=X[:4], y_val=y[:4], device="cpu")
    assert isinstance(hist, History)
    assert hist.keys() == ["epoch", "loss", "val_loss", "accuracy", "val_accuracy"]
    assert len(hist) == 7
    assert hist.epochs == list(range(1, 8))
    for key in hist.keys():
        assert len(hist[key]) == 7
    assert set(hist.final) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert hist.final["loss"] == hist["loss"][-1]
    assert hist.params["dtype"] == "float32"
    assert hist.params["device"] == "cpu"
    assert hist.params["batch_size"] is None
    assert "History(epochs=7, loss=" in repr(hist)


def test_history_as_dict_and_plot(lab):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = lab
    hist = fit(small_net(), X, y, loss="bce", lr=0.01, epochs=5, X_val=X, y_val=y, device="cpu")
    d = hist.as_dict()
    d["loss"].append(123.0)  # a copy: History is unchanged
    assert len(hist["loss"]) == 5
    ax = hist.plot()
    assert [line.get_label() for line in ax.get_lines()] == ["train loss", "validation loss"]
    assert ax.get_xlabel() == "epoch"
    ax2 = hist.plot(metric="accuracy")
    assert ax2.get_ylabel() == "accuracy"
    plt.close("all")
    with pytest.raises(ValueError, match="metric must be one of"):
        hist.plot(metric="f1")
    with pytest.raises(KeyError, match="no column 'f1'"):
        hist["f1"]


def test_val_loss_and_metrics_are_those_of_the_final_model(blobs):
    X, y = blobs
    model = small_net(2, 16, 3)
    hist = fit(model, X[:90], y[:90], loss="cross_entropy", lr=0.05, epochs=5, batch_size=16,
               X_val=X[90:], y_val=y[90:], seed=3, device="cpu")
    with torch.no_grad():
        out_val = model(torch.as_tensor(X[90:], dtype=torch.float32))
        out_tr = model(torch.as_tensor(X[:90], dtype=torch.float32))
    val_loss = float(F.cross_entropy(out_val, torch.as_tensor(y[90:])))
    assert hist["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6, abs=1e-7)
    val_acc = float((out_val.argmax(1).numpy() == y[90:]).mean())
    tr_acc = float((out_tr.argmax(1).numpy() == y[:90]).mean())
    assert hist["val_accuracy"][-1] == pytest.approx(val_acc, rel=1e-6)
    assert hist["accuracy"][-1] == pytest.approx(tr_acc, rel=1e-6)


def test_full_batch_loss_is_the_loss_before_each_step(lab):
    """As the seed prints it: epoch k's loss is computed in epoch k's forward pass, before the step."""
    X, y = lab
    model = small_net()
    X_t = torch.as_tensor(X, dtype=torch.float32)
    y_t = torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)
    with torch.no_grad():
        first = float(F.binary_cross_entropy_with_logits(model(X_t), y_t))
    hist = fit(model, X, y, loss="bce", lr=0.01, epochs=1, device="cpu")
    assert hist["loss"][0] == pytest.approx(first, rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(batch_size=st.integers(min_value=1, max_value=12))
def test_epoch_loss_is_batch_size_weighted_mean(batch_size):
    """With a negligible lr the model does not move, so the epoch loss is the full-data loss."""
    X, y = rust_lab_dataset()
    model = small_net(seed=2)
    X_t = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        full = float(F.binary_cross_entropy_with_logits(model(X_t), torch.as_tensor(y, dtype=torch.float32)[:, None]))
    hist = fit(model, X, y, loss="bce", optimizer="sgd", lr=1e-30, epochs=1, batch_size=batch_size,
               metrics=(), device="cpu")
    assert hist["loss"][0] == pytest.approx(full, rel=1e-6)


def test_loss_decreases_on_lab_data(lab):
    X, y = lab
    hist = fit(small_net(), X, y, loss="bce", lr=0.01, epochs=100, device="cpu")
    losses = hist["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert hist.final["accuracy"] == pytest.approx(1.0)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_reproducible_from_seed_on_cpu(lab, batch_size):
    X, y = lab
    runs = []
    for _ in range(2):
        model = small_net(seed=4)
        hist = fit(model, X, y, loss="bce", lr=0.01, epochs=20, batch_size=batch_size, seed=11, device="cpu")
        runs.append((hist["loss"], params_of(model)))
    assert runs[0][0] == runs[1][0]  # deterministic on the CPU: identical, not merely close
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_seed_changes_the_shuffle(lab):
    X, y = lab
    losses = []
    for seed in (0, 1):
        hist = fit(small_net(seed=4), X, y, loss="bce", lr=0.01, epochs=5, batch_size=3, seed=seed, device="cpu")
        losses.append(hist["loss"])
    assert losses[0] != losses[1]


def test_fit_leaves_global_state_alone(lab):
    X, y = lab
    model = small_net()
    model.eval()
    threads = torch.get_num_threads()
    rng = torch.get_rng_state()
    fit(model, X, y, loss="bce", lr=0.01, epochs=3, batch_size=4, device="cpu")
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), rng)
    assert not model.training  # mode restored
    assert all(p.grad is None for p in model.parameters())


def test_tensor_inputs_match_numpy_inputs(lab):
    X, y = lab
    a, b = small_net(seed=5), small_net(seed=5)
    h1 = fit(a, X, y, loss="bce", lr=0.01, epochs=10, device="cpu")
    h2 = fit(b, torch.as_tensor(X), torch.as_tensor(y), loss="bce", lr=0.01, epochs=10, device="cpu")
    assert h1["loss"] == h2["loss"]


def test_data_follow_the_model_dtype(lab):
    X, y = lab
    hist = fit(small_net().double(), X, y, loss="bce", lr=0.01, epochs=3, device="cpu")
    assert hist.params["dtype"] == "float64"


@pytest.mark.parametrize("y_shape", ["flat", "column"])
def test_bce_accepts_flat_or_column_targets(lab, y_shape):
    X, y = lab
    yy = y if y_shape == "flat" else y[:, None]
    hist = fit(small_net(seed=1), X, yy, loss="bce", lr=0.01, epochs=3, device="cpu")
    ref = fit(small_net(seed=1), X, y, loss="bce", lr=0.01, epochs=3, device="cpu")
    assert hist["loss"] == ref["loss"]


def test_cross_entropy_learns_blobs(blobs):
    X, y = blobs
    hist = fit(small_net(2, 16, 3), X, y, loss="cross_entropy", lr=0.05, epochs=30, batch_size=32, device="cpu")
    assert hist["loss"][-1] < 0.3 * hist["loss"][0]
    assert hist.final["accuracy"] > 0.9


def test_mse_records_the_loss_of_the_final_model(lab):
    X, _ = lab
    rng = np.random.default_rng(0)
    target = np.stack([X @ np.array([0.5, -1.0]), X @ np.array([1.0, 0.2])], axis=1)  # (10, 2)
    target += 0.1 * rng.standard_normal(target.shape)
    model = small_net(n_out=2, seed=3)
    hist = fit(model, X, target, loss="mse", lr=0.01, epochs=20, X_val=X, y_val=target, device="cpu")
    with torch.no_grad():
        pred = model(torch.as_tensor(X, dtype=torch.float32)).numpy()
    assert hist.final["val_loss"] == pytest.approx(((pred - target) ** 2).mean(), rel=1e-5)  # mean over all m d
    assert hist.keys() == ["epoch", "loss", "val_loss"]  # no metrics for mse


def test_fit_prints_nothing(lab, capsys):
    X, y = lab
    fit(small_net(), X, y, loss="bce", lr=0.01, epochs=3, device="cpu")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


# ----------------------------------------------------------------------------- divergence


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_divergence_raises_with_epoch_and_advice(lab, optimizer):
    X, y = lab
    target = X.sum(axis=1)  # regression target, large inputs: sgd with a huge lr blows up
    lr = 1e3 if optimizer == "sgd" else 1e30
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch \d+: the training loss is (nan|inf).*lower one"):
        fit(small_net(seed=0), X, target, loss="mse", optimizer=optimizer, lr=lr, epochs=50, device="cpu")


def test_divergence_is_a_floating_point_error_with_attributes(lab):
    X, y = lab
    with pytest.raises(FloatingPointError) as info:
        fit(small_net(), X, X.sum(axis=1), loss="mse", optimizer="sgd", lr=1e3, epochs=50, device="cpu")
    err = info.value
    assert isinstance(err, TrainingDiverged)
    assert err.epoch >= 1 and err.lr == 1e3 and not math.isfinite(err.value)
    assert "lr=100" in str(err)


def test_divergence_in_the_last_step_is_caught(lab):
    """One full-batch epoch: its loss is finite (computed before the step), the step overflows."""
    X, y = lab
    with pytest.raises(TrainingDiverged, match="parameter after the last step"):
        fit(small_net(), X, X.sum(axis=1), loss="mse", optimizer="sgd", lr=1e38, epochs=1, metrics=(), device="cpu")


def test_divergence_on_validation_loss(lab):
    X, y = lab
    with pytest.raises(TrainingDiverged, match="validation loss"):
        fit(small_net(), X, X.sum(axis=1), loss="mse", optimizer="sgd", lr=1e38, epochs=1, metrics=(),
            X_val=X, y_val=X.sum(axis=1), device="cpu")


# ----------------------------------------------------------------------------- bad input

GOOD = {"loss": "bce", "lr": 0.01, "epochs": 2, "device": "cpu"}


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"lr": 0.0}, ValueError, r"lr must be > 0, got 0.0"),
        ({"lr": -1.0}, ValueError, r"lr must be > 0, got -1.0"),
        ({"lr": float("nan")}, ValueError, r"lr must be finite"),
        ({"lr": "0.1"}, TypeError, r"lr must be a real number"),
        ({"epochs": 0}, ValueError, r"epochs must be >= 1, got 0"),
        ({"epochs": 2.5}, TypeError, r"epochs must be an integer"),
        ({"batch_size": 0}, ValueError, r"batch_size must be >= 1, got 0"),
        ({"weight_decay": -0.1}, ValueError, r"weight_decay must be >= 0"),
        ({"loss": "hinge"}, ValueError, r"loss must be one of 'bce', 'cross_entropy', 'mse'; got 'hinge'"),
        ({"optimizer": "rmsprop"}, ValueError, r"optimizer must be one of 'adam', 'adamw', 'sgd'; got 'rmsprop'"),
        ({"metrics": ("f1",)}, ValueError, r"metrics must be \('accuracy',\) or \(\) for loss='bce'; got \('f1',\)"),
        ({"loss": "mse", "metrics": ("accuracy",)}, ValueError, r"metrics must be \(\) \(accuracy needs a classif"),
        ({"seed": -1}, ValueError, r"seed must be in \[0, 2\*\*63\), got -1"),
        ({"seed": 1.5}, TypeError, r"seed must be an integer"),
        ({"device": "tpu"}, ValueError, r"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got 'tpu'"),
        ({"device": 3}, TypeError, r"device must be a str or an instance of torch.device, got int 3"),
        ({"X_val": np.zeros((3, 2))}, ValueError, r"X_val and y_val must be given together"),
        ({"X_val": np.zeros((3, 3)), "y_val": np.zeros(3)}, ValueError, r"model cannot be applied to X_val of shape"),
        ({"X_val": np.zeros((3, 2)), "y_val": np.zeros(4)}, ValueError, r"y_val must be 3 binary .*\(4,\)"),
    ],
)
def test_bad_arguments(lab, changes, error, match):
    X, y = lab
    with pytest.raises(error, match=match):
        fit(small_net(), X, y, **{**GOOD, **changes})


def _nan_at(a: np.ndarray, index) -> np.ndarray:
    out = a.copy()
    out[index] = np.nan
    return out


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda X, y: (X[:, 0], y), ValueError, r"X must be a 2-D array, got shape \(10,\)"),
        (lambda X, y: (_nan_at(X, (3, 1)), y), ValueError, r"X must be finite.*first at index \(3, 1\)"),
        (lambda X, y: (X[:0], y[:0]), ValueError, r"X must not be empty"),
        (lambda X, y: (X, y[:9]), ValueError, r"y must be 10 binary targets .* got shape \(9,\)"),
        (lambda X, y: (X, _nan_at(y, 2)), ValueError, r"y must be finite"),
        (lambda X, y: (X, 2 * y), ValueError, r"y must hold targets in \[0, 1\] \(probabilities\), got 2.0"),
        (lambda X, y: (X, np.stack([y, y], axis=1)), ValueError, r"y must be 10 binary .*\(10, 2\)"),
        (lambda X, y: (X.astype(str), y), TypeError, r"X must hold real numbers"),
        (lambda X, y: (torch.tensor(_nan_at(X, (0, 0))), y), ValueError, r"X must be finite"),
        (lambda X, y: (torch.ones(10), y), ValueError, r"X must be a 2-D array"),
        (lambda X, y: (X[:, :1], y), ValueError, r"the model cannot be applied to X of shape \(10, 1\)"),
    ],
)
def test_bad_data(lab, make, error, match):
    X, y = make(*lab)
    with pytest.raises(error, match=match):
        fit(small_net(), X, y, **GOOD)


@pytest.mark.parametrize(
    ("y", "n_out", "match"),
    [
        (np.array([0, 1, 2, 0.5] * 3), 3, r"y must hold whole-number class labels"),
        (np.array([0, 1, 2, -1] * 3), 3, r"y must hold labels >= 0"),
        (np.array([0, 1, 2, 3] * 3), 3, r"y holds label 3, outside the 3 classes 0..2"),
        (np.array([0, 1, 0, 1] * 3), 1, r"needs the model to output K >= 2 logits"),
    ],
)
def test_bad_cross_entropy_targets(y, n_out, match):
    X = np.random.default_rng(0).standard_normal((12, 2))
    with pytest.raises(ValueError, match=match):
        fit(small_net(2, 4, n_out), X, y, **{**GOOD, "loss": "cross_entropy"})


def test_bce_needs_one_output(lab):
    X, y = lab
    with pytest.raises(ValueError, match=r"loss='bce' needs 1 output unit .* the output has shape \(10, 3\)"):
        fit(small_net(2, 4, 3), X, y, **GOOD)


def test_mse_shape_mismatch(lab):
    X, y = lab
    with pytest.raises(ValueError, match=r"y must have the output's shape \(10, 2\) .* got shape \(10,\)"):
        fit(small_net(2, 4, 2), X, y, **{**GOOD, "loss": "mse", "metrics": ()})


def test_bad_models(lab):
    X, y = lab
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got function"):
        fit(lambda x: x, X, y, **GOOD)
    with pytest.raises(ValueError, match="model has no trainable parameters"):
        fit(nn.ReLU(), X, y, **GOOD)
    frozen = small_net()
    for p in frozen.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="model has no trainable parameters"):
        fit(frozen, X, y, **GOOD)
    mixed = small_net()
    mixed[0].double()
    with pytest.raises(ValueError, match="model parameters must share one dtype"):
        fit(mixed, X, y, **GOOD)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised when CUDA is missing")
def test_cuda_requested_without_cuda(lab):
    X, y = lab
    with pytest.raises(ValueError, match="device='cuda' was requested but CUDA is not available"):
        fit(small_net(), X, y, **{**GOOD, "device": "cuda"})


# ----------------------------------------------------------------------------- the optimizer


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_make_optimizer_groups_and_fused_on_cpu(name, dtype):
    model = small_net(2, 5, 3).to(dtype)
    opt = make_optimizer(name, model.parameters(), lr=0.1, weight_decay=0.01)
    assert isinstance(opt, {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name])
    weights, biases = opt.param_groups
    assert [p.ndim for p in weights["params"]] == [2, 2] and weights["weight_decay"] == 0.01
    assert [p.ndim for p in biases["params"]] == [1, 1] and biases["weight_decay"] == 0.0
    assert opt.defaults["fused"] is True  # PyTorch >= 2.4 has fused CPU kernels for all three


def test_no_private_torch_api_in_the_library():
    """Only public PyTorch: no ``torch.optim.adam`` functional, no ``torch._...`` or ``_foreach``."""
    import re
    from pathlib import Path

    import mlp_lab

    private = re.compile(r"torch(\.\w+)*\._(?!_)\w+|from torch(\.\w+)* import _|torch\.optim\.(adam|adamw|sgd)\b")
    root = Path(mlp_lab.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            assert not private.search(line), f"{path.name}:{n}: {line.strip()}"


def test_make_optimizer_without_decay_is_one_group():
    model = small_net(2, 5, 3)
    opt = make_optimizer("adam", model.parameters(), lr=0.1)
    assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 4
