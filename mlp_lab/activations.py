"""Activation functions :math:`g` and their derivatives :math:`g'`, side by side.

Every function acts elementwise on the pre-activation ``Z`` (any shape) and returns an
array of the same shape; ``A = g(Z)`` is a layer's output and ``g'(Z)`` is what the
backward pass multiplies by, ``dZ = dA * g'(Z)``. The derivatives take ``Z``, not ``A``,
so that each one reads exactly like its formula.

The functions are pure (they never modify their input) and do no validation beyond
turning non-float input into float64: they sit inside training loops. NaN in gives NaN
out. :data:`ACTIVATIONS` maps a name to its pair ``(g, g_prime)``, the lookup table used
by :class:`mlp_lab.scratch.MLP`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlp_lab._validation import check_choice

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "identity",
    "identity_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
]

Activation = Callable[[np.ndarray], np.ndarray]


def _as_float(Z: np.ndarray) -> np.ndarray:
    """``Z`` as a floating array (ints and bools become float64; floats keep their dtype)."""
    Z = np.asarray(Z)
    return Z if Z.dtype.kind == "f" else Z.astype(np.float64)


def relu(Z: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit.

    .. math:: g(z) = \max(0, z)

    Parameters
    ----------
    Z : ndarray of any shape
        Pre-activations.

    Returns
    -------
    ndarray of the same shape as ``Z``
    """
    return np.maximum(_as_float(Z), 0.0)


def relu_grad(Z: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`relu`.

    .. math:: g'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}

    At the kink :math:`z = 0` we use :math:`g'(0) = 0`, the same choice as PyTorch.
    """
    Z = _as_float(Z)
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid, computed without overflow.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}
              = \begin{cases} \dfrac{1}{1 + e^{-|z|}} & z \ge 0 \\[1ex]
                              \dfrac{e^{-|z|}}{1 + e^{-|z|}} & z < 0 \end{cases}

    Both branches only evaluate :math:`e^{-|z|} \in (0, 1]`, which cannot overflow, so
    :math:`z = \pm 10^4` gives exactly 1 and a tiny (possibly 0) positive number with no
    ``RuntimeWarning``, where the naive ``1 / (1 + np.exp(-z))`` overflows.
    """
    Z = _as_float(Z)
    E = np.exp(-np.abs(Z))  # e^{-|z|}, in (0, 1]
    denom = 1.0 + E
    return np.where(Z >= 0, 1.0 / denom, E / denom)


def sigmoid_grad(Z: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`sigmoid`.

    .. math:: \sigma'(z) = \sigma(z)\,(1 - \sigma(z))
    """
    S = sigmoid(Z)
    return S * (1.0 - S)


def tanh(Z: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent.

    .. math:: g(z) = \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}

    ``np.tanh`` saturates to :math:`\pm 1` without overflow.
    """
    return np.tanh(_as_float(Z))


def tanh_grad(Z: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`tanh`.

    .. math:: g'(z) = 1 - \tanh^2 z
    """
    T = np.tanh(_as_float(Z))
    return 1.0 - T * T


def identity(Z: np.ndarray) -> np.ndarray:
    r"""Identity (linear) activation.

    .. math:: g(z) = z

    Returns a copy, so that changing the output never changes ``Z``.
    """
    return _as_float(Z).copy()


def identity_grad(Z: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`identity`.

    .. math:: g'(z) = 1
    """
    return np.ones_like(_as_float(Z))


ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "identity": (identity, identity_grad),
}
"""Name -> ``(g, g_prime)``; ``g_prime`` takes the pre-activation ``Z``."""


def get_activation(name: str) -> tuple[Activation, Activation]:
    """Return the pair ``(g, g_prime)`` registered under ``name`` in :data:`ACTIVATIONS`.

    Raises
    ------
    ValueError
        If ``name`` is not one of ``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"``.
    """
    check_choice(name, name="activation", choices=ACTIVATIONS)
    return ACTIVATIONS[name]
