r"""Learning-rate schedules and gradient clipping, written as the formulas PyTorch implements.

A schedule is a function of the step counter :math:`t = 0, 1, 2, \dots` (the number of
times PyTorch's ``scheduler.step()`` has been called) that returns the learning rate
:math:`\eta_t` to use for the next optimizer step. With :math:`\eta` the base rate:

* step decay, :class:`torch.optim.lr_scheduler.StepLR`:
  :math:`\eta_t = \eta\, \gamma^{\lfloor t / s \rfloor}`;
* cosine annealing, :class:`~torch.optim.lr_scheduler.CosineAnnealingLR`
  (Loshchilov & Hutter, 2017):
  :math:`\eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})(1 + \cos(\pi t / T))`;
* linear warm-up, :class:`~torch.optim.lr_scheduler.LinearLR`:
  :math:`\eta_t = \eta\,\bigl(f_0 + (f_1 - f_0) \min(t, T_w) / T_w\bigr)`;
* warm-up then cosine, :class:`~torch.optim.lr_scheduler.SequentialLR` of the two;
* exponential growth or decay, :class:`~torch.optim.lr_scheduler.ExponentialLR`:
  :math:`\eta_t = \eta\, \gamma^t`, which :func:`lr_range` uses for a learning-rate range
  test (Smith, 2017).

PyTorch updates the rate recursively (multiplying the previous one); these closed forms give
the same numbers up to rounding (the tests compare them step by step at ``rtol=1e-12``).

:func:`clip_grad_norm` is :func:`torch.nn.utils.clip_grad_norm_` on NumPy arrays.

Example
-------
>>> from mlp_lab.scratch.schedules import cosine_lr
>>> [round(cosine_lr(t, lr=0.1, T_max=4), 4) for t in range(5)]
[0.1, 0.0854, 0.05, 0.0146, 0.0]
"""

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

from mlp_lab._validation import POSITIVE, POSITIVE_INT, Interval, validate

__all__ = ["clip_grad_norm", "cosine_lr", "exponential_lr", "linear_lr", "lr_range", "step_lr", "warmup_cosine_lr"]

#: What each argument of this module's functions accepts.
_CONSTRAINTS = {"t": [Interval(Integral, 0, None)], "lr": POSITIVE, "gamma": POSITIVE, "lr_min": POSITIVE,
                "lr_max": POSITIVE, "max_norm": POSITIVE, "step_size": POSITIVE_INT, "T_max": POSITIVE_INT,
                "total_iters": POSITIVE_INT, "warmup": POSITIVE_INT, "steps": [Interval(Integral, 2, None)],
                "eta_min": [Interval(Real, 0, None)], "eps": [Interval(Real, 0, None)],
                "start_factor": [Interval(Real, 0, 1, closed="right")], "end_factor": [Interval(Real, 0, 1)]}


def step_lr(t: int, *, lr: float, step_size: int, gamma: float = 0.1) -> float:
    r"""Step decay: :math:`\eta_t = \eta\, \gamma^{\lfloor t / s \rfloor}` (``StepLR``).

    Parameters
    ----------
    t : int
        Step counter, ``>= 0``.
    lr : float, keyword-only
        Base learning rate :math:`\eta > 0`.
    step_size : int, keyword-only
        :math:`s`: the rate is multiplied by ``gamma`` every ``step_size`` steps.
    gamma : float, keyword-only
        Decay factor, ``> 0``.
    """
    validate(_CONSTRAINTS, t=t, lr=lr, step_size=step_size, gamma=gamma)
    return lr * gamma ** (t // step_size)


def exponential_lr(t: int, *, lr: float, gamma: float) -> float:
    r"""Exponential schedule: :math:`\eta_t = \eta\, \gamma^t` (``ExponentialLR``)."""
    validate(_CONSTRAINTS, t=t, lr=lr, gamma=gamma)
    return lr * gamma**t


def cosine_lr(t: int, *, lr: float, T_max: int, eta_min: float = 0.0) -> float:
    r"""Cosine annealing (``CosineAnnealingLR``, without restarts).

    .. math:: \eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
              \Bigl(1 + \cos\bigl(\pi\, t / T_{\max}\bigr)\Bigr)

    The rate falls from :math:`\eta` at :math:`t = 0` to :math:`\eta_{\min}` at
    :math:`t = T_{\max}`; past :math:`T_{\max}` it rises again along the same cosine, as
    PyTorch's does (train for at most ``T_max`` steps, or use warm restarts).

    Parameters
    ----------
    t : int
    lr : float, keyword-only
        Base (largest) rate :math:`\eta > 0`.
    T_max : int, keyword-only
        Half period in steps, ``>= 1``.
    eta_min : float, keyword-only
        Smallest rate, ``>= 0``.
    """
    validate(_CONSTRAINTS, t=t, lr=lr, T_max=T_max, eta_min=eta_min)
    return eta_min + 0.5 * (lr - eta_min) * (1.0 + math.cos(math.pi * t / T_max))


def linear_lr(t: int, *, lr: float, start_factor: float = 1.0 / 3.0, end_factor: float = 1.0,
              total_iters: int = 5) -> float:
    r"""Linear ramp of the factor (``LinearLR``), the usual warm-up.

    .. math:: \eta_t = \eta \Bigl(f_0 + (f_1 - f_0)\, \frac{\min(t, T_w)}{T_w}\Bigr)

    with :math:`f_0` = ``start_factor`` in (0, 1], :math:`f_1` = ``end_factor`` in [0, 1]
    and :math:`T_w` = ``total_iters``. The defaults are PyTorch's.
    """
    validate(_CONSTRAINTS, t=t, lr=lr, start_factor=start_factor, end_factor=end_factor, total_iters=total_iters)
    return lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)


