"""Training loop for PyTorch models: :func:`fit` and the :class:`History` it returns.

One call trains a :class:`torch.nn.Module` on in-memory data::

    history = fit(model, X, y, loss="bce", lr=0.01, epochs=100)

What :func:`fit` does each epoch, for batches :math:`B` of the training set
(``batch_size=None`` means one batch holding all :math:`m` samples):

.. math::

    J_B(\\theta) = \\frac{1}{|B|} \\sum_{i \\in B} \\ell\\big(f_\\theta(x_i), y_i\\big),
    \\qquad \\theta \\leftarrow \\mathrm{step}\\big(\\theta, \\nabla_\\theta J_B\\big),

and it records the epoch's training loss :math:`\\sum_B \\tfrac{|B|}{m} J_B` (the
batch losses as computed *before* each step, weighted by batch size), then the
validation loss and the metrics, evaluated after the epoch's last step.

:func:`fit` is two steps: :func:`_prepare` checks every argument and converts the data
once to the model's dtype and device, and builds the optimizer; :func:`_train_epoch` is one
pass over the data, the usual loop of forgetting the old gradients, ``loss.backward()`` and
``optimizer.step()``. The optimizer is the public :class:`torch.optim.Adam`,
:class:`~torch.optim.AdamW` or :class:`~torch.optim.SGD`, built as nanoGPT builds its
optimizer (:func:`make_optimizer`): with weight decay, two parameter groups (weight matrices
decayed, biases not), and ``fused=True`` where PyTorch has a fused kernel for the device.
For speed (small models are dominated by per-step overhead, not arithmetic),
each epoch draws one permutation and slices the permuted tensors into batches (no
``DataLoader``), and batch losses stay on the device: the host reads them once per epoch
(no ``.item()`` per step). The library never changes ``torch.set_num_threads``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlp_lab._validation import (
    as_float_array,
    as_labels,
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_seed,
)
from mlp_lab.history import History

__all__ = [
    "LOSSES",
    "METRICS",
    "OPTIMIZERS",
    "History",
    "TrainingDiverged",
    "fit",
    "make_optimizer",
    "resolve_device",
]

#: Loss name -> function of (model output, target), mean over the batch.
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "bce": F.binary_cross_entropy_with_logits,  # output: one logit per sample
    "cross_entropy": F.cross_entropy,  # output: K logits per sample, target: int labels
    "mse": F.mse_loss,  # output: predictions, same shape as the target
}

OPTIMIZERS: tuple[str, ...] = ("adam", "adamw", "sgd")

#: Metric names allowed for each loss.
METRICS: dict[str, tuple[str, ...]] = {
    "bce": ("accuracy",),
    "cross_entropy": ("accuracy",),
    "mse": ("mae", "rmse"),
}

_DEFAULT_METRICS: dict[str, tuple[str, ...]] = {"bce": ("accuracy",), "cross_entropy": ("accuracy",), "mse": ()}

# Rows per forward pass when evaluating metrics and validation loss (bounds memory).
_EVAL_CHUNK = 8192


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite during :func:`fit`.

    Attributes
    ----------
    epoch : int
        The first epoch (1-based) whose loss was not finite.
    value : float
        The offending loss value.
    lr : float
        The learning rate used.
    """

    def __init__(self, *, epoch: int, value: float, lr: float, what: str = "training loss") -> None:
        self.epoch = epoch
        self.value = value
        self.lr = lr
        super().__init__(
            f"training diverged at epoch {epoch}: the {what} is {value}. "
            f"The learning rate lr={lr:g} is probably too large; try a lower one "
            f"(e.g. lr={lr / 10:g}), or scale the features. "
            "The model's parameters are left as they were when this was detected."
        )


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a :class:`torch.device` into a device.

    ``"auto"`` picks CUDA when :func:`torch.cuda.is_available`, else the CPU.

    Raises
    ------
    ValueError
        If the string is not a device, or CUDA is asked for but not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a str or torch.device, got {type(device).__name__} {device!r}")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={str(device)!r} was requested but CUDA is not available on this machine")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={str(device)!r}: only {torch.cuda.device_count()} CUDA device(s) found")
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    return dev


