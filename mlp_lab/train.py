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

Design for speed (small models are dominated by per-step overhead, not arithmetic):
the data are converted once to the model's dtype and device; each epoch draws one
permutation and slices the permuted tensors into batches (no ``DataLoader``); the
gradients come from :func:`torch.autograd.grad` (nothing accumulates in ``.grad``, so
there is nothing to zero) and go straight to torch.optim's functional update, fused
where the device supports it (see :class:`_Update`); batch losses stay on the device and
the host reads them once per epoch (no ``.item()`` per step). The library never changes
``torch.set_num_threads``.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
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
)

__all__ = [
    "LOSSES",
    "METRICS",
    "OPTIMIZERS",
    "History",
    "TrainingDiverged",
    "fit",
    "resolve_device",
]

_log = logging.getLogger(__name__)

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


class History:
    """Per-epoch record of a :func:`fit` run.

    Columns (lists with one value per epoch, epochs numbered from 1):

    ``epoch``
        1, 2, ..., ``epochs``.
    ``loss``
        Mean training loss over the epoch's batches, each computed before its step.
    ``val_loss``
        Validation loss after the epoch's last step (only with validation data).
    ``<metric>`` / ``val_<metric>``
        Each requested metric on the training / validation data after the epoch.

    ``params`` holds the settings of the run (loss, optimizer, lr, device, dtype, ...).
    """

    def __init__(self, columns: dict[str, list[float]], *, params: dict[str, Any]) -> None:
        self._columns = {name: list(values) for name, values in columns.items()}
        self.params = dict(params)

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers, ``[1, 2, ..., epochs]``."""
        return [int(e) for e in self._columns["epoch"]]

    def keys(self) -> list[str]:
        """Column names, ``"epoch"`` first."""
        return list(self._columns)

    def __getitem__(self, name: str) -> list[float]:
        if name not in self._columns:
            raise KeyError(f"History has no column {name!r}; it has {', '.join(map(repr, self._columns))}")
        return list(self._columns[name])

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        return len(self._columns["epoch"])

    @property
    def final(self) -> dict[str, float]:
        """The last epoch's values, e.g. ``{"loss": 0.12, "accuracy": 1.0}`` (no ``epoch``)."""
        return {name: values[-1] for name, values in self._columns.items() if name != "epoch"}

    def as_dict(self) -> dict[str, list[float]]:
        """A copy of all columns as plain lists."""
        return {name: list(values) for name, values in self._columns.items()}

    def as_dataframe(self):  # -> pandas.DataFrame (pandas is optional)
        """The columns as a :class:`pandas.DataFrame` indexed by ``epoch``."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the course environment
            raise ImportError("History.as_dataframe() needs pandas; use History.as_dict() without it") from exc
        return pd.DataFrame(self.as_dict()).set_index("epoch")

    def plot(self, ax=None, *, metric: str = "loss", title: str | None = None):
        """Draw the training (and validation) curve of ``metric`` against the epoch.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when omitted.
        metric : str
            ``"loss"`` (default) or a recorded metric such as ``"accuracy"``.
        title : str, optional
            The axes title; a default naming the metric is used when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        if metric not in self._columns:
            raise ValueError(f"metric must be one of the recorded columns {self.keys()[1:]}; got {metric!r}")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.epochs, self._columns[metric], label=f"train {metric}")
        if f"val_{metric}" in self._columns:
            ax.plot(self.epochs, self._columns[f"val_{metric}"], label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(title if title is not None else f"{metric} per epoch")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.final.items())
        return f"History(epochs={len(self)}, {last})"


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


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must be in [0, 2**63), got {seed}")
    return int(seed)


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


