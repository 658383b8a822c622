r"""Losses on a batch, and their gradients with respect to the network's output.

Shapes follow the course convention: rows are samples. ``Z`` holds logits (the last
layer's pre-activations), ``(m, K)`` for ``K`` classes; binary logits ``z`` are ``(m,)``
or ``(m, 1)``. Every loss is a **mean** over the batch, so every gradient already
carries the factor :math:`1/m` (for :func:`mse`, :math:`1/N` with :math:`N` the number
of entries); the backward pass starts from it as is.

Stability is built in: :func:`softmax` shifts by the row maximum, :func:`log_softmax`
uses log-sum-exp and the binary loss uses the softplus form, so logits as large as
:math:`|z| = 10^4` give finite, correct values without warnings.

The public functions validate their inputs and raise :class:`ValueError` or
:class:`TypeError` naming the argument. :data:`LOSSES` is the table a training loop uses
instead: ``name -> (check_targets, value_and_grad)``, where ``check_targets(y, shape)``
validates the targets once for logits of ``shape`` and ``value_and_grad(Z, Y)`` returns the
loss and its gradient from one pass with no checks (:class:`mlp_lab.scratch.MLP` uses it).

Argument order: every loss here takes the network's output first and the targets second,
``loss(Z, y)`` / ``mse(y_hat, y)``, as ``torch.nn.functional`` does (``input, target``).
The metrics of :mod:`mlp_lab.metrics` take them the other way round,
``metric(y_true, y_pred)``, as scikit-learn does; the names say which is which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from mlp_lab._validation import as_float_array, as_labels
from mlp_lab.activations import sigmoid

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "log_softmax",
    "mse",
    "mse_grad",
    "softmax",
]


# --------------------------------------------------------------------------- softmax


def softmax(Z: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis, shifted by the maximum so ``exp`` cannot overflow.

    .. math:: \operatorname{softmax}(\mathbf z)_k
              = \frac{e^{z_k - \max_j z_j}}{\sum_{i} e^{z_i - \max_j z_j}}
              = \frac{e^{z_k}}{\sum_i e^{z_i}}

    Parameters
    ----------
    Z : ndarray of shape (m, K) or (K,)
        Logits, one row per sample. Must be finite.

    Returns
    -------
    ndarray of the same shape
        Probabilities; each row sums to 1.
    """
    Z = as_float_array(Z, name="Z", ndim=(1, 2))
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))  # (m, K), entries in (0, 1]
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    r"""Logarithm of :func:`softmax`, by log-sum-exp (never ``log(0)``).

    .. math:: \log \operatorname{softmax}(\mathbf z)_k
              = (z_k - c) - \log \sum_i e^{z_i - c}, \qquad c = \max_j z_j

    Parameters
    ----------
    Z : ndarray of shape (m, K) or (K,)
        Logits. Must be finite.

    Returns
    -------
    ndarray of the same shape
        Log-probabilities (all :math:`\le 0`, finite even for :math:`|z| = 10^4`).
    """
    Z = as_float_array(Z, name="Z", ndim=(1, 2))
    shifted = Z - Z.max(axis=-1, keepdims=True)  # (m, K), max is 0
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ---------------------------------------------------------------------- cross-entropy


def _check_ce_targets(y: object, *, m: int, K: int) -> np.ndarray:
    """Validate cross-entropy targets for ``m`` samples and ``K`` classes.

    Returns int64 labels of shape (m,), or a float one-hot matrix of shape (m, K).
    """
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        labels = as_labels(y_arr, name="y", n_classes=K)
        if len(labels) != m:
            raise ValueError(f"y must hold one label per sample: {m} samples (rows of Z), got {len(labels)}")
        return labels
    if y_arr.ndim == 2:
        Y = as_float_array(y_arr, name="y", ndim=2)
        if Y.shape != (m, K):
            raise ValueError(f"y given as one-hot must have shape (m, K) = {(m, K)}, got shape {Y.shape}")
        if not np.all((Y == 0) | (Y == 1)):
            bad = Y[(Y != 0) & (Y != 1)][0]
            raise ValueError(f"y given as one-hot must hold only 0 and 1, got e.g. {bad}")
        row_sums = Y.sum(axis=1)  # (m,)
        if not np.all(row_sums == 1):
            i = int(np.flatnonzero(row_sums != 1)[0])
            raise ValueError(
                f"each row of one-hot y must sum to 1 (exactly one 1), but row {i} sums to {row_sums[i]:g}"
            )
        return Y
    raise ValueError(
        f"y must be integer labels of shape (m,) or one-hot of shape (m, K), got shape {y_arr.shape}"
    )