# ----------------------------------------------------------------------------- input checks


def _check_model(model: object) -> tuple[list[nn.Parameter], torch.dtype]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (none with requires_grad=True)")
    dtypes = {p.dtype for p in params}
    if len(dtypes) > 1:
        raise ValueError(f"model parameters must share one dtype, got {sorted(map(str, dtypes))}")
    dtype = params[0].dtype
    if not dtype.is_floating_point:
        raise TypeError(f"model parameters must be floating point, got {dtype}")
    return params, dtype


def _features(X: object, *, name: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``X`` (m, n) as a tensor of the model's dtype on ``device``; checked for shape and NaN."""
    if isinstance(X, torch.Tensor):
        if X.is_complex():
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
        if X.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array (m samples, n features), got shape {tuple(X.shape)}")
        if X.numel() == 0:
            raise ValueError(f"{name} must not be empty, got shape {tuple(X.shape)}")
        out = X.detach().to(device=device, dtype=dtype)
        if not bool(torch.isfinite(out).all()):
            raise ValueError(f"{name} must be finite, but it contains NaN or inf")
        return out
    arr = as_float_array(X, name=name, ndim=2)
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _host(y: object) -> object:
    return y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else y


def _targets(y: object, *, name: str, loss: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Targets as a tensor: int64 labels for cross-entropy, else the model's dtype."""
    y = _host(y)
    if loss == "cross_entropy":
        labels = as_labels(y, name=name)
        return torch.as_tensor(labels, dtype=torch.int64, device=device)
    arr = as_float_array(y, name=name, ndim=(1, 2))
    if loss == "bce" and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must hold targets in [0, 1] for loss='bce', got values in [{arr.min()}, {arr.max()}]")
    return torch.as_tensor(arr, dtype=dtype, device=device)


def _match_output(out_shape: tuple[int, ...], y: torch.Tensor, *, loss: str, name: str) -> torch.Tensor:
    """Check the model's output shape against the loss and reshape ``y`` to line up with it."""
    m = y.shape[0]
    if loss == "cross_entropy":
        if len(out_shape) != 2 or out_shape[1] < 2:
            raise ValueError(
                "loss='cross_entropy' needs the model to output K >= 2 logits per sample, shape (m, K); "
                f"it outputs shape {out_shape}"
            )
        n_classes = out_shape[1]
        if int(y.max()) >= n_classes:
            raise ValueError(
                f"{name} holds label {int(y.max())}, but the model outputs only {n_classes} logits "
                f"(classes 0..{n_classes - 1})"
            )
        return y
    if loss == "bce":
        if out_shape[1:] not in ((), (1,)):
            raise ValueError(
                "loss='bce' needs the model to output one logit per sample, shape (m, 1) or (m,); "
                f"it outputs shape {out_shape}"
            )
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(f"{name} must have shape (m,) or (m, 1) for loss='bce', got {tuple(y.shape)}")
        return y.reshape((m, *out_shape[1:]))
    # mse
    out_tail = out_shape[1:]
    y_tail = tuple(y.shape[1:])
    if out_tail == y_tail:
        return y
    if math.prod(out_tail) == 1 and math.prod(y_tail) == 1:
        return y.reshape((m, *out_tail))
    raise ValueError(
        f"loss='mse': the model outputs shape {out_shape} per batch but {name} has shape {tuple(y.shape)}; "
        "they must agree after the first (sample) dimension"
    )


def _check_metrics(metrics: Iterable[str] | None, loss: str) -> tuple[str, ...]:
    if metrics is None:
        return _DEFAULT_METRICS[loss]
    if isinstance(metrics, str):
        metrics = (metrics,)
    names = tuple(metrics)
    for name in names:
        check_choice(name, name="metrics", choices=METRICS[loss])
    if len(set(names)) != len(names):
        raise ValueError(f"metrics must not repeat a name, got {names}")
    return names


# ----------------------------------------------------------------------------- pieces of the loop


def _metric(name: str, loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sum over the rows of ``out`` of the per-sample metric (divided by m by the caller)."""
    if name == "accuracy":
        if loss == "cross_entropy":
            correct = out.argmax(dim=1) == y  # (m,)
        else:
            correct = (out >= 0) == (y >= 0.5)  # logit >= 0  <=>  sigmoid(logit) >= 0.5
        return correct.sum(dtype=out.dtype)
    diff = out - y
    if name == "mae":
        return diff.abs().mean(dim=tuple(range(1, diff.ndim))).sum() if diff.ndim > 1 else diff.abs().sum()
    # rmse: accumulate squared error per sample; the square root is taken after averaging.
    return (diff * diff).mean(dim=tuple(range(1, diff.ndim))).sum() if diff.ndim > 1 else (diff * diff).sum()


def _evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str,
    with_loss: bool,
    metrics: Sequence[str],
) -> list[torch.Tensor]:
    """Loss (if asked) then each metric over all of ``X``, as 0-d tensors on the device."""
    loss_fn = LOSSES[loss]
    m = X.shape[0]
    totals: list[torch.Tensor] = []
    for start in range(0, m, _EVAL_CHUNK):
        xb, yb = X[start:start + _EVAL_CHUNK], y[start:start + _EVAL_CHUNK]
        out = model(xb)
        parts = [loss_fn(out, yb, reduction="sum")] if with_loss else []
        parts += [_metric(name, loss, out, yb) for name in metrics]
        totals = parts if not totals else [t + p for t, p in zip(totals, parts, strict=True)]
    values = [t / m for t in totals]
    if with_loss and loss == "mse" and y.ndim > 1:
        values[0] = values[0] / math.prod(y.shape[1:])  # mse_loss(reduction="sum") sums over outputs too
    for i, name in enumerate(metrics, start=int(with_loss)):
        if name == "rmse":
            values[i] = values[i].sqrt()
    return values



# ----------------------------------------------------------------------------- the optimizer


def make_optimizer(
    name: str, model_params: Sequence[nn.Parameter], *, lr: float, weight_decay: float = 0.0, momentum: float = 0.0
) -> torch.optim.Optimizer:
    """The :mod:`torch.optim` optimizer :func:`fit` uses: weights decayed, biases not, fused if possible.

    With ``weight_decay > 0``, two parameter groups, as nanoGPT builds them: the weight
    matrices (parameters with 2 or more dimensions) with ``weight_decay``, the biases (and other
    1-D parameters) with none; without decay, one group (each group costs a call per step).
    ``"adam"`` and ``"sgd"`` add ``weight_decay * W`` to each weight's gradient (coupled, the
    gradient of an L2 penalty); ``"adamw"`` shrinks the weights directly (decoupled). Every
    other hyperparameter is PyTorch's default (``betas=(0.9, 0.999)``, ``eps=1e-8``; no
    dampening or Nesterov). ``fused=True`` (one kernel updates all the parameters of a group)
    when this PyTorch has a fused kernel for the parameters' device and dtype, else
    ``foreach=True``; read which from ``optimizer.defaults["fused"]``.
    """
    params = list(model_params)
    groups = [{"params": params, "weight_decay": 0.0}]
    if weight_decay > 0:
        groups = [
            {"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
        ]
        groups = [g for g in groups if g["params"]]
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name]
    kwargs = {"momentum": momentum} if name == "sgd" else {}
    try:
        return cls(groups, lr=lr, fused=True, **kwargs)
    except RuntimeError:  # no fused kernel for this device or dtype in this version of PyTorch
        return cls(groups, lr=lr, foreach=True, **kwargs)


# ----------------------------------------------------------------------------- preparation


@dataclass
class _Setup:
    """Everything :func:`fit` prepares once: checked data on the device, the optimizer, the batching."""

    model: nn.Module
    loss: str
    optimizer: torch.optim.Optimizer
    X: torch.Tensor  # (m, n_0)
    y: torch.Tensor  # (m,) or shaped like the model's output
    X_val: torch.Tensor | None
    y_val: torch.Tensor | None
    metrics: tuple[str, ...]
    batch_size: int | None  # None: full batch
    batch_weights: torch.Tensor  # (n_batches,) |B| / m, to average the batch losses
    generator: torch.Generator  # orders the batches, on the CPU so every device sees the same
    ddp: nn.Module | None = None  # the model wrapped in DistributedDataParallel, in a torch.distributed job


def _check_options(
    loss: object, optimizer: object, lr: object, epochs: object, batch_size: object, weight_decay: object,
    momentum: object, metrics: object, seed: object,
) -> dict[str, Any]:
    """Check the scalar options of :func:`fit`; return them normalised, by name."""
    loss = check_choice(loss, name="loss", choices=LOSSES)
    optimizer = check_choice(optimizer, name="optimizer", choices=OPTIMIZERS)
    momentum = check_nonnegative(momentum, name="momentum")
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if momentum > 0 and optimizer != "sgd":
        raise ValueError(f"momentum applies to optimizer='sgd' only; got momentum={momentum} with {optimizer!r}")
    return {
        "loss": loss, "optimizer": optimizer, "lr": check_positive(lr, name="lr"),
        "epochs": check_positive_int(epochs, name="epochs"),
        "batch_size": None if batch_size is None else check_positive_int(batch_size, name="batch_size"),
        "weight_decay": check_nonnegative(weight_decay, name="weight_decay"), "momentum": momentum,
        "metrics": _check_metrics(metrics, loss), "seed": check_seed(seed),
    }


def _data(model: nn.Module, X: object, y: object, X_val: object, y_val: object, *, loss: str,
          dtype: torch.dtype, dev: torch.device) -> tuple[torch.Tensor, ...]:
    """Training and validation data as tensors on ``dev``, checked against each other and the model."""
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together (or neither)")
    X_t = _features(X, name="X", dtype=dtype, device=dev)  # (m, n_0)
    y_t = _targets(y, name="y", loss=loss, dtype=dtype, device=dev)  # (m,) or (m, d)
    m = X_t.shape[0]
    if y_t.shape[0] != m:
        raise ValueError(f"arguments must have the same number of samples (rows): X has {m}, y has {y_t.shape[0]}")
    Xv_t = yv_t = None
    if X_val is not None:
        Xv_t = _features(X_val, name="X_val", dtype=dtype, device=dev)
        yv_t = _targets(y_val, name="y_val", loss=loss, dtype=dtype, device=dev)
        if Xv_t.shape[1] != X_t.shape[1]:
            raise ValueError(
                f"X_val must have the same number of features as X ({X_t.shape[1]}), got shape {tuple(Xv_t.shape)}"
            )
        if yv_t.shape[0] != Xv_t.shape[0]:
            raise ValueError(
                "arguments must have the same number of samples (rows): "
                f"X_val has {Xv_t.shape[0]}, y_val has {yv_t.shape[0]}"
            )
    # move the model, then probe its output shape on two rows (no gradients, eval mode)
    was_training = model.training
    model.to(dev)
    model.eval()
    try:
        with torch.no_grad():
            out_tail = tuple(model(X_t[:2]).shape)[1:]
    except RuntimeError as exc:
        raise ValueError(f"the model cannot be applied to X of shape {tuple(X_t.shape)}: {exc}") from exc
    finally:
        model.train(was_training)
    y_t = _match_output((m, *out_tail), y_t, loss=loss, name="y")
    if X_val is not None:
        yv_t = _match_output((Xv_t.shape[0], *out_tail), yv_t, loss=loss, name="y_val")
    return X_t, y_t, Xv_t, yv_t


def _prepare(model: object, X: object, y: object, X_val: object, y_val: object, *,
             device: str | torch.device, **options: Any) -> tuple[_Setup, dict[str, Any]]:
    """Check every argument of :func:`fit`, before any work; move model and data; build the optimizer.

    Returns the setup of the run and its settings (what :attr:`History.params` records).
    """
    params, dtype = _check_model(model)
    run = _check_options(**options)
    dev = resolve_device(device)
    X_t, y_t, Xv_t, yv_t = _data(model, X, y, X_val, y_val, loss=run["loss"], dtype=dtype, dev=dev)
    m = X_t.shape[0]
    batch_size = None if run["batch_size"] is None or run["batch_size"] >= m else run["batch_size"]
    bs = m if batch_size is None else batch_size
    sizes = [bs] * (m // bs) + ([m % bs] if m % bs else [])
    optimizer = make_optimizer(run["optimizer"], params, lr=run["lr"], weight_decay=run["weight_decay"],
                               momentum=run["momentum"])
    setup = _Setup(
        model=model, loss=run["loss"], optimizer=optimizer, X=X_t, y=y_t, X_val=Xv_t, y_val=yv_t,
        metrics=run["metrics"], batch_size=batch_size,
        batch_weights=torch.tensor(sizes, dtype=dtype, device=dev) / m,
        generator=torch.Generator(device="cpu").manual_seed(run["seed"]),
    )
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        setup.ddp = nn.parallel.DistributedDataParallel(model)  # broadcasts rank 0's weights
    run.update(batch_size=batch_size, device=str(dev), dtype=str(dtype).replace("torch.", ""),
               fused=bool(optimizer.defaults.get("fused")), n_samples=m,
               world_size=torch.distributed.get_world_size() if setup.ddp is not None else 1)
    return setup, run


# ----------------------------------------------------------------------------- one epoch


def _batches(s: _Setup) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
    """This epoch's batches: all the data in order, or slices of one random permutation."""
    if s.batch_size is None:
        return ((s.X, s.y),)
    perm = torch.randperm(s.X.shape[0], generator=s.generator).to(s.X.device)  # (m,), same order on any device
    return zip(s.X[perm].split(s.batch_size), s.y[perm].split(s.batch_size), strict=True)


def _train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
) -> list[torch.Tensor]:
    """One pass over ``batches``, one optimizer step each; returns the batch losses, on the device.

    Each loss is the mean over its batch, computed before that batch's step. No host sync: the
    caller reads the losses when it needs them. The model is put in training mode first unless
    it is in it already (``model.train()`` walks every submodule: a cost per epoch).
    """
    if not model.training:
        model.train()
    params = [p for group in optimizer.param_groups for p in group["params"]]
    losses: list[torch.Tensor] = []
    for xb, yb in batches:
        batch_loss = loss_fn(model(xb), yb)
        for p in params:  # optimizer.zero_grad(set_to_none=True), without its profiler hook (~10% of a small step)
            p.grad = None
        batch_loss.backward()
        optimizer.step()
        losses.append(batch_loss.detach())
    return losses  # n_batches 0-d tensors