_FUSED_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class _Update:
    """One optimizer step, :math:`\\theta \\leftarrow \\mathrm{step}(\\theta, g)`, for :func:`fit`.

    The arithmetic is torch.optim's own: the functional :func:`torch.optim.adam.adam`,
    :func:`torch.optim.adamw.adamw` and :func:`torch.optim.sgd.sgd` that
    ``torch.optim.Adam.step`` (etc.) call, with ``fused=True`` where the device has a fused
    kernel and PyTorch's default hyperparameters (``betas=(0.9, 0.999)``, ``eps=1e-8``, no
    dampening or Nesterov). Calling them directly skips the per-step bookkeeping of the
    ``Optimizer`` objects (hooks, profiling, state look-ups, re-grouping), which is a sizeable
    part of a step for small networks. Weight decay applies to the weight matrices only.
    """

    def __init__(
        self, name: str, params: list[nn.Parameter], *, lr: float, weight_decay: float, momentum: float
    ) -> None:
        from torch.optim.adam import adam
        from torch.optim.adamw import adamw
        from torch.optim.sgd import sgd

        self.name, self.lr, self.momentum = name, lr, momentum
        p0 = params[0]
        self.fused = p0.device.type in ("cpu", "cuda") and p0.dtype in _FUSED_DTYPES
        # Coupled decay (adam, sgd) adds ``weight_decay * W`` to the weights' gradients: done here
        # with one foreach call, so that a single fused update serves every parameter. Decoupled
        # decay (adamw) acts on the parameters inside the update: weights and biases then form
        # two groups, the biases with no decay.
        self.decay_idx = [i for i, p in enumerate(params) if p.ndim >= 2] if weight_decay > 0 else []
        self.decay_params = [params[i] for i in self.decay_idx]
        self.decay = weight_decay
        if weight_decay > 0 and name in ("adam", "sgd"):
            split = [(list(range(len(params))), 0.0)]
        elif weight_decay > 0:
            self.decay_idx = []
            split = [
                ([i for i, p in enumerate(params) if p.ndim >= 2], weight_decay),
                ([i for i, p in enumerate(params) if p.ndim < 2], 0.0),
            ]
            split = [(idx, wd) for idx, wd in split if idx]
        else:
            split = [(list(range(len(params))), 0.0)]
        self.whole = len(split) == 1
        self.groups: list[dict[str, Any]] = []
        for idx, wd in split:
            ps = [params[i] for i in idx]
            group: dict[str, Any] = {"idx": idx, "params": ps, "weight_decay": wd}
            if name in ("adam", "adamw"):
                step_device = p0.device if self.fused else torch.device("cpu")
                group["exp_avgs"] = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in ps]
                group["exp_avg_sqs"] = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in ps]
                group["steps"] = [torch.zeros((), dtype=torch.float32, device=step_device) for _ in ps]
            else:
                group["momentum_buffers"] = [None] * len(ps)  # filled in place by sgd() when momentum > 0
            self.groups.append(group)
        self._fn = {"adam": adam, "adamw": adamw, "sgd": sgd}[name]

    def __call__(self, grads: Sequence[torch.Tensor]) -> None:
        with torch.no_grad():
            if self.decay_idx:  # grads are fresh tensors from autograd.grad: safe to update in place
                torch._foreach_add_([grads[i] for i in self.decay_idx], self.decay_params, alpha=self.decay)
            for group in self.groups:
                g = list(grads) if self.whole else [grads[i] for i in group["idx"]]
                if self.name == "sgd":
                    self._fn(
                        group["params"], g, group["momentum_buffers"], fused=self.fused,
                        weight_decay=group["weight_decay"], momentum=self.momentum, lr=self.lr,
                        dampening=0.0, nesterov=False, maximize=False,
                    )
                else:
                    self._fn(
                        group["params"], g, group["exp_avgs"], group["exp_avg_sqs"], [], group["steps"],
                        fused=self.fused, amsgrad=False, beta1=0.9, beta2=0.999, lr=self.lr,
                        weight_decay=group["weight_decay"], eps=1e-8, maximize=False,
                    )


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
    progress: bool = False,
    log_every: int | None = None,
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
        The update of :class:`torch.optim.Adam`, :class:`~torch.optim.AdamW` or
        :class:`~torch.optim.SGD` with PyTorch's defaults besides ``lr``, ``weight_decay`` and
        ``momentum`` (bit-for-bit the same parameters as a loop using those classes with
        ``fused=True``), fused when the device and dtype have a fused kernel.
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
    progress : bool
        Show a ``tqdm`` progress bar over epochs with the current loss (off by default).
    log_every : int, optional
        Emit ``Epoch: N, Loss: x`` every ``log_every`` epochs through the ``logging``
        logger ``"mlp_lab.train"`` at INFO level (the library never prints).

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
    # ---- check everything up front, before any work
    params, dtype = _check_model(model)
    loss = check_choice(loss, name="loss", choices=LOSSES)
    optimizer = check_choice(optimizer, name="optimizer", choices=OPTIMIZERS)
    lr = check_positive(lr, name="lr")
    epochs = check_positive_int(epochs, name="epochs")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, name="batch_size")
    weight_decay = check_nonnegative(weight_decay, name="weight_decay")
    momentum = check_nonnegative(momentum, name="momentum")
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if momentum > 0 and optimizer != "sgd":
        raise ValueError(f"momentum applies to optimizer='sgd' only; got momentum={momentum} with {optimizer!r}")
    metric_names = _check_metrics(metrics, loss)
    seed = _check_seed(seed)
    if log_every is not None:
        log_every = check_positive_int(log_every, name="log_every")
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together (or neither)")
    dev = resolve_device(device)

    X_t = _features(X, name="X", dtype=dtype, device=dev)  # (m, n_0)
    y_t = _targets(y, name="y", loss=loss, dtype=dtype, device=dev)  # (m,) or (m, d)
    m = X_t.shape[0]
    if y_t.shape[0] != m:
        raise ValueError(f"arguments must have the same number of samples (rows): X has {m}, y has {y_t.shape[0]}")
    has_val = X_val is not None
    if has_val:
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

    # ---- move the model, then probe its output shape on two rows (no gradients, eval mode)
    was_training = model.training
    model.to(dev)
    model.eval()
    try:
        with torch.no_grad():
            out_shape = tuple(model(X_t[:2]).shape)
    except RuntimeError as exc:
        model.train(was_training)
        raise ValueError(f"the model cannot be applied to X of shape {tuple(X_t.shape)}: {exc}") from exc
    out_shape = (m, *out_shape[1:])
    y_t = _match_output(out_shape, y_t, loss=loss, name="y")
    if has_val:
        yv_t = _match_output((Xv_t.shape[0], *out_shape[1:]), yv_t, loss=loss, name="y_val")

    update = _Update(optimizer, params, lr=lr, weight_decay=weight_decay, momentum=momentum)
    loss_fn = LOSSES[loss]

    full_batch = batch_size is None or batch_size >= m
    bs = m if full_batch else batch_size
    n_full, rem = divmod(m, bs)
    sizes = [bs] * n_full + ([rem] if rem else [])
    batch_weights = torch.tensor(sizes, dtype=dtype, device=dev) / m  # (n_batches,)
    generator = torch.Generator(device="cpu").manual_seed(seed)

    columns: dict[str, list[float]] = {"epoch": [], "loss": []}
    if has_val:
        columns["val_loss"] = []
    for name in metric_names:
        columns[name] = []
        if has_val:
            columns[f"val_{name}"] = []

    bar = None
    if progress:
        from tqdm import tqdm  # optional dependency, only needed for the bar

        bar = tqdm(total=epochs, desc="fit", unit="epoch")

    cuda_devices = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(seed)
            for epoch in range(1, epochs + 1):
                model.train()
                if full_batch:
                    batches: Iterable[tuple[torch.Tensor, torch.Tensor]] = ((X_t, y_t),)
                else:
                    perm = torch.randperm(m, generator=generator).to(dev)  # (m,), same order on any device
                    batches = zip(X_t[perm].split(bs), y_t[perm].split(bs), strict=True)
                step_losses = []
                # The hot loop: no host syncs, nothing but forward, backward, step.
                for xb, yb in batches:
                    batch_loss = loss_fn(model(xb), yb)
                    grads = torch.autograd.grad(batch_loss, params, allow_unused=True, materialize_grads=True)
                    update(grads)
                    step_losses.append(batch_loss.detach())
                if full_batch:
                    scalars = [step_losses[0]]
                else:
                    scalars = [torch.dot(torch.stack(step_losses), batch_weights)]

                if metric_names or has_val:
                    model.eval()
                    with torch.no_grad():
                        if metric_names:
                            scalars += _evaluate(model, X_t, y_t, loss=loss, with_loss=False, metrics=metric_names)
                        if has_val:
                            scalars += _evaluate(model, Xv_t, yv_t, loss=loss, with_loss=True, metrics=metric_names)
                values = torch.stack(scalars).tolist()  # the one host sync of the epoch

                train_loss = values[0]
                if not math.isfinite(train_loss):
                    raise TrainingDiverged(epoch=epoch, value=train_loss, lr=lr)
                columns["epoch"].append(epoch)
                columns["loss"].append(train_loss)
                rest = iter(values[1:])
                for name in metric_names:
                    columns[name].append(next(rest))
                if has_val:
                    val_loss = next(rest)
                    if not math.isfinite(val_loss):
                        raise TrainingDiverged(epoch=epoch, value=val_loss, lr=lr, what="validation loss")
                    columns["val_loss"].append(val_loss)
                    for name in metric_names:
                        columns[f"val_{name}"].append(next(rest))
                if bar is not None:
                    bar.set_postfix(loss=f"{train_loss:.4g}", refresh=False)
                    bar.update()
                if log_every is not None and (epoch % log_every == 0 or epoch == epochs):
                    _log.info("Epoch: %d, Loss: %s", epoch, train_loss)

            # The last step's update is not seen by any loss above: check the parameters once.
            finite = torch.stack([torch.isfinite(p).all() for p in params]).all()
            if not bool(finite):
                raise TrainingDiverged(
                    epoch=epochs, value=float("nan"), lr=lr, what="model (a parameter after the last step)"
                )
    finally:
        if bar is not None:
            bar.close()
        model.train(was_training)

    run = {
        "loss": loss,
        "optimizer": optimizer,
        "lr": lr,
        "epochs": epochs,
        "batch_size": None if full_batch else bs,
        "weight_decay": weight_decay,
        "momentum": momentum,
        "metrics": metric_names,
        "seed": seed,
        "device": str(dev),
        "dtype": str(dtype).replace("torch.", ""),
        "fused": update.fused,
        "n_samples": m,
    }
    return History(columns, params=run)
