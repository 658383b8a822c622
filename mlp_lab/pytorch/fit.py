r"""Training a PyTorch model on in-memory data: :func:`fit`, the one trainer of the PyTorch side.

::

    history = fit(model, X, y, loss="bce", lr=0.01, epochs=100)

Each epoch deals the training set into batches :math:`B` (``batch_size=None``: one batch of all
:math:`m` samples) and takes one optimizer step per batch on the mean loss

.. math:: J_B(\theta) = \frac{1}{|B|} \sum_{i \in B} \ell\big(f_\theta(x_i), y_i\big),

the plain PyTorch loop: ``loss = loss_fn(model(xb), yb)``, ``optimizer.zero_grad()``,
``loss.backward()``, ``optimizer.step()``. It records the epoch's training loss
:math:`\sum_B \tfrac{|B|}{m} J_B` (each :math:`J_B` computed before its step), then the
accuracy and the validation loss of the model after the epoch's last step.

Two things keep it as fast as the loop written by hand (``python -m benchmarks fit``): the data
are converted once to the model's dtype and device and each epoch slices one random permutation
(no ``DataLoader``), and the batch losses stay on the device until the epoch ends (one host read
per epoch, not one ``.item()`` per step). :func:`fit` never changes ``torch.set_num_threads``:
:mod:`mlp_lab.pytorch.distributed` sets one thread in the worker processes it starts, and the
learner checkers (:mod:`mlp_lab.check`) use one thread during a check and then restore the setting.

Data parallelism. Inside an initialised :mod:`torch.distributed` process group of :math:`N`
ranks, :func:`fit` wraps the model in :class:`~torch.nn.parallel.DistributedDataParallel` and
rank :math:`r` takes the :math:`r`-th of :math:`N` near-equal shards :math:`B_r` of every batch.
DDP averages the ranks' gradients, so each rank back-propagates
:math:`N \tfrac{|B_r|}{|B|} J_{B_r}`, and the average is :math:`\nabla J_B` even when the shards
differ in size (the last batch of an epoch): every rank takes the single-process step. So
data-parallel training is this function, with its epoch loop, on every rank, not a second trainer;
:mod:`mlp_lab.pytorch.distributed` only starts the ranks and compares them with one process.
"""

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlp_lab._validation import NONNEGATIVE, POSITIVE, POSITIVE_INT, SEED, Options, as_float_array, validate
from mlp_lab.pytorch.history import History
from mlp_lab.scratch.losses import LOSSES as TARGETS

__all__ = ["LOSSES", "OPTIMIZERS", "History", "TrainingDiverged", "fit", "make_optimizer", "resolve_device"]

#: Loss name -> function of (model output, target), the mean over the batch.
LOSSES = {
    "bce": F.binary_cross_entropy_with_logits,  # output: one logit per sample, (m, 1) or (m,)
    "cross_entropy": F.cross_entropy,  # output: K logits per sample (m, K); target: int labels (m,)
    "mse": F.mse_loss,  # output: predictions shaped like the target
}

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


class TrainingDiverged(FloatingPointError):
    """The loss (or a parameter) became NaN or infinite during :func:`fit`.

    Attributes ``epoch`` (1-based), ``value`` (the offending value) and ``lr``.
    """

    def __init__(self, *, epoch: int, value: float, lr: float, what: str = "training loss") -> None:
        self.epoch, self.value, self.lr = epoch, value, lr
        super().__init__(f"training diverged at epoch {epoch}: the {what} is {value}. The learning rate lr={lr:g} "
                         f"is probably too large; try a lower one (e.g. lr={lr / 10:g}), or scale the features.")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"`` as a device.

    Raises
    ------
    TypeError, ValueError
        For anything else, or CUDA asked for on a machine without it.
    """
    validate({"device": [str, torch.device]}, device=device)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if not re.fullmatch(r"cpu|cuda(:\d+)?", str(device)):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    dev = torch.device(device)
    if dev.type == "cuda" and (dev.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device={str(device)!r} was requested but CUDA is not available on this machine "
                         f"({torch.cuda.device_count()} CUDA device(s) found)")
    return dev


def make_optimizer(name: str, params: Sequence[nn.Parameter], *, lr: float,
                   weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """The :mod:`torch.optim` optimizer of :func:`fit`, with PyTorch's defaults besides ``lr``.

    With ``weight_decay > 0``, two parameter groups as nanoGPT builds them: the weight matrices
    (2 or more dimensions) decayed, the biases not. ``fused=True`` (one kernel updates a whole
    group) where this PyTorch has a fused kernel for the device and dtype, else ``foreach=True``.
    """
    params = list(params)
    groups = [{"params": params}]
    if weight_decay > 0:
        groups = [g for g in ({"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
                              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}) if g["params"]]
    try:
        return OPTIMIZERS[name](groups, lr=lr, fused=True)
    except RuntimeError:  # no fused kernel for this device or dtype
        return OPTIMIZERS[name](groups, lr=lr, foreach=True)


# ----------------------------------------------------------------------------- data in, checked once


def _check_model(model: object) -> torch.dtype:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    dtypes = {p.dtype for p in model.parameters() if p.requires_grad}
    if len(dtypes) != 1:
        raise ValueError("model has no trainable parameters (none with requires_grad=True)" if not dtypes else
                         f"model parameters must share one dtype, got {sorted(map(str, dtypes))}")
    return dtypes.pop()


def _output_shape(model: nn.Module, X: torch.Tensor, name: str) -> tuple[int, ...]:
    """The shape of the model's output for one sample, probed on the first row of ``X`` in eval mode."""
    was_training, _ = model.training, model.eval()
    try:
        with torch.no_grad():
            return tuple(model(X[:1]).shape[1:])
    except RuntimeError as exc:
        raise ValueError(f"the model cannot be applied to {name} of shape {tuple(X.shape)}: {exc}") from exc
    finally:
        model.train(was_training)