def _train_epoch_ddp(s: _Setup) -> list[torch.Tensor]:
    r"""One epoch of a data-parallel job: each rank steps on its shard of every global batch.

    Rank :math:`r` of :math:`N` takes the :math:`r`-th of :math:`N` near-equal slices of the global
    batch :math:`B` and back-propagates :math:`N\,\frac{1}{|B|}\sum_{i \in B_r} \ell_i`;
    DistributedDataParallel averages the ranks' gradients, which gives the gradient of the global
    batch's mean loss :math:`\frac{1}{|B|}\sum_{i \in B} \ell_i` on every rank, however the
    shards differ in size. Returns the global batches' mean losses (one all-reduce per epoch).
    """
    rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    loss_fn = LOSSES[s.loss]
    s.ddp.train()
    losses = []
    for xb, yb in _batches(s):
        x_r, y_r = xb.tensor_split(world)[rank], yb.tensor_split(world)[rank]  # this rank's shard
        shard_loss = loss_fn(s.ddp(x_r), y_r, reduction="sum") / yb.numel()  # its part of the batch mean
        s.optimizer.zero_grad(set_to_none=True)
        (world * shard_loss).backward()  # DDP divides the summed gradients by world
        s.optimizer.step()
        losses.append(shard_loss.detach())
    batch_losses = torch.stack(losses)  # (n_batches,) this rank's parts
    torch.distributed.all_reduce(batch_losses)  # sum over ranks: each global batch's mean loss
    return list(batch_losses.unbind())  # n_batches 0-d tensors, as _train_epoch returns


