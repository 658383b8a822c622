r"""Gradient-descent optimizers on NumPy arrays: SGD (momentum, Nesterov) and Adam/AdamW.

Each optimizer holds the parameter arrays (``[W1, b1, W2, b2, ...]``) and updates them **in
place** when :meth:`step` gets the matching gradients (same shapes, same order). The updates
follow :class:`torch.optim.SGD`, :class:`torch.optim.Adam` and :class:`torch.optim.AdamW`
equation by equation, so a NumPy network follows the same trajectory as its PyTorch twin up
to rounding (the tests compare 50 steps at ``rtol=1e-12``). ``step`` reads as the algorithm in
the class docstring, one statement per line, with the book's names (``m``, ``v``, ``m_hat``, ``v_hat``).

Example
-------
>>> import numpy as np
>>> from mlp_lab.scratch.optim import Adam
>>> w = np.array([1.0, -2.0])
>>> opt = Adam([w], lr=0.1)
>>> opt.step([2 * w])            # gradient of sum(w**2)
>>> w                            # each entry moved by lr against the sign of its gradient
array([ 0.9, -1.9])
"""

from collections.abc import Sequence
from numbers import Real

import numpy as np

from mlp_lab._validation import NONNEGATIVE, POSITIVE, Interval, validate, validate_one

__all__ = ["SGD", "Adam"]



def _check_params(params: object) -> list[np.ndarray]:
    """``params`` as a list of distinct, writeable, finite float ndarrays, or an error naming the culprit."""
    if isinstance(params, np.ndarray) or not isinstance(params, list | tuple) or not params:
        raise TypeError(f"params must be a non-empty list of NumPy float arrays such as [W1, b1, W2, b2], "
                        f"got {type(params).__name__} {params!r:.60}")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"params[{i}] must be a float NumPy array (updated in place), got {got}")
        if not p.flags.writeable or any(p is q for q in params[:i]):
            raise ValueError(f"params[{i}] must be writeable and listed once (it is updated in place)")
        if not np.isfinite(p).all():
            raise ValueError(f"params[{i}] must be finite, but it contains NaN or inf")
    return list(params)


