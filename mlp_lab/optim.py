r"""Gradient-descent optimizers on plain NumPy arrays: SGD (momentum, Nesterov) and Adam/AdamW.

Each optimizer holds a list of parameter arrays (``[W1, b1, W2, b2, ...]``) and updates them
**in place** when :meth:`step` is given the matching list of gradients
(``[dW1, db1, dW2, db2, ...]``, same shapes, same order). The updates follow
:class:`torch.optim.SGD`, :class:`torch.optim.Adam` and :class:`torch.optim.AdamW` operation
by operation, so a NumPy network trained with them follows the same trajectory as its PyTorch
twin up to floating-point rounding (the tests compare 50 steps at ``rtol=1e-12``).

``step`` reads as the algorithm in the class docstring, line by line, with the book's names
(``m``, ``v``, ``m_hat``, ``v_hat``). :class:`SGD` writes its few terms as ordinary NumPy
expressions. :class:`Adam` writes each intermediate term into a work array named for what it
holds (``g_minus_m``, ``g_squared``, ``m_hat``, ``v_hat``, ``denom``, ``step``), allocated once:
its step is most of a training step of the NumPy engine in ``python -m mlp_lab.bench sklearn``,
and fresh temporaries made it 15-40% slower (25-50k parameters; more for large arrays, whose
fresh pages cost page faults).

Example
-------
>>> import numpy as np
>>> from mlp_lab.optim import Adam
>>> w = np.array([1.0, -2.0])
>>> opt = Adam([w], lr=0.1)
>>> opt.step([2 * w])            # gradient of sum(w**2)
>>> w                            # each entry moved by lr against the sign of its gradient
array([ 0.9, -1.9])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mlp_lab._validation import check_in_range, check_nonnegative, check_positive

__all__ = ["SGD", "Adam"]


def _check_bool(value: object, *, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _check_params(params: object) -> list[np.ndarray]:
    """Return ``params`` as a list of writeable float ndarrays, or raise naming the culprit."""
    if isinstance(params, np.ndarray) or not isinstance(params, list | tuple):
        raise TypeError(
            "params must be a list of NumPy float arrays such as [W1, b1, W2, b2], "
            f"got {type(params).__name__}; wrap a single array as [W]"
        )
    if len(params) == 0:
        raise ValueError("params must be a non-empty list of arrays, got an empty list")
    seen: set[int] = set()
    for i, p in enumerate(params):
        if hasattr(p, "detach") and hasattr(p, "numpy"):
            raise TypeError(f"params[{i}] must be a NumPy array, got a torch.Tensor; use torch.optim for tensors")
        if not isinstance(p, np.ndarray):
            raise TypeError(f"params[{i}] must be a NumPy ndarray (updated in place), got {type(p).__name__}")
        if p.dtype.kind != "f":
            raise TypeError(
                f"params[{i}] must have a floating dtype (float32 or float64) so it can be updated "
                f"in place, got dtype {p.dtype}"
            )
        if not p.flags.writeable:
            raise ValueError(f"params[{i}] is read-only; the optimizer updates parameters in place")
        if id(p) in seen:
            raise ValueError(f"params[{i}] appears more than once in params; list each array once")
        seen.add(id(p))
        if p.size and not np.isfinite(p).all():
            raise ValueError(f"params[{i}] contains NaN or inf; initialise the parameters with finite values")
    return list(params)


def _work_arrays(params: list[np.ndarray], names: Sequence[str]) -> list[tuple[np.ndarray, ...]]:
    """Per parameter, one work array per name (its shape and dtype), as a tuple in ``names`` order.

    Parameters are updated one after another, so all of them share the memory of the largest:
    each name has one flat buffer per dtype, and the arrays are views into it.
    """
    sizes: dict[np.dtype, int] = {}
    for p in params:
        sizes[p.dtype] = max(sizes.get(p.dtype, 0), p.size)
    flat = [{dtype: np.empty(size, dtype=dtype) for dtype, size in sizes.items()} for _ in names]
    return [tuple(buffers[p.dtype][: p.size].reshape(p.shape) for buffers in flat) for p in params]


class _Optimizer:
    """Shared parts: the parameter list, the validated ``lr`` and the checks on ``grads``."""

    def __init__(self, params: Sequence[np.ndarray], *, lr: float, check_finite: bool) -> None:
        self.params = _check_params(params)
        self.lr = lr
        self.check_finite = _check_bool(check_finite, name="check_finite")
        self.t = 0  # number of steps taken

    @property
    def lr(self) -> float:
        """Learning rate ``lr > 0``; may be changed between steps (a schedule), it is re-checked."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive(value, name="lr")

    def _check_grads(self, grads: object) -> list[np.ndarray]:
        if isinstance(grads, np.ndarray) or not isinstance(grads, list | tuple):
            raise TypeError(
                f"grads must be a list of arrays (one per parameter), got {type(grads).__name__}"
            )
        if len(grads) != len(self.params):
            raise ValueError(
                f"grads must hold one gradient per parameter: expected {len(self.params)}, got {len(grads)}"
            )
        if not self.check_finite:  # the hot-loop path: types and shapes only
            for p, g in zip(self.params, grads, strict=True):
                if not isinstance(g, np.ndarray) or g.shape != p.shape:
                    break  # let the full check below say what is wrong
            else:
                return list(grads)
        out = []
        with np.errstate(over="ignore", invalid="ignore"):  # a sum may overflow; checked below
            for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
                if hasattr(g, "detach") and hasattr(g, "numpy"):
                    raise TypeError(f"grads[{i}] must be a NumPy array, got a torch.Tensor")
                g = np.asarray(g)
                if g.dtype.kind not in "fiub":
                    raise TypeError(f"grads[{i}] must hold real numbers, got dtype {g.dtype}")
                if g.shape != p.shape:
                    raise ValueError(
                        f"grads[{i}] has shape {g.shape} but params[{i}] has shape {p.shape}; "
                        "gradients must come in the same order and shapes as params"
                    )
                # One reduction is enough: a sum is finite unless an entry is NaN/inf (or the sum
                # overflows, which the exact element-wise check below then rules out).
                if self.check_finite and not math.isfinite(g.sum()) and not np.isfinite(g).all():
                    where = tuple(int(k) for k in np.argwhere(~np.isfinite(g))[0])
                    raise ValueError(
                        f"grads[{i}] contains NaN or inf (first at index {where}); the loss has probably "
                        "diverged: lower lr or check the forward pass"
                    )
                out.append(g)
        return out

    def step(self, grads: Sequence[np.ndarray]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SGD(_Optimizer):
    r"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    Identical to :class:`torch.optim.SGD`. With learning rate :math:`\gamma`, momentum
    :math:`\mu`, dampening :math:`\tau` and weight decay :math:`\lambda`, step :math:`t`
    (counting from 1) does, for every parameter :math:`\theta` with gradient
    :math:`g_t = \nabla_\theta L(\theta_{t-1})`:

    .. math::

        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
            && \text{(L2 weight decay, if } \lambda \neq 0)\\
        b_t &\leftarrow \begin{cases} g_t & t = 1\\
            \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases}
            && \text{(momentum buffer, if } \mu \neq 0)\\
        d_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{Nesterov}\\
            b_t & \text{otherwise} \end{cases}
            && (d_t = g_t \text{ if } \mu = 0)\\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, d_t

    Note the first momentum step copies :math:`g_1` (no dampening), as PyTorch does.
    The Nesterov form is that of Sutskever et al. (2013), as in PyTorch.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place, e.g. ``model.weights + model.biases``.
    lr : float
        Learning rate :math:`\gamma > 0` (required).
    momentum : float, default 0.0
        Momentum factor :math:`\mu \ge 0`; 0 is plain SGD.
    nesterov : bool, default False
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    weight_decay : float, default 0.0
        L2 penalty :math:`\lambda \ge 0`, added to the gradient as :math:`\lambda\theta`
        (the gradient of :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2`).
    dampening : float, default 0.0
        Dampening :math:`\tau \in [0, 1]` of the gradient in the momentum buffer.
    check_finite : bool, default True
        Check in :meth:`step` that every gradient is finite (one reduction per array).
        Set to False in a hot loop whose gradients you already trust.

    Attributes
    ----------
    t : int
        Number of steps taken.
    momentum_buffer : list of ndarray or None
        :math:`b_t` per parameter (None when ``momentum == 0``).
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        *,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        check_finite: bool = True,
    ) -> None:
        super().__init__(params, lr=lr, check_finite=check_finite)
        self.momentum = check_nonnegative(momentum, name="momentum")
        self.nesterov = _check_bool(nesterov, name="nesterov")
        self.weight_decay = check_nonnegative(weight_decay, name="weight_decay")
        self.dampening = check_in_range(dampening, name="dampening", low=0.0, high=1.0, high_inclusive=True)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening == 0 (as torch.optim.SGD), "
                f"got momentum={self.momentum}, dampening={self.dampening}"
            )
        self.momentum_buffer: list[np.ndarray] | None = None
        self.zero_state()

    def zero_state(self) -> None:
        """Forget the momentum buffers and reset the step count ``t`` to 0."""
        self.t = 0
        if self.momentum != 0:
            self.momentum_buffer = [np.zeros_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order and shapes as ``params``).

        Raises
        ------
        ValueError
            If the number or shapes of ``grads`` do not match ``params``, or a gradient
            holds NaN/inf (when ``check_finite``).
        """
        grads = self._check_grads(grads)
        lr, mu, wd, tau = self.lr, self.momentum, self.weight_decay, self.dampening
        for i, (theta, g) in enumerate(zip(self.params, grads, strict=True)):
            if wd != 0:
                g = g + wd * theta  # g_t + lambda theta
            if mu != 0:
                b = self.momentum_buffer[i]
                if self.t == 0:
                    b[...] = g  # b_1 = g_1
                else:
                    b *= mu
                    b += (1 - tau) * g  # b_t = mu b_{t-1} + (1 - tau) g_t
                g = g + mu * b if self.nesterov else b  # d_t
            theta -= lr * g  # theta_t = theta_{t-1} - gamma d_t
        self.t += 1


class Adam(_Optimizer):
    r"""Adam (Kingma & Ba, 2015) and, with ``decoupled=True``, AdamW (Loshchilov & Hutter, 2019).

    Identical to :class:`torch.optim.Adam` and :class:`torch.optim.AdamW`. With learning rate
    :math:`\gamma`, decay rates :math:`\beta_1, \beta_2`, :math:`\epsilon` and weight decay
    :math:`\lambda`, starting from :math:`m_0 = v_0 = 0`, step :math:`t = 1, 2, \dots` does,
    for every parameter :math:`\theta` with gradient :math:`g_t = \nabla_\theta L(\theta_{t-1})`:

    .. math::

        g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
            && \text{(Adam: L2 penalty through the gradient)}\\
        \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
            && \text{(AdamW: decoupled decay, instead)}\\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1)\, g_t
            && \text{(first moment)}\\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2
            && \text{(second moment, element-wise square)}\\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t}
            && \text{(bias correction)}\\
        \theta_t &\leftarrow \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    :meth:`step` is these lines, in this order. As in PyTorch, :math:`\epsilon` is added
    after the bias correction of :math:`v_t` (scikit-learn adds it to :math:`\sqrt{v_t}`),
    and :math:`m_t` is computed as :math:`m_{t-1} + (1-\beta_1)(g_t - m_{t-1})`, PyTorch's
    ``lerp``, the same number. PyTorch groups the last line's scalars differently
    (:math:`\frac{\gamma}{1-\beta_1^t}\, m_t / (\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon)`);
    the results agree to rounding.

    Parameters
    ----------
    params : list of ndarray
        Float arrays updated in place, e.g. ``model.weights + model.biases``.
    lr : float, default 1e-3
        Learning rate :math:`\gamma > 0`.
    betas : tuple of float, default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon > 0`, keeps the denominator away from zero.
    weight_decay : float, default 0.0
        :math:`\lambda \ge 0`. Note that ``torch.optim.AdamW`` defaults to ``1e-2``; here the
        default is 0 for both variants, so pass it explicitly.
    decoupled : bool, default False
        False: Adam with the L2 penalty added to the gradient (``torch.optim.Adam``).
        True: AdamW, decay applied to the parameters directly (``torch.optim.AdamW``).
    check_finite : bool, default True
        Check in :meth:`step` that every gradient is finite (one reduction per array).
        Set to False in a hot loop whose gradients you already trust.

    Attributes
    ----------
    t : int
        Number of steps taken (the exponent in the bias corrections).
    m, v : list of ndarray
        First and second moment estimates :math:`m_t, v_t` per parameter.

    References
    ----------
    D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
    I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
        check_finite: bool = True,
    ) -> None:
        super().__init__(params, lr=lr, check_finite=check_finite)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            check_in_range(betas[0], name="betas[0] (beta1)", low=0.0, high=1.0),
            check_in_range(betas[1], name="betas[1] (beta2)", low=0.0, high=1.0),
        )
        self.eps = check_positive(eps, name="eps")
        self.weight_decay = check_nonnegative(weight_decay, name="weight_decay")
        self.decoupled = _check_bool(decoupled, name="decoupled")
        self._work = _work_arrays(self.params, ("g_minus_m", "g_squared", "m_hat", "v_hat", "denom", "step"))
        self.zero_state()

    def zero_state(self) -> None:
        """Reset the moments ``m``, ``v`` to zero and the step count ``t`` to 0."""
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order and shapes as ``params``).

        Raises
        ------
        ValueError
            If the number or shapes of ``grads`` do not match ``params``, or a gradient
            holds NaN/inf (when ``check_finite``).
        """
        grads = self._check_grads(grads)
        self.t += 1
        t, lr, eps, wd = self.t, self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        for theta, g, m, v, work in zip(self.params, grads, self.m, self.v, self._work, strict=True):
            g_minus_m, g_squared, m_hat, v_hat, denom, step = work  # work arrays of theta's shape
            if wd != 0 and self.decoupled:
                theta *= 1 - lr * wd  # AdamW: theta <- (1 - gamma lambda) theta
            elif wd != 0:
                g = g + wd * theta  # Adam: g_t + lambda theta
            np.subtract(g, m, out=g_minus_m)
            g_minus_m *= 1 - beta1
            m += g_minus_m  # m_t = m_{t-1} + (1 - beta1)(g_t - m_{t-1}) = beta1 m_{t-1} + (1 - beta1) g_t
            np.multiply(g, g, out=g_squared)
            g_squared *= 1 - beta2
            v *= beta2
            v += g_squared  # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
            np.divide(m, 1 - beta1**t, out=m_hat)  # m_hat = m_t / (1 - beta1^t)
            np.divide(v, 1 - beta2**t, out=v_hat)  # v_hat = v_t / (1 - beta2^t)
            np.sqrt(v_hat, out=denom)
            denom += eps  # sqrt(v_hat) + eps
            np.divide(m_hat, denom, out=step)
            step *= lr
            theta -= step  # theta_t = theta_{t-1} - lr m_hat / (sqrt(v_hat) + eps)