def _epoch(s: _Setup) -> list[float]:
    """Train one epoch, then evaluate; returns ``[loss, metrics..., val_loss, val_metrics...]``.

    The training loss is the batches' losses weighted by batch size (the full-batch loss when
    there is one batch); the rest is measured after the epoch's last step.
    """
    if s.ddp is not None:
        batch_losses = _train_epoch_ddp(s)
    else:
        batch_losses = _train_epoch(s.model, s.optimizer, LOSSES[s.loss], _batches(s))
    if s.batch_size is None:
        scalars = batch_losses  # one batch: its loss
    else:
        scalars = [torch.dot(torch.stack(batch_losses), s.batch_weights)]
    if s.metrics or s.X_val is not None:
        s.model.eval()
        with torch.no_grad():
            if s.metrics:
                scalars += _evaluate(s.model, s.X, s.y, loss=s.loss, with_loss=False, metrics=s.metrics)
            if s.X_val is not None:
                scalars += _evaluate(s.model, s.X_val, s.y_val, loss=s.loss, with_loss=True, metrics=s.metrics)
    return [scalars[0].item()] if len(scalars) == 1 else torch.stack(scalars).tolist()  # the epoch's one host sync


def _record(columns: dict[str, list[float]], epoch: int, values: list[float], *, metrics: Sequence[str],
            lr: float) -> None:
    """Append one epoch's values to the columns; raise :class:`TrainingDiverged` on a NaN/inf loss."""
    names = ["loss", *metrics]
    if "val_loss" in columns:
        names += ["val_loss", *(f"val_{name}" for name in metrics)]
    row = dict(zip(names, values, strict=True))
    for name in ("loss", "val_loss"):
        if name in row and not math.isfinite(row[name]):
            what = "training loss" if name == "loss" else "validation loss"
            raise TrainingDiverged(epoch=epoch, value=row[name], lr=lr, what=what)
    columns["epoch"].append(epoch)
    for name, value in row.items():
        columns[name].append(value)