def _check_ce(Z: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate logits ``Z`` (m, K) and targets ``y`` (see :func:`_check_ce_targets`)."""
    Z = as_float_array(Z, name="Z", ndim=2)
    return Z, _check_ce_targets(y, m=Z.shape[0], K=Z.shape[1])


def _cross_entropy_with_grad(Z: np.ndarray, y: np.ndarray, with_loss: bool = True) -> tuple[float, np.ndarray]:
    """Loss and gradient of :func:`cross_entropy` in one pass; inputs as returned by ``_check_ce``.

    With ``with_loss=False`` only the gradient is computed and the loss is returned as NaN
    (for training loops that never look at it).
    """
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)  # (m, K)
    E = np.exp(shifted)  # (m, K)
    s = E.sum(axis=1, keepdims=True)  # (m, 1)
    loss = math.nan
    if with_loss:
        log_s = np.log(s)  # (m, 1)
    P = E
    P /= s  # (m, K) softmax, in place
    if y.ndim == 1:
        rows = np.arange(m)
        if with_loss:
            loss = float(np.mean(log_s[:, 0] - shifted[rows, y]))
        dZ = P
        dZ[rows, y] -= 1.0
    else:
        if with_loss:
            loss = float(np.sum(log_s[:, 0]) - np.vdot(y, shifted)) / m  # rows of y sum to 1
        dZ = P
        dZ -= y
    dZ /= m  # (m, K)
    return loss, dZ


def cross_entropy(Z: np.ndarray, y: np.ndarray) -> float:
    r"""Mean softmax cross-entropy of logits ``Z`` against classes ``y``.

    .. math:: J = -\frac{1}{m} \sum_{i=1}^{m} \sum_{k=1}^{K} y_{ik}
                  \log \operatorname{softmax}(\mathbf z_i)_k
                = \frac{1}{m} \sum_{i=1}^{m}
                  \Bigl(\log \sum_k e^{z_{ik}} - z_{i, y_i}\Bigr)

    computed with log-sum-exp, as :func:`torch.nn.functional.cross_entropy` does.

    Parameters
    ----------
    Z : ndarray of shape (m, K)
        Logits.
    y : ndarray of shape (m,) or (m, K)
        Integer labels in ``0..K-1``, or one-hot rows (0/1 entries, each row summing to 1).

    Returns
    -------
    float
    """
    Z, y = _check_ce(Z, y)
    return _cross_entropy_with_grad(Z, y)[0]


def cross_entropy_grad(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math:: \frac{\partial J}{\partial Z} = \frac{1}{m}\bigl(\operatorname{softmax}(Z) - Y\bigr)

    with :math:`Y` the one-hot matrix of ``y``. Shape ``(m, K)``, like ``Z``.
    """
    Z, y = _check_ce(Z, y)
    return _cross_entropy_with_grad(Z, y)[1]


# ------------------------------------------------------------- binary cross-entropy


def _check_bce_targets(y: object, *, m: int) -> np.ndarray:
    """Validate ``m`` binary targets in [0, 1], shape (m,) or (m, 1); returns them as given."""
    y = as_float_array(y, name="y", ndim=(1, 2))
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"y must be binary targets of shape (m,) or (m, 1), got shape {y.shape}")
    if len(y) != m:
        raise ValueError(f"y must hold one target per sample: {m} logits, got {len(y)} targets")
    if np.any((y < 0) | (y > 1)):
        bad = y[(y < 0) | (y > 1)][0]
        raise ValueError(f"y must hold targets in [0, 1] (probabilities of class 1), got {bad}")
    return y