def _targets(y: object, shape: tuple[int, ...], *, name: str, loss: str, dtype: torch.dtype) -> torch.Tensor:
    """``y`` checked by the NumPy engine's target checks (:data:`mlp_lab.scratch.losses.LOSSES`) against the
    model's output of ``shape`` ``(m, *out)``: int64 labels ``(m,)`` for cross-entropy (given as labels or
    one-hot rows), else targets of ``shape`` in the model's dtype."""
    if loss == "cross_entropy" and (len(shape) != 2 or shape[1] < 2):
        raise ValueError(f"loss='cross_entropy' needs the model to output K >= 2 logits per sample, shape "
                         f"(m, K); it outputs shape {shape}")
    Y = TARGETS[loss].check_targets(y, shape, name=name)  # one-hot rows (m, K) for cross-entropy
    return torch.as_tensor(Y.argmax(axis=1)) if loss == "cross_entropy" else torch.as_tensor(Y, dtype=dtype)


def _data(model: nn.Module, X: object, y: object, *, names: tuple[str, str], loss: str, dtype: torch.dtype,
          dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, y)`` as tensors on ``dev``, checked against each other and against the model's output."""
    X, y = (a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a for a in (X, y))
    X = torch.as_tensor(as_float_array(X, name=names[0], ndim=2), dtype=dtype, device=dev)  # (m, n_0)
    y = _targets(y, (len(X), *_output_shape(model, X, names[0])), name=names[1], loss=loss, dtype=dtype)
    return X, y.to(dev)


# ----------------------------------------------------------------------------- one epoch


def _batches(X: torch.Tensor, y: torch.Tensor, batch_size: int | None, gen: torch.Generator, *, rank: int, world: int):
    """This epoch's batches ``(xb, yb, share)``: slices of one random permutation, or all the data in order.

    In a job of ``world`` ranks, ``(xb, yb)`` is this rank's shard :math:`B_r` of the batch and
    ``share`` is :math:`|B_r| / |B|`; in one process the whole batch and 1.
    """
    perm = None if batch_size is None else torch.randperm(len(X), generator=gen).to(X.device)  # (m,) any device
    batches = [(X, y)] if perm is None else zip(X[perm].split(batch_size), y[perm].split(batch_size), strict=True)
    for xb, yb in batches:
        x_r, y_r = (xb, yb) if world == 1 else (xb.tensor_split(world)[rank], yb.tensor_split(world)[rank])
        yield x_r, y_r, len(x_r) / len(xb)  # this rank's shard B_r and |B_r| / |B| (1.0 in one process)


