r"""Losses on a batch and their gradients with respect to the network's output.

Rows are samples. ``Z`` holds logits ``(m, K)``; binary logits ``z`` are ``(m,)`` or ``(m, 1)``.
Every loss is a **mean** over the batch, so every gradient already carries the factor
:math:`1/m` (for :func:`mse`, :math:`1/N` with :math:`N` the number of entries): the backward
pass starts from it as is. Stability is built in: :func:`softmax` shifts by the row maximum,
:func:`log_softmax` and :func:`cross_entropy` use log-sum-exp and the binary loss the softplus
form, so logits of :math:`|z| = 10^4` give finite, correct values without warnings.

The public functions validate their inputs (errors name the argument). :data:`LOSSES` is the
table a network uses instead: ``name -> Loss(check_targets, value_and_grad)``; check the
targets once, then ``J, dZ = value_and_grad(Z, Y)`` is the maths alone.

Argument order: the network's output first, the targets second (``loss(Z, y)``, as
``torch.nn.functional``); the metrics of :mod:`mlp_lab.metrics` take ``(y_true, y_pred)``, as
scikit-learn does.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from mlp_lab._validation import as_float_array, as_labels
from mlp_lab.scratch.activations import sigmoid

__all__ = ["LOSSES", "Loss", "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
           "cross_entropy", "cross_entropy_grad", "log_softmax", "mse", "mse_grad", "softmax"]


def softmax(Z: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis, shifted by the maximum so ``exp`` cannot overflow.

    .. math:: \operatorname{softmax}(\mathbf z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_i e^{z_i - \max_j z_j}}
              = \frac{e^{z_k}}{\sum_i e^{z_i}}

    ``Z``: finite logits ``(m, K)`` or ``(K,)``; returns probabilities of the same shape, rows summing to 1.
    """
    Z = as_float_array(Z, name="Z", ndim=(1, 2))
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))  # (m, K), entries in (0, 1]
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    r"""Logarithm of :func:`softmax` by log-sum-exp (never ``log(0)``), same shapes.

    .. math:: \log \operatorname{softmax}(\mathbf z)_k = (z_k - c) - \log \sum_i e^{z_i - c}, \qquad c = \max_j z_j
    """
    Z = as_float_array(Z, name="Z", ndim=(1, 2))
    shifted = Z - Z.max(axis=-1, keepdims=True)  # (m, K), max is 0
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------------- the maths, no checks


