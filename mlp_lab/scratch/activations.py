r"""Activation functions :math:`g` and their derivatives :math:`g'`, in one table.

Every function acts elementwise and returns a new array of the input's shape; ints and bools
become float64. ``A = g(Z)`` is a layer's output; the backward pass multiplies by the derivative,
:math:`dZ = dA \odot g'(Z)` (chapter 3). Each derivative is given twice, as chapter 3 derives it:
from the pre-activation ``Z`` (``g_prime``) and from the output ``A = g(Z)`` (``g_prime_from_A``:
:math:`\mathbb 1[a > 0]`, :math:`a(1 - a)`, :math:`1 - a^2`, :math:`1`), the same numbers without
recomputing ``exp`` or ``tanh``. :data:`ACTIVATIONS` maps a name to an :class:`Activation`, which
unpacks as the pair ``g, g_prime = ACTIVATIONS[name]``.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_lab._validation import check_choice

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "identity", "identity_grad", "relu", "relu_grad",
           "sigmoid", "sigmoid_grad", "tanh", "tanh_grad"]


def _as_float(Z: np.ndarray) -> np.ndarray:
    """``Z`` as a floating array (ints and bools become float64; floats keep their dtype)."""
    Z = np.asarray(Z)
    return Z if Z.dtype.kind == "f" else Z.astype(np.float64)


def relu(Z: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit, :math:`g(z) = \max(0, z)`."""
    return np.maximum(_as_float(Z), 0.0)


def relu_grad(Z: np.ndarray) -> np.ndarray:
    r""":math:`g'(z) = \mathbb 1[z > 0]`; at the kink :math:`g'(0) = 0`, PyTorch's choice."""
    Z = _as_float(Z)
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid without overflow.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}
              = \begin{cases} 1 / (1 + e^{-|z|}) & z \ge 0 \\ e^{-|z|} / (1 + e^{-|z|}) & z < 0 \end{cases}

    Both branches only evaluate :math:`e^{-|z|} \in (0, 1]`, so :math:`z = \pm 10^4` gives 1 and a
    tiny positive number with no warning, where ``1 / (1 + np.exp(-z))`` overflows.
    """
    Z = _as_float(Z)
    E = np.exp(-np.abs(Z))  # e^{-|z|}, in (0, 1]
    denom = 1.0 + E
    return np.where(Z >= 0, 1.0 / denom, E / denom)


def sigmoid_grad(Z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`."""
    S = sigmoid(Z)
    return S * (1.0 - S)


def tanh(Z: np.ndarray) -> np.ndarray:
    r""":math:`g(z) = \tanh z`; ``np.tanh`` saturates to :math:`\pm 1` without overflow."""
    return np.tanh(_as_float(Z))


def tanh_grad(Z: np.ndarray) -> np.ndarray:
    r""":math:`g'(z) = 1 - \tanh^2 z`."""
    T = np.tanh(_as_float(Z))
    return 1.0 - T * T


def identity(Z: np.ndarray) -> np.ndarray:
    r""":math:`g(z) = z`, as a copy (changing the output never changes ``Z``)."""
    return _as_float(Z).copy()


def identity_grad(Z: np.ndarray) -> np.ndarray:
    r""":math:`g'(z) = 1`."""
    return np.ones_like(_as_float(Z))


@dataclass(frozen=True)
class Activation:
    """One row of :data:`ACTIVATIONS`: ``g``, ``g'`` from ``Z`` and ``g'`` from ``A = g(Z)``.

    Unpacks (and indexes) as the pair ``(g, g_prime)``, the form chapter 3's ``backprop`` takes.
    """

    g: Callable[[np.ndarray], np.ndarray]
    g_prime: Callable[[np.ndarray], np.ndarray]
    g_prime_from_A: Callable[[np.ndarray], np.ndarray]

    def __iter__(self):
        return iter((self.g, self.g_prime))

    def __getitem__(self, i: int) -> Callable[[np.ndarray], np.ndarray]:
        return (self.g, self.g_prime)[i]


#: Name -> :class:`Activation` ``(g, g_prime, g_prime_from_A)``.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_grad, lambda A: (A > 0).astype(A.dtype)),  # 1[a > 0]
    "sigmoid": Activation(sigmoid, sigmoid_grad, lambda A: A * (1.0 - A)),  # a (1 - a)
    "tanh": Activation(tanh, tanh_grad, lambda A: 1.0 - A * A),  # 1 - a^2
    "identity": Activation(identity, identity_grad, np.ones_like),  # 1
}


def get_activation(name: str) -> Activation:
    """The :class:`Activation` registered under ``name`` (unpacks as ``g, g_prime``); ValueError if unknown."""
    return ACTIVATIONS[check_choice(name, name="activation", choices=ACTIVATIONS)]