def _accuracy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The fraction of samples whose largest logit (or, for one logit, its sign) gives the class."""
    correct = out.argmax(dim=1) == y if out.ndim == 2 and out.shape[1] > 1 else (out >= 0) == (y >= 0.5)
    return correct.to(out.dtype).mean()  # logit >= 0  <=>  sigmoid(logit) >= 0.5


def _epoch(net: nn.Module, opt: torch.optim.Optimizer, loss: str, batches, weights: torch.Tensor | None, *,
           train: tuple, val: tuple | None, metrics: tuple[str, ...], world: int) -> list[float]:
    r"""Train one epoch (one step per batch), then evaluate: ``[loss, accuracy, val_loss, val_accuracy]``.

    The training loss is the batch losses :math:`J_B` (each computed before its step; in a job of
    ``world`` ranks, the sum over the ranks of :math:`\tfrac{|B_r|}{|B|} J_{B_r}`, one all-reduce
    per epoch) weighted by ``weights`` (|B| / m); the rest is measured after the epoch's last
    step. One read from the device.
    """
    if not net.training:  # model.train() walks every submodule: a cost per epoch when nothing changes
        net.train()
    losses = []
    for xb, yb, share in batches:
        J = LOSSES[loss](net(xb), yb)  # J_B: mean over the batch (in DDP, over this rank's shard)
        opt.zero_grad(set_to_none=True)
        (J if world == 1 else J * (world * share)).backward()  # DDP then averages the ranks' gradients
        opt.step()
        losses.append(J.detach() if world == 1 else J.detach() * share)  # one process: share is 1
    if weights is None and world == 1:  # full batch in one process: the one J_B (no per-epoch stacking)
        values = losses
    else:
        losses = torch.stack(losses)  # (n_batches,) on the device
        if world > 1:
            torch.distributed.all_reduce(losses)  # summed over the ranks: each batch's J_B
        values = [losses[0] if weights is None else losses @ weights]
    if metrics or val:
        model = getattr(net, "module", net).eval()  # under DDP, the wrapped model
        with torch.no_grad():
            for X, y, is_val in [(*train, False), *([(*val, True)] if val else [])]:
                out = model(X)
                values += ([LOSSES[loss](out, y)] if is_val else []) + ([_accuracy(out, y)] if metrics else [])
    return torch.stack(values).tolist()


# ----------------------------------------------------------------------------- fit


#: What each scalar argument of :func:`fit` accepts.
_CONSTRAINTS = {"loss": [Options(LOSSES)], "optimizer": [Options(OPTIMIZERS)], "lr": POSITIVE, "epochs": POSITIVE_INT,
                "batch_size": [*POSITIVE_INT, None], "weight_decay": NONNEGATIVE, "seed": SEED}


def _check_options(*, metrics, **options) -> dict[str, Any]:
    """:func:`fit`'s scalar options, checked and normalised, by name (what :attr:`History.params` records)."""
    validate(_CONSTRAINTS, **options)
    allowed = () if options["loss"] == "mse" else ("accuracy",)  # accuracy needs a classification loss
    metrics = allowed if metrics is None else tuple([metrics] if isinstance(metrics, str) else metrics)
    if any(name not in allowed for name in metrics):
        expected = "('accuracy',) or ()" if allowed else "() (accuracy needs a classification loss)"
        raise ValueError(f"metrics must be {expected} for loss={options['loss']!r}; got {metrics}")
    casts = {"lr": float, "epochs": int, "weight_decay": float, "seed": int}
    return {**options, **{k: cast(options[k]) for k, cast in casts.items()}, "metrics": allowed if metrics else (),
            "batch_size": options["batch_size"] and int(options["batch_size"])}