def _check_bce(z: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate binary logits ``z`` ((m,) or (m, 1)) and targets ``y``; ``y`` gets ``z``'s shape."""
    z = as_float_array(z, name="z", ndim=(1, 2))
    if z.ndim == 2 and z.shape[1] != 1:
        raise ValueError(f"z must be binary logits of shape (m,) or (m, 1), got shape {z.shape}")
    y = _check_bce_targets(y, m=len(z))
    return z, y.reshape(z.shape)


def _bce_with_grad(z: np.ndarray, y: np.ndarray, with_loss: bool = True) -> tuple[float, np.ndarray]:
    """Loss and gradient of :func:`binary_cross_entropy_with_logits`; ``y`` has ``z``'s shape.

    With ``with_loss=False`` the loss is not computed and returned as NaN.
    """
    m = z.size
    loss = math.nan
    if with_loss:
        loss = float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    dz = sigmoid(z)
    dz -= y
    dz /= m
    return loss, dz


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    r"""Mean binary cross-entropy of logits ``z`` against targets ``y``, in softplus form.

    With :math:`\sigma` the sigmoid,

    .. math:: J = -\frac{1}{m}\sum_{i=1}^m \bigl(y_i \log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))\bigr)
                = \frac{1}{m}\sum_{i=1}^m \Bigl(\max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr)\Bigr)

    The right-hand form never takes ``log(0)`` nor overflows ``exp`` (the same as
    :func:`torch.nn.functional.binary_cross_entropy_with_logits`).

    Parameters
    ----------
    z : ndarray of shape (m,) or (m, 1)
        Logits of class 1.
    y : ndarray of shape (m,) or (m, 1)
        Targets in :math:`[0, 1]` (usually 0/1 labels), as many as ``z``.

    Returns
    -------
    float
    """
    z, y = _check_bce(z, y)
    return _bce_with_grad(z, y)[0]


def binary_cross_entropy_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``z``.

    .. math:: \frac{\partial J}{\partial z_i} = \frac{1}{m}\bigl(\sigma(z_i) - y_i\bigr)

    Same shape as ``z``.
    """
    z, y = _check_bce(z, y)
    return _bce_with_grad(z, y)[1]


# ------------------------------------------------------------------ mean squared error


def _check_mse_targets(y: object, *, shape: tuple[int, ...]) -> np.ndarray:
    """Validate regression targets against predictions of ``shape``; returns ``y`` in that shape.

    Shapes must be equal, except that ``(m,)`` and ``(m, 1)`` pair up element by element.
    """
    y = as_float_array(y, name="y", ndim=(1, 2))
    if y.shape != shape:
        m = shape[0]
        column_vs_flat = {y.shape, shape} == {(m,), (m, 1)}
        if not column_vs_flat:
            raise ValueError(
                f"y must have the shape of y_hat {shape} (or (m,) against (m, 1)), got shape {y.shape}"
            )
        y = y.reshape(shape)
    return y


def _check_mse(y_hat: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate predictions and targets; returns both, ``y`` in ``y_hat``'s shape."""
    y_hat = as_float_array(y_hat, name="y_hat", ndim=(1, 2))
    return y_hat, _check_mse_targets(y, shape=y_hat.shape)


def _mse_with_grad(y_hat: np.ndarray, y: np.ndarray, with_loss: bool = True) -> tuple[float, np.ndarray]:
    """Loss and gradient of :func:`mse`; ``y`` has ``y_hat``'s shape (loss NaN if not ``with_loss``)."""
    R = y_hat - y  # residuals, shape of y_hat
    loss = float(np.vdot(R, R)) / R.size if with_loss else math.nan
    R *= 2.0 / R.size
    return loss, R


def mse(y_hat: np.ndarray, y: np.ndarray) -> float:
    r"""Mean squared error over **all** entries (samples and outputs), prediction first (PyTorch's order).

    The metric :func:`mlp_lab.metrics.mse` takes ``(y_true, y_pred)``, truth first.

    .. math:: J = \frac{1}{N}\sum_{i=1}^{m}\sum_{k=1}^{K}\bigl(\hat y_{ik} - y_{ik}\bigr)^2,
              \qquad N = mK

    the same as ``torch.nn.MSELoss(reduction="mean")``. For one output per sample
    (:math:`K = 1`) it is the usual mean over samples. Shapes ``(m, 1)`` and ``(m,)``
    are paired element by element (never broadcast to ``(m, m)``).

    Parameters
    ----------
    y_hat : ndarray of shape (m,) or (m, K)
        Predictions.
    y : ndarray of the same shape
        Targets.

    Returns
    -------
    float
    """
    y_hat, y = _check_mse(y_hat, y)
    return _mse_with_grad(y_hat, y)[0]


def mse_grad(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`mse` with respect to ``y_hat``.

    .. math:: \frac{\partial J}{\partial \hat y_{ik}} = \frac{2}{N}\bigl(\hat y_{ik} - y_{ik}\bigr)

    with the same :math:`N = mK` as the loss. Same shape as ``y_hat``.
    """
    y_hat, y = _check_mse(y_hat, y)
    return _mse_with_grad(y_hat, y)[1]


# --------------------------------------------------------------- the table for training loops


def _cross_entropy_targets(y: object, shape: tuple[int, int]) -> np.ndarray:
    """Targets for logits of ``shape = (m, K)``: int64 labels ``(m,)`` or a one-hot ``(m, K)``."""
    return _check_ce_targets(y, m=shape[0], K=shape[1])


def _bce_targets(y: object, shape: tuple[int, int]) -> np.ndarray:
    """Targets for binary logits of ``shape = (m, 1)``: floats in [0, 1] of shape ``(m, 1)``."""
    m, n_out = shape
    if n_out != 1:
        raise ValueError(
            f"loss='bce' needs 1 output unit (one logit per sample), but the logits have {n_out} columns; "
            "use loss='cross_entropy' for several classes"
        )
    return _check_bce_targets(y, m=m).reshape(m, 1)


def _mse_targets(y: object, shape: tuple[int, int]) -> np.ndarray:
    """Regression targets for predictions of ``shape = (m, K)``, returned in that shape."""
    Y = as_float_array(y, name="y", ndim=(1, 2))
    if len(Y) != shape[0]:
        raise ValueError(f"y must hold one target per sample: {shape[0]} rows of outputs, got {len(Y)}")
    return _check_mse_targets(Y, shape=shape)


class Loss(NamedTuple):
    """One entry of :data:`LOSSES`: the two functions a training loop needs for a loss."""

    check_targets: Callable[[object, tuple[int, int]], np.ndarray]
    """``check_targets(y, shape)``: validate ``y`` for logits of ``shape = (m, K)`` (raising
    ``ValueError``/``TypeError`` that names ``y``) and return it in the form ``value_and_grad``
    expects."""
    value_and_grad: Callable[..., tuple[float, np.ndarray]]
    """``value_and_grad(Z, Y, with_loss=True) -> (J, dZ)``: the mean loss and
    :math:`\\partial J / \\partial Z` (shape of ``Z``, the :math:`1/m` included) from one pass, no
    checks. ``Z`` is not modified. ``with_loss=False`` skips the value (returned as NaN)."""


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(_cross_entropy_targets, _cross_entropy_with_grad),
    "bce": Loss(_bce_targets, _bce_with_grad),
    "mse": Loss(_mse_targets, _mse_with_grad),
}
"""Name -> :class:`Loss` ``(check_targets, value_and_grad)``, applied to a network's logits ``Z``
``(m, K)``: ``"cross_entropy"`` (:func:`cross_entropy`, labels ``(m,)`` or one-hot ``(m, K)``),
``"bce"`` (:func:`binary_cross_entropy_with_logits`, ``K = 1``, targets in [0, 1]) and ``"mse"``
(:func:`mse`, targets ``(m, K)``, or ``(m,)`` when ``K = 1``). Validate once, then loop::

    Y = LOSSES[name].check_targets(y, Z.shape)
    J, dZ = LOSSES[name].value_and_grad(Z, Y)
"""
