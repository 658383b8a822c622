r"""Gradient checking: central finite differences and the relative error used to judge them.

The recipe (CS231n's notes): compute the analytic gradient, compute the numerical one
with :func:`numerical_gradient`, and look at :func:`relative_error`. In float64 with
``eps = 1e-6``, values around :math:`10^{-7}` or below mean the gradient is right; around
:math:`10^{-2}` or above, it is wrong. ReLU kinks (a pre-activation within ``eps`` of 0)
and gradient entries that are nearly 0 can raise the error of a correct gradient, so
check with smooth activations (tanh, sigmoid) first.
"""

from collections.abc import Callable

import numpy as np

from mlp_lab._validation import NONNEGATIVE, POSITIVE, as_float_array, validate

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, *, eps: float = 1e-6) -> np.ndarray:
    r"""Central-difference estimate of :math:`\partial f / \partial x`, entry by entry.

    .. math:: \frac{\partial f}{\partial x_j} \approx
              \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2\varepsilon}

    ``f`` takes **no arguments**: it reads ``x`` (for instance a weight matrix of a
    network) while each entry of ``x`` is perturbed **in place**, then restored. The
    truncation error is :math:`O(\varepsilon^2)`; the rounding error is about
    :math:`10^{-16} |f| / \varepsilon`.

    Parameters
    ----------
    f : callable () -> float
        The scalar function, e.g. ``lambda: net.loss_and_grads(X, y)[0]``.
    x : ndarray of float64, any shape
        The array ``f`` depends on. It is modified during the call and restored exactly
        (the original value is saved and written back), even if ``f`` raises.
    eps : float, keyword-only
        Step :math:`\varepsilon > 0`.

    Returns
    -------
    ndarray of float64, same shape as ``x``

    Raises
    ------
    TypeError
        If ``x`` is not a writeable float64 NumPy array, or ``f`` does not return a real scalar.
    ValueError
        If ``eps`` is not positive, ``x`` is empty, or ``f`` returns NaN/inf.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable taking no arguments, got {type(f).__name__}")
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable):
        got = f"{x.dtype} array, writeable={x.flags.writeable}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a writeable float64 NumPy array (it is perturbed in place), got {got}")
    if x.size == 0:
        raise ValueError(f"x must not be empty, got shape {x.shape}")
    validate({"eps": POSITIVE}, eps=eps)

    def value() -> float:
        out = f()
        if np.ndim(out) != 0 or np.asarray(out).dtype.kind not in "biuf":
            raise TypeError(f"f must return a real scalar, got {type(out).__name__}")
        out = float(out)
        if not np.isfinite(out):
            raise ValueError(f"f must return a finite value, got {out}")
        return out

    grad = np.empty(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        original = x[idx]
        try:
            x[idx] = original + eps
            f_plus = value()
            x[idx] = original - eps
            f_minus = value()
        finally:
            x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, *, floor: float = 1e-8) -> float:
    r"""Largest elementwise relative error between two arrays (CS231n's definition).

    .. math:: \operatorname{rel}(a, b) = \max_j
              \frac{|a_j - b_j|}{\max\bigl(|a_j| + |b_j|,\ \text{floor}\bigr)}

    Each entry is compared on its own scale, so a small gradient entry must be as
    accurate as a large one; ``floor`` (default :math:`10^{-8}`, as in CS231n) keeps
    entries where both are (nearly) zero from dividing by 0: there the error is the
    absolute difference over ``floor``. The result is in :math:`[0, 1]` when
    ``floor`` is not involved, and exactly 0 when ``a`` and ``b`` are equal (both zero
    included).

    Parameters
    ----------
    a, b : array_like of the same shape
        E.g. the analytic and the numerical gradient. Must be finite and non-empty.
    floor : float, keyword-only
        Lower bound of the denominator, ``>= 0``. With ``floor=0`` two zeros still give 0.

    Returns
    -------
    float
    """
    a = as_float_array(a, name="a")
    b = as_float_array(b, name="b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got a {a.shape} and b {b.shape}")
    validate({"floor": NONNEGATIVE}, floor=floor)
    diff = np.abs(a - b)
    denom = np.maximum(np.abs(a) + np.abs(b), floor)
    ratio = np.divide(diff, denom, out=np.zeros_like(diff), where=diff > 0)
    return float(np.max(ratio))