def _cross_entropy(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Loss and :math:`\partial J / \partial Z = (\operatorname{softmax}(Z) - Y)/m`; ``Y``: one-hot ``(m, K)``."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)  # (m, K)
    E = np.exp(shifted)  # (m, K)
    s = E.sum(axis=1, keepdims=True)  # (m, 1)
    J = (np.sum(np.log(s)) - np.vdot(Y, shifted)) / m  # mean_i (log sum_k e^{z_ik} - z_{i, y_i})
    return float(J), (E / s - Y) / m  # (softmax(Z) - Y) / m, (m, K)


def _bce(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Loss (softplus form) and :math:`(\sigma(z) - y)/m`; ``y`` has ``z``'s shape."""
    J = float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    return J, (sigmoid(z) - y) / z.size


def _mse(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Loss and :math:`2(\hat y - y)/N`; ``y`` has ``y_hat``'s shape."""
    R = y_hat - y  # residuals
    return float(np.vdot(R, R)) / R.size, R * (2.0 / R.size)


# ------------------------------------------------------------------------------ target checks


def _ce_targets(y: object, shape: tuple[int, int], name: str = "y") -> np.ndarray:
    """One-hot rows ``(m, K)`` for logits of ``shape``, from labels ``(m,)`` or from one-hot rows of 0/1 summing
    to 1 (the form scikit-learn's ``LabelBinarizer`` gives its MLP)."""
    Y = as_float_array(y, name=name, ndim=(1, 2))
    if Y.ndim == 1:  # labels 0..K-1 -> one-hot rows
        Y = np.eye(shape[1])[as_labels(Y, name=name, n_classes=shape[1])]
    if Y.shape != shape:
        raise ValueError(f"{name} must be {shape[0]} labels or one-hot rows of shape {shape}, got shape {np.shape(y)}")
    if not np.all((Y == 0) | (Y == 1)) or not np.all(Y.sum(axis=1) == 1):
        raise ValueError(f"{name} given as one-hot must hold only 0 and 1, with exactly one 1 per row")
    return Y


def _bce_targets(y: object, shape: tuple[int, ...], name: str = "y") -> np.ndarray:
    """Targets in [0, 1] of ``shape`` (given as ``(m,)`` or ``(m, 1)``) for one logit per sample, ``shape``
    ``(m, 1)`` or ``(m,)``."""
    if shape[1:] not in ((), (1,)):
        raise ValueError(f"loss='bce' needs 1 output unit (one logit per sample), but the output has shape {shape}; "
                         "use loss='cross_entropy' for several classes")
    y = as_float_array(y, name=name, ndim=(1, 2))
    if (y.ndim == 2 and y.shape[1] != 1) or len(y) != shape[0]:
        raise ValueError(f"{name} must be {shape[0]} binary targets of shape (m,) or (m, 1), got shape {y.shape}")
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{name} must hold targets in [0, 1] (probabilities), got {y[(y < 0) | (y > 1)][0]}")
    return y.reshape(shape)


def _mse_targets(y: object, shape: tuple[int, ...], name: str = "y") -> np.ndarray:
    """Targets of ``shape``; ``(m,)`` and ``(m, 1)`` pair up element by element (never broadcast)."""
    y = as_float_array(y, name=name, ndim=(1, 2))
    if y.shape != shape and {y.shape, shape} != {(shape[0],), (shape[0], 1)}:
        raise ValueError(f"{name} must have the output's shape {shape} (or (m,) against (m, 1)), got shape {y.shape}")
    return y.reshape(shape)


class Loss(NamedTuple):
    """One row of :data:`LOSSES`: ``check_targets(y, shape, name="y")`` validates ``y`` once for a network
    output of ``shape`` (errors name the argument ``name``) and returns it in the form
    ``value_and_grad(Z, Y) -> (J, dZ)`` expects (no checks). :func:`mlp_lab.pytorch.fit` checks its
    targets with the same functions."""

    check_targets: Callable[..., np.ndarray]
    value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


#: Name -> :class:`Loss`, applied to a network's logits ``Z`` ``(m, K)``: ``"cross_entropy"``
#: (labels ``(m,)`` or one-hot), ``"bce"`` (``K = 1``, targets in [0, 1]), ``"mse"`` (targets ``(m, K)``,
#: or ``(m,)`` when ``K = 1``).
LOSSES: dict[str, Loss] = {"cross_entropy": Loss(_ce_targets, _cross_entropy), "bce": Loss(_bce_targets, _bce),
                           "mse": Loss(_mse_targets, _mse)}


# ---------------------------------------------------------------------------- public functions


def _checked(loss: str, out: object, y: object, *, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The network's output (the argument ``name``) as an array, and ``y`` through ``LOSSES[loss].check_targets``."""
    out = as_float_array(out, name=name, ndim=2 if loss == "cross_entropy" else (1, 2))
    if loss == "bce" and out.ndim == 2 and out.shape[1] != 1:
        raise ValueError(f"z must be binary logits of shape (m,) or (m, 1), got shape {out.shape}")
    return out, LOSSES[loss].check_targets(y, out.shape)


def cross_entropy(Z: np.ndarray, y: np.ndarray) -> float:
    r"""Mean softmax cross-entropy of logits ``Z`` ``(m, K)`` against ``y``, by log-sum-exp.

    .. math:: J = -\frac{1}{m} \sum_{i,k} y_{ik} \log \operatorname{softmax}(\mathbf z_i)_k
                = \frac{1}{m} \sum_{i=1}^{m} \Bigl(\log \sum_k e^{z_{ik}} - z_{i, y_i}\Bigr)

    ``y``: integer labels ``(m,)`` in ``0..K-1``, or one-hot rows ``(m, K)``. As
    :func:`torch.nn.functional.cross_entropy`.
    """
    return _cross_entropy(*_checked("cross_entropy", Z, y, name="Z"))[0]


def cross_entropy_grad(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy`, :math:`\frac{1}{m}(\operatorname{softmax}(Z) - Y)`, ``(m, K)``."""
    return _cross_entropy(*_checked("cross_entropy", Z, y, name="Z"))[1]


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    r"""Mean binary cross-entropy of logits ``z`` against targets ``y`` in [0, 1], in softplus form.

    .. math:: J = -\frac{1}{m}\sum_i \bigl(y_i \log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))\bigr)
                = \frac{1}{m}\sum_i \Bigl(\max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr)\Bigr)

    The right-hand form never takes ``log(0)`` nor overflows (as
    :func:`torch.nn.functional.binary_cross_entropy_with_logits`). ``z``, ``y``: ``(m,)`` or ``(m, 1)``.
    """
    return _bce(*_checked("bce", z, y, name="z"))[0]


def binary_cross_entropy_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial J / \partial z_i = \frac{1}{m}(\sigma(z_i) - y_i)`, the shape of ``z``."""
    return _bce(*_checked("bce", z, y, name="z"))[1]


def mse(y_hat: np.ndarray, y: np.ndarray) -> float:
    r"""Mean squared error over **all** entries, prediction first (PyTorch's order).

    .. math:: J = \frac{1}{N}\sum_{i=1}^{m}\sum_{k=1}^{K}\bigl(\hat y_{ik} - y_{ik}\bigr)^2, \qquad N = mK

    as ``torch.nn.MSELoss(reduction="mean")``. ``y_hat``, ``y``: ``(m,)`` or ``(m, K)``, the same
    shape, except that ``(m, 1)`` and ``(m,)`` pair up element by element (never broadcast to
    ``(m, m)``). The metric :func:`mlp_lab.metrics.mse` takes ``(y_true, y_pred)``.
    """
    return _mse(*_checked("mse", y_hat, y, name="y_hat"))[0]


def mse_grad(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial J / \partial \hat y_{ik} = \frac{2}{N}(\hat y_{ik} - y_{ik})`, the shape of ``y_hat``."""
    return _mse(*_checked("mse", y_hat, y, name="y_hat"))[1]
