r"""Inverted dropout from scratch, drawn so that it matches :class:`torch.nn.Dropout`.

In training, each activation is kept with probability :math:`1 - p` and the kept ones
are scaled by :math:`1 / (1 - p)`,

.. math:: D_{ij} = \frac{M_{ij}}{1 - p}, \quad M_{ij} \sim \text{Bernoulli}(1 - p),
          \qquad \tilde A = A \odot D ,

so that :math:`\mathbb E[\tilde A_{ij}] = A_{ij}`: the expected activation is the same
as without dropout, and evaluation needs no rescaling (it is the identity). The
backward pass multiplies by the same :math:`D`: :math:`dA = d\tilde A \odot D`.

The mask can be drawn from a NumPy generator (``rng=np.random.default_rng(seed)``) or
from a :class:`torch.Generator`. With a torch generator it is drawn exactly as
PyTorch's CPU dropout draws it (``torch.empty_like(A).bernoulli_(1 - p)``, then
``noise / (1 - p)``, then ``A * noise``), so the same generator state gives the same
mask as ``torch.nn.Dropout(p)`` in training mode after ``torch.manual_seed``.
"""

from numbers import Real

import numpy as np
import torch

from mlp_lab._validation import Interval, as_float_array, validate_one

__all__ = ["dropout_backward", "dropout_forward", "dropout_mask"]


def dropout_mask(shape: tuple[int, ...], p: float, *, rng: np.random.Generator | torch.Generator) -> np.ndarray:
    r"""The scaled mask :math:`D = M / (1 - p)` of inverted dropout, float64.

    Parameters
    ----------
    shape : tuple of int
        Shape of the activations.
    p : float
        Probability of *dropping* an entry, :math:`0 \le p < 1`.
    rng : numpy.random.Generator or torch.Generator, keyword-only
        Source of the Bernoulli draws: ``M = rng.random(shape) >= p`` for NumPy (keep with
        probability :math:`1 - p`); ``torch.empty(shape).bernoulli_(1 - p, generator=rng)``
        for torch, PyTorch's own draw.

    Returns
    -------
    ndarray of shape ``shape``
        Entries ``0`` or ``1 / (1 - p)``.
    """
    validate_one("p", p, [Interval(Real, 0.0, 1.0, closed="left")])
    keep = 1.0 - p
    if isinstance(rng, torch.Generator):
        noise = torch.empty(shape, dtype=torch.float64).bernoulli_(keep, generator=rng)  # M
        return noise.div_(keep).numpy()  # as torch: noise.div_(1 - p)
    if isinstance(rng, np.random.Generator):
        return (rng.random(shape) >= p).astype(np.float64) / keep
    raise TypeError(f"rng must be a numpy.random.Generator or a torch.Generator, got {type(rng).__name__}")


def dropout_forward(A: np.ndarray, p: float, *, training: bool, rng: np.random.Generator | torch.Generator | None = None
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    r"""Inverted dropout: :math:`\tilde A = A \odot D` in training, :math:`A` in evaluation.

    Parameters
    ----------
    A : ndarray
        Activations, e.g. ``(m, n_l)``.
    p : float
        Drop probability, :math:`0 \le p \le 1` (``p = 1`` drops everything and returns
        zeros, as PyTorch does).
    training : bool, keyword-only
        ``False`` (evaluation): return ``A`` unchanged, as ``torch.nn.Dropout`` in
        ``eval()`` mode.
    rng : numpy.random.Generator or torch.Generator, keyword-only
        Needed in training when ``0 < p < 1``; see :func:`dropout_mask`.

    Returns
    -------
    A_out : ndarray, same shape as ``A``
    D : ndarray or None
        The scaled mask for :func:`dropout_backward`; ``None`` when nothing was drawn
        (evaluation, or ``p = 0``).
    """
    A = as_float_array(A, name="A")
    validate_one("p", p, [Interval(Real, 0.0, 1.0)])
    if not training or p == 0.0:
        return A, None
    if rng is None and p < 1.0:
        raise ValueError("rng is required in training with 0 < p < 1 (a numpy or torch Generator)")
    D = np.zeros(A.shape) if p == 1.0 else dropout_mask(A.shape, p, rng=rng)  # same shape as A
    return A * D, D


def dropout_backward(dA_out: np.ndarray, D: np.ndarray | None) -> np.ndarray:
    r"""Gradient through dropout: :math:`dA = d\tilde A \odot D` (``dA_out`` itself when ``D`` is None)."""
    dA_out = as_float_array(dA_out, name="dA_out")
    if D is None:
        return dA_out
    if D.shape != dA_out.shape:
        raise ValueError(f"D has shape {D.shape} but dA_out has shape {dA_out.shape}; pass the D of the forward pass")
    return dA_out * D
