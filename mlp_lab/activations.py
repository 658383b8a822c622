"""Activation functions :math:`g` and their derivatives :math:`g'`, side by side.

Every function acts elementwise on the pre-activation ``Z`` (any shape) and returns an
array of the same shape; ``A = g(Z)`` is a layer's output and ``g'(Z)`` is what the
backward pass multiplies by, ``dZ = dA * g'(Z)``. The derivatives take ``Z``, not ``A``,
so that each one reads exactly like its formula.

The functions are pure (they never modify their input) and do no validation beyond
turning non-float input into float64: they sit inside training loops. NaN in gives NaN
out. :data:`ACTIVATIONS` maps a name to its pair ``(g, g_prime)``. At the end of the file,
:data:`KERNELS` holds the same functions in the form the training step of
:class:`mlp_lab.scratch.MLP` uses: ``g`` written into a preallocated array, and ``g'``
computed from the layer's output ``A = g(Z)`` (``1[a > 0]``, ``a(1 - a)``, ``1 - a^2``, ``1``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlp_lab._validation import check_choice

__all__ = [
    "ACTIVATIONS",
    "KERNELS",
    "get_activation",
    "identity",
    "identity_grad",
    "identity_grad_from_output",
    "identity_into",
    "relu",
    "relu_grad",
    "relu_grad_from_output",
    "relu_into",
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad_from_output",
    "sigmoid_into",
    "tanh",
    "tanh_grad",
    "tanh_grad_from_output",
    "tanh_into",
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


# ------------------------------------------------------------ the same, for a network's training step
#
# The backward pass of mlp_lab.scratch.MLP uses the same g and g', in two forms that save work:
# g writes into a preallocated array (a training step then allocates nothing), and g' is computed
# from the layer's OUTPUT A = g(Z), which the forward pass has kept, instead of from Z: no exp or
# tanh is recomputed (PyTorch's autograd does the same). tests/test_activations.py checks that
# g'(A) equals g'(Z) above.


def relu_into(Z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`relu` written into ``out`` (same shape as ``Z``; ``tmp`` unused)."""
    return np.maximum(Z, 0.0, out=out)


def sigmoid_into(Z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`sigmoid` written into ``out``, same numbers; ``tmp`` is scratch of ``Z``'s shape."""
    E = np.exp(np.negative(np.abs(Z, out=out), out=out), out=out)  # e^{-|z|}, in (0, 1]
    denom = np.add(E, 1.0, out=tmp)  # 1 + e^{-|z|}
    np.copyto(E, 1.0, where=Z >= 0)  # numerator: 1 for z >= 0, e^{-|z|} for z < 0
    return np.divide(E, denom, out=out)


def tanh_into(Z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`tanh` written into ``out`` (``tmp`` unused)."""
    return np.tanh(Z, out=out)


def identity_into(Z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`identity` without a copy: returns ``Z`` itself (the caller never writes to it)."""
    return Z


def relu_grad_from_output(A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`g'(z) = \mathbf 1[z > 0] = \mathbf 1[a > 0]`, from :math:`a = \max(0, z)`."""
    return np.greater(A, 0.0, out=np.empty_like(A) if out is None else out)


def sigmoid_grad_from_output(A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\sigma'(z) = a(1 - a)`, from :math:`a = \sigma(z)`."""
    one_minus_a = np.subtract(1.0, A, out=out)
    return np.multiply(one_minus_a, A, out=one_minus_a)


def tanh_grad_from_output(A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`g'(z) = 1 - a^2`, from :math:`a = \tanh z`."""
    a_squared = np.multiply(A, A, out=out)
    return np.subtract(1.0, a_squared, out=a_squared)


def identity_grad_from_output(A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`g'(z) = 1`."""
    if out is None:
        return np.ones_like(A)
    out.fill(1.0)
    return out


KERNELS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "relu": (relu_into, relu_grad_from_output),
    "sigmoid": (sigmoid_into, sigmoid_grad_from_output),
    "tanh": (tanh_into, tanh_grad_from_output),
    "identity": (identity_into, identity_grad_from_output),
}
"""Name -> ``(g_into, g_prime_from_output)``: ``g_into(Z, out, tmp)`` is ``g(Z)`` written into
``out``; ``g_prime_from_output(A, out=None)`` is ``g'(Z)`` computed from ``A = g(Z)``."""