# ----------------------------------------------------------------------------- fit


def fit(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    *,
    loss: str,
    optimizer: str = "adam",
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    X_val: np.ndarray | torch.Tensor | None = None,
    y_val: np.ndarray | torch.Tensor | None = None,
    metrics: Sequence[str] | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> History:
    """Train ``model`` in place on ``(X, y)`` and return the per-epoch :class:`History`.

    Each step takes a batch :math:`B`, computes the mean loss
    :math:`J_B = \\frac{1}{|B|}\\sum_{i\\in B} \\ell(f_\\theta(x_i), y_i)`, back-propagates
    it and lets the optimizer update :math:`\\theta`. ``optimizer="adam"`` is Adam
    (Kingma & Ba, 2015) with PyTorch's defaults :math:`\\beta_1=0.9, \\beta_2=0.999,
    \\epsilon=10^{-8}`.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place and moved to ``device``. Its parameters' dtype sets the data's
        dtype: a default (float32) model trains on float32 copies of ``X`` and ``y``
        (float64 NumPy input is converted once); a ``.double()`` model trains in float64.
    X : array_like or Tensor of shape (m, n_0)
        Training inputs, rows are samples.
    y : array_like or Tensor of shape (m,) or (m, d)
        Targets: 0/1 (or probabilities in [0, 1]) for ``loss="bce"``; integer class labels
        for ``"cross_entropy"``; real values for ``"mse"``.
    loss : {"bce", "cross_entropy", "mse"}
        ``"bce"`` is :func:`~torch.nn.functional.binary_cross_entropy_with_logits`: the model
        must output one *logit* per sample, shape (m, 1) or (m,), with no sigmoid at the end.
        ``"cross_entropy"``: logits of shape (m, K). ``"mse"``: predictions shaped like ``y``.
    optimizer : {"adam", "adamw", "sgd"}
        :class:`torch.optim.Adam`, :class:`~torch.optim.AdamW` or :class:`~torch.optim.SGD`
        with PyTorch's defaults besides ``lr``, ``weight_decay`` and ``momentum``, fused when
        the device and dtype have a fused kernel (:func:`make_optimizer`).
    lr : float
        Learning rate, > 0.
    epochs : int
        Passes over the training data, >= 1.
    batch_size : int, optional
        Samples per step; ``None`` (default) or a value >= m means full batch: one step per
        epoch on all of the data, in order. Otherwise the data are shuffled every epoch and
        the last batch may be smaller.
    weight_decay : float
        L2 penalty on the weight matrices (parameters with 2 or more dimensions); biases are
        not decayed. For ``"adam"`` and ``"sgd"`` it is coupled: every step adds
        ``weight_decay * W`` to each weight's gradient, the gradient of
        ``(weight_decay / 2) * sum(W**2)`` added to the batch loss. For ``"adamw"`` it is
        decoupled (Loshchilov & Hutter): ``W <- W - lr * weight_decay * W`` besides the Adam
        step; note the default here is 0, not AdamW's 0.01. scikit-learn's ``alpha`` adds
        ``alpha / (2 |B|) * sum(W**2)`` to each batch loss, so ``weight_decay = alpha / batch_size``
        matches it (exactly for all but a smaller last batch).
    momentum : float
        Momentum for ``optimizer="sgd"``, in [0, 1); must be 0 for the Adam variants.
    X_val, y_val : array_like or Tensor, optional
        Validation data, given together; their loss and metrics are recorded each epoch.
    metrics : sequence of str, optional
        Recorded each epoch on the training data (and validation data). Default:
        ``("accuracy",)`` for ``"bce"`` (logit >= 0 predicts 1) and ``"cross_entropy"``
        (argmax); none for ``"mse"``, which allows ``"mae"`` and ``"rmse"``.
    seed : int
        Seeds the shuffling (a :class:`torch.Generator` on the CPU, so a CUDA run sees the
        same batches) and, inside :func:`torch.random.fork_rng`, any randomness in the model
        (dropout) without disturbing the caller's global RNG. On the CPU the same inputs and
        seed give identical results. The model's initial weights are the caller's business.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
        ``"auto"`` uses CUDA when available, else the CPU. The model and data move together.

    Returns
    -------
    History
        Per-epoch ``loss``, ``val_loss`` and metrics; ``params`` records the settings.

    Raises
    ------
    TrainingDiverged
        (a :class:`FloatingPointError`) when the training or validation loss, or a parameter,
        becomes NaN or infinite; the message names the epoch and suggests a lower ``lr``.
    TypeError, ValueError
        For invalid arguments, naming the argument, what was expected and what came.
    """
    setup, run = _prepare(
        model, X, y, X_val, y_val, device=device, loss=loss, optimizer=optimizer, lr=lr, epochs=epochs,
        batch_size=batch_size, weight_decay=weight_decay, momentum=momentum, metrics=metrics, seed=seed,
    )
    columns: dict[str, list[float]] = {"epoch": [], "loss": []}
    columns.update({"val_loss": []} if setup.X_val is not None else {})
    for name in setup.metrics:
        columns.update({name: [], f"val_{name}": []} if setup.X_val is not None else {name: []})
    dev = setup.X.device
    cuda_devices = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    was_training = model.training
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(run["seed"])
            for epoch in range(1, run["epochs"] + 1):
                _record(columns, epoch, _epoch(setup), metrics=setup.metrics, lr=run["lr"])
    finally:
        model.train(was_training)
        setup.optimizer.zero_grad(set_to_none=True)  # leave no .grad behind
    # The last step's update is not seen by any loss above: check the parameters once.
    if not bool(torch.stack([torch.isfinite(p).all() for p in model.parameters()]).all()):
        raise TrainingDiverged(epoch=run["epochs"], value=float("nan"), lr=run["lr"],
                               what="model (a parameter after the last step)")
    return History(columns, params=run)