def warmup_cosine_lr(t: int, *, lr: float, warmup: int, T_max: int, start_factor: float = 0.1,
                     eta_min: float = 0.0) -> float:
    r"""Linear warm-up for ``warmup`` steps, then cosine annealing over ``T_max`` steps.

    .. math:: \eta_t = \begin{cases}
              \eta \bigl(f_0 + (1 - f_0)\, t / T_w\bigr) & t < T_w \\
              \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
              \bigl(1 + \cos(\pi (t - T_w) / T_{\max})\bigr) & t \ge T_w
              \end{cases}

    the schedule of ``SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=warmup),
    CosineAnnealingLR(opt, T_max, eta_min)], milestones=[warmup])``.
    """
    validate(_CONSTRAINTS, t=t, warmup=warmup)
    if t < warmup:
        return linear_lr(t, lr=lr, start_factor=start_factor, end_factor=1.0, total_iters=warmup)
    return cosine_lr(t - warmup, lr=lr, T_max=T_max, eta_min=eta_min)


def lr_range(steps: int, *, lr_min: float, lr_max: float) -> np.ndarray:
    r"""The learning rates of a range test: ``steps`` rates growing geometrically.

    .. math:: \eta_t = \eta_{\min} \Bigl(\frac{\eta_{\max}}{\eta_{\min}}\Bigr)^{t / (N - 1)},
              \qquad t = 0, \dots, N - 1,

    which is :func:`exponential_lr` with :math:`\gamma = (\eta_{\max}/\eta_{\min})^{1/(N-1)}`.

    Returns
    -------
    ndarray of shape (steps,)
        From ``lr_min`` to ``lr_max``, both included.
    """
    validate(_CONSTRAINTS, steps=steps, lr_min=lr_min, lr_max=lr_max)
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be > lr_min for a range test, got lr_min={lr_min}, lr_max={lr_max}")
    gamma = (lr_max / lr_min) ** (1.0 / (steps - 1))
    return np.array([exponential_lr(t, lr=lr_min, gamma=gamma) for t in range(steps)])  # (steps,)


def clip_grad_norm(grads: Sequence[np.ndarray], max_norm: float, *, eps: float = 1e-6) -> float:
    r"""Rescale the gradients in place so that their joint L2 norm is at most ``max_norm``.

    With :math:`\lVert g \rVert = \sqrt{\sum_k \lVert g_k \rVert_F^2}` over all the arrays,

    .. math:: g_k \leftarrow g_k \cdot \min\Bigl(1,\ \frac{c}{\lVert g \rVert + \epsilon}\Bigr),

    as :func:`torch.nn.utils.clip_grad_norm_` (``norm_type=2``): every array is scaled by the
    same factor, so the direction of the step is kept and only its length is capped.

    Parameters
    ----------
    grads : sequence of ndarray
        The gradients (e.g. ``MLP.flat_grads(dW, db)``), float64, modified in place.
    max_norm : float
        :math:`c > 0`.
    eps : float, keyword-only
        :math:`\epsilon`, PyTorch's ``1e-6``.

    Returns
    -------
    float
        The norm :math:`\lVert g \rVert` *before* clipping (what PyTorch returns).
    """
    validate(_CONSTRAINTS, max_norm=max_norm, eps=eps)
    grads = list(grads)
    for k, g in enumerate(grads):
        if not isinstance(g, np.ndarray) or g.dtype != np.float64:
            raise TypeError(f"grads[{k}] must be a float64 NumPy array (it is scaled in place)")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / (total + eps))
    return total