def fit(model: nn.Module, X: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor, *, loss: str,
        optimizer: str = "adam", lr: float, epochs: int, batch_size: int | None = None, weight_decay: float = 0.0,
        X_val: np.ndarray | torch.Tensor | None = None, y_val: np.ndarray | torch.Tensor | None = None,
        metrics: Sequence[str] | None = None, seed: int = 0, device: str | torch.device = "auto") -> History:
    """Train ``model`` in place on ``(X, y)``; return the per-epoch :class:`History`.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place and moved to ``device``. Its parameters' dtype is the data's: a default
        (float32) model trains on float32 copies of ``X`` and ``y``, a ``.double()`` one in float64.
    X : array_like or Tensor of shape (m, n_0)
        Training inputs, rows are samples.
    y : array_like or Tensor of shape (m,) or (m, d)
        0/1 targets (or probabilities) for ``"bce"``, integer labels (or one-hot rows) for
        ``"cross_entropy"``, real values for ``"mse"``; checked by the NumPy engine's target checks
        (:data:`mlp_lab.scratch.losses.LOSSES`), so both engines accept the same targets.
    loss : {"bce", "cross_entropy", "mse"}
        :func:`~torch.nn.functional.binary_cross_entropy_with_logits` (the model outputs one
        *logit* per sample, no sigmoid at the end), :func:`~torch.nn.functional.cross_entropy`
        (logits of shape (m, K)) or :func:`~torch.nn.functional.mse_loss`.
    optimizer : {"adam", "adamw", "sgd"}
        :class:`torch.optim.Adam` (Kingma & Ba, 2015; :math:`\\beta_1 = 0.9, \\beta_2 = 0.999,
        \\epsilon = 10^{-8}`), :class:`~torch.optim.AdamW` or :class:`~torch.optim.SGD`, built by
        :func:`make_optimizer`.
    lr : float
        Learning rate, > 0.
    epochs : int
        Passes over the training data, >= 1.
    batch_size : int, optional
        Samples per step. ``None`` (or >= m): one full-batch step per epoch, data in order;
        otherwise the data are shuffled each epoch and the last batch may be smaller.
    weight_decay : float
        On the weight matrices only, not the biases. ``"adam"``/``"sgd"``: coupled, the gradient
        of ``(weight_decay / 2) * sum(W**2)`` added to the loss's; scikit-learn's ``alpha`` is
        ``weight_decay = alpha / batch_size``. ``"adamw"``: decoupled (Loshchilov & Hutter).
    X_val, y_val : array_like or Tensor, optional
        Validation data, given together: their loss (and accuracy) is recorded each epoch.
    metrics : sequence of str, optional
        ``("accuracy",)`` (the default for ``"bce"``, logit >= 0 predicts 1, and for
        ``"cross_entropy"``, argmax) or ``()``. ``"mse"`` has none.
    seed : int
        Seeds the shuffling (a CPU :class:`torch.Generator`, so a CUDA run sees the same batches)
        and, inside :func:`torch.random.fork_rng`, any randomness of the model (dropout), leaving
        the caller's global RNG alone. On the CPU the same inputs and seed give identical results.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
        ``"auto"``: CUDA when available, else the CPU.

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``; ``params`` holds the settings.

    Raises
    ------
    TrainingDiverged
        A :class:`FloatingPointError`: the training or validation loss, or a parameter after the
        last step, is NaN or infinite. The message names the epoch and suggests a lower ``lr``.
    TypeError, ValueError
        For invalid arguments, naming the argument, what was expected and what came.
    """
    dtype = _check_model(model)
    run = _check_options(loss=loss, optimizer=optimizer, lr=lr, epochs=epochs, batch_size=batch_size,
                         weight_decay=weight_decay, metrics=metrics, seed=seed)
    loss, metrics, dev = run["loss"], run["metrics"], resolve_device(device)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together (or neither)")
    model.to(dev)
    X, y = _data(model, X, y, names=("X", "y"), loss=loss, dtype=dtype, dev=dev)
    val = X_val if X_val is None else _data(model, X_val, y_val, names=("X_val", "y_val"), loss=loss, dtype=dtype,
                                            dev=dev)
    m = len(X)
    batch_size = None if run["batch_size"] is None or run["batch_size"] >= m else run["batch_size"]
    weights = None if batch_size is None else torch.tensor(  # (n_batches,) |B| / m
        [min(batch_size, m - i) for i in range(0, m, batch_size)], dtype=dtype, device=dev) / m
    ddp = torch.distributed.is_available() and torch.distributed.is_initialized()
    rank, world = (torch.distributed.get_rank(), torch.distributed.get_world_size()) if ddp else (0, 1)
    net = nn.parallel.DistributedDataParallel(model) if ddp else model  # DDP broadcasts rank 0's weights
    opt = make_optimizer(run["optimizer"], [p for p in model.parameters() if p.requires_grad], lr=run["lr"],
                         weight_decay=run["weight_decay"])
    gen = torch.Generator().manual_seed(run["seed"])  # on the CPU: the same batches on any device
    names = ["loss", *metrics, *(["val_loss", *(f"val_{n}" for n in metrics)] if val else [])]
    rows, was_training = [], model.training
    cuda = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(run["seed"])
            for epoch in range(1, run["epochs"] + 1):
                batches = _batches(X, y, batch_size, gen, rank=rank, world=world)
                values = _epoch(net, opt, loss, batches, weights, train=(X, y), val=val, metrics=metrics, world=world)
                rows.append({"epoch": epoch, **dict(zip(names, values, strict=True))})
                for name, what in (("loss", "training loss"), ("val_loss", "validation loss")):
                    if not math.isfinite(rows[-1].get(name, 0.0)):
                        raise TrainingDiverged(epoch=epoch, value=rows[-1][name], lr=run["lr"], what=what)
    finally:
        model.train(was_training)
        opt.zero_grad(set_to_none=True)  # leave no .grad behind
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):  # the last step is in no loss
        raise TrainingDiverged(epoch=epoch, value=float("nan"), lr=run["lr"],
                               what="model (a parameter after the last step)")
    columns = {n: [r[n] for r in rows] for n in ["epoch", "loss", *(["val_loss"] if val else []), *names[1:]]}
    return History(columns, params={**run, "batch_size": batch_size, "device": str(dev), "n_samples": m,
                                    "dtype": str(dtype).removeprefix("torch."), "world_size": world,
                                    "fused": bool(opt.defaults.get("fused"))})