class _Optimizer:
    """Shared parts: the parameters, ``lr`` (re-checked when a schedule sets it), the checks on ``grads``."""

    _constraints = {"lr": POSITIVE, "weight_decay": NONNEGATIVE, "check_finite": [bool]}

    def __init__(self, params: Sequence[np.ndarray], **hyper: object) -> None:
        validate(self._constraints, **hyper)
        self.params = _check_params(params)
        for name, value in hyper.items():
            setattr(self, name, value)
        self.t = 0  # number of steps taken

    @property
    def lr(self) -> float:
        """Learning rate ``> 0``; may be changed between steps (a schedule) and is re-checked."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        validate({"lr": POSITIVE}, lr=value)
        self._lr = float(value)

    def _check_grads(self, grads: object) -> list[np.ndarray]:
        """One gradient per parameter, of its shape; finite unless ``check_finite=False``."""
        if not isinstance(grads, list | tuple) or len(grads) != len(self.params):
            raise ValueError(f"grads must be a list of {len(self.params)} arrays (one per parameter), "
                             f"got {type(grads).__name__} of length {len(grads) if hasattr(grads, '__len__') else '?'}")
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if not isinstance(g, np.ndarray) or g.shape != p.shape:
                raise ValueError(f"grads[{i}] must be a NumPy array of params[{i}]'s shape {p.shape}, "
                                 f"got {getattr(g, 'shape', type(g).__name__)}")
            if self.check_finite and not np.isfinite(g).all():
                raise ValueError(f"grads[{i}] contains NaN or inf; the loss has probably diverged: "
                                 "lower lr or check the forward pass")
        return list(grads)


class SGD(_Optimizer):
    r"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    As :class:`torch.optim.SGD` (without dampening). With learning rate :math:`\gamma`, momentum
    :math:`\mu` and weight decay :math:`\lambda`, step :math:`t = 1, 2, \dots` does,
    for every parameter :math:`\theta` with gradient :math:`g_t`:

    .. math::

        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(if } \lambda \neq 0)\\
        b_t &\leftarrow g_t \text{ if } t = 1, \text{ else } \mu\, b_{t-1} + g_t
            && \text{(momentum buffer, if } \mu \neq 0)\\
        d_t &\leftarrow g_t + \mu\, b_t \text{ (Nesterov) or } b_t && (d_t = g_t \text{ if } \mu = 0)\\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, d_t

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place, e.g. ``net.parameters()``.
    lr : float
        :math:`\gamma > 0` (required).
    momentum : float, default 0.0
        :math:`\mu \ge 0`.
    nesterov : bool, default False
        Nesterov momentum (Sutskever et al., 2013); needs ``momentum > 0``.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0`, the gradient of :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2`.
    check_finite : bool, default True
        :meth:`step` refuses NaN/inf gradients with a ValueError.
    """

    _constraints = {**_Optimizer._constraints, "momentum": NONNEGATIVE, "nesterov": [bool]}

    def __init__(self, params: Sequence[np.ndarray], *, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, check_finite: bool = True) -> None:
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay,
                         check_finite=check_finite)
        if nesterov and momentum <= 0:
            raise ValueError(f"nesterov=True requires momentum > 0 (as torch.optim.SGD), got momentum={momentum}")
        self.momentum_buffer = [np.zeros_like(p) for p in self.params] if momentum != 0 else None  # b

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order and shapes as ``params``)."""
        grads = self._check_grads(grads)
        mu = self.momentum
        for i, (theta, g) in enumerate(zip(self.params, grads, strict=True)):
            if self.weight_decay != 0:
                g = g + self.weight_decay * theta  # g_t + lambda theta
            if mu != 0:
                b = self.momentum_buffer[i]
                b[...] = g if self.t == 0 else mu * b + g  # b_t
                g = g + mu * b if self.nesterov else b  # d_t
            theta -= self.lr * g  # theta_t = theta_{t-1} - gamma d_t
        self.t += 1


class Adam(_Optimizer):
    r"""Adam (Kingma & Ba, 2015) and, with ``decoupled=True``, AdamW (Loshchilov & Hutter, 2019).

    As :class:`torch.optim.Adam` and :class:`torch.optim.AdamW`. From :math:`m_0 = v_0 = 0`, step
    :math:`t = 1, 2, \dots` does, for every parameter :math:`\theta` with gradient :math:`g_t`:

    .. math::

        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(Adam: L2 penalty through the gradient)}\\
        \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1} && \text{(AdamW: decoupled decay, instead)}\\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1)\, g_t && \text{(first moment)}\\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 && \text{(second moment)}\\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) && \text{(bias correction)}\\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    :meth:`step` follows these lines in this order. As in PyTorch, :math:`\epsilon` is added after the
    bias correction (scikit-learn adds it to :math:`\sqrt{v_t}`). Both moments are updated in
    place, as :math:`m_t = m_{t-1} + (1-\beta_1)(g_t - m_{t-1})` and
    :math:`v_t = v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1})`: the lines above, rearranged, equal to
    rounding (PyTorch computes :math:`m_t` the same way, with ``lerp``).

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place, e.g. ``net.parameters()``.
    lr : float, default 1e-3
        :math:`\gamma > 0`.
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon > 0`.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0` (``torch.optim.AdamW`` defaults to 1e-2: pass it explicitly).
    decoupled : bool, default False
        False: Adam (L2 through the gradient); True: AdamW (decay applied to the parameters).
    check_finite : bool, default True
        :meth:`step` refuses NaN/inf gradients with a ValueError.

    Attributes
    ----------
    t : int
        Steps taken (the exponent of the bias corrections).
    m, v : list of ndarray
        :math:`m_t, v_t` per parameter.
    """

    _constraints = {**_Optimizer._constraints, "betas": [tuple, list], "eps": POSITIVE, "decoupled": [bool]}

    def __init__(self, params: Sequence[np.ndarray], *, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled: bool = False,
                 check_finite: bool = True) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled=decoupled,
                         check_finite=check_finite)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            validate_one(f"betas[{i}]", beta, [Interval(Real, 0, 1, closed="left")])
        self.betas = (float(betas[0]), float(betas[1]))
        self.m, self.v = ([np.zeros_like(p) for p in self.params] for _ in "mv")  # m_0 = v_0 = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order and shapes as ``params``)."""
        grads = self._check_grads(grads)
        self.t += 1
        lr, (beta1, beta2), eps, wd, t = self.lr, self.betas, self.eps, self.weight_decay, self.t
        for theta, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            if wd != 0 and self.decoupled:
                theta *= 1 - lr * wd  # AdamW: theta <- (1 - gamma lambda) theta
            elif wd != 0:
                g = g + wd * theta  # Adam: g_t + lambda theta
            m += (1 - beta1) * (g - m)  # m_t = beta1 m_{t-1} + (1 - beta1) g_t
            v += (1 - beta2) * (g**2 - v)  # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
            m_hat = m / (1 - beta1**t)  # bias corrections
            v_hat = v / (1 - beta2**t)
            theta -= lr * (m_hat / (np.sqrt(v_hat) + eps))  # theta_t = theta_{t-1} - lr m_hat / (sqrt(v_hat) + eps)
