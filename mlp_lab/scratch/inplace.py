r"""Chapter 9's lesson ("under the hood"): the NumPy engine rewritten to reuse its memory.

:class:`InplaceMLP` and :class:`InplaceAdam` are :class:`~mlp_lab.scratch.mlp.MLP` and
:class:`~mlp_lab.scratch.optim.Adam` with the same maths and four tricks, each a few lines:

1. **Preallocated buffers.** The plain engine makes fresh arrays for every ``Z``, ``A``, ``dA``
   and Adam term of every step; fresh large arrays cost allocation and page faults. Here each
   lives in a buffer that is allocated once (per shape) and reused from step to step.
2. **``out=``.** ``np.matmul(A, W.T, out=Z)``, ``np.sum(dZ, axis=0, out=db)``: NumPy writes the
   result into the buffer instead of a new array; ``+=`` and ``*=`` update in place.
3. **In-place activation and ``g'`` from ``A``.** ``g`` is written into the ``A`` buffer, and the
   backward pass takes :math:`g'` from the stored output ``A`` (:math:`\mathbb 1[a > 0]`,
   :math:`a(1-a)`, :math:`1-a^2`), so ``exp``/``tanh`` are never recomputed.
4. **Scalars before arrays.** Adam's bias corrections divide whole arrays by a number;
   :class:`InplaceAdam` moves them onto the step size and :math:`\epsilon` (Kingma & Ba's own
   ordering), two array passes fewer per parameter.

The results equal the plain engine's to rounding (chapter 9 checks it against a tolerance and
measures what the tricks buy). :func:`step_flops` counts the work of a training step.
"""

import math
from collections.abc import Sequence

import numpy as np

from mlp_lab.scratch.losses import LOSSES
from mlp_lab.scratch.mlp import MLP
from mlp_lab.scratch.optim import Adam

__all__ = ["InplaceAdam", "InplaceMLP", "step_flops"]


def step_flops(sizes: Sequence[int], m: int) -> int:
    r"""FLOPs of the matrix products of one forward + backward step on a batch of ``m``.

    .. math:: 2m\Bigl(2\sum_{l=1}^{L} n_{l-1} n_l + \sum_{l=2}^{L} n_{l-1} n_l\Bigr)

    (``Z`` and ``dW`` in every layer, ``dA`` in every layer but the first).
    """
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * m * (2 * sum(products) + sum(products[1:]))


def _sigmoid_into(Z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """The plain engine's stable sigmoid, the same numbers, written into ``out``."""
    E = np.exp(np.negative(np.abs(Z, out=out), out=out), out=out)  # e^{-|z|}, in (0, 1]
    denom = np.add(E, 1.0, out=tmp)  # 1 + e^{-|z|}
    np.copyto(E, 1.0, where=Z >= 0)  # numerator: 1 for z >= 0, e^{-|z|} for z < 0
    return np.divide(E, denom, out=out)


G_INTO = {  # g(Z) written into ``out`` (``tmp``: scratch of Z's shape)
    "relu": lambda Z, out, tmp: np.maximum(Z, 0.0, out=out),
    "sigmoid": _sigmoid_into,
    "tanh": lambda Z, out, tmp: np.tanh(Z, out=out),
    "identity": lambda Z, out, tmp: Z,  # no copy: nothing writes to it
}
G_PRIME_FROM_A_INTO = {  # g'(Z) from A = g(Z), written into ``out``
    "relu": lambda A, out: np.greater(A, 0.0, out=out),  # 1[a > 0]
    "sigmoid": lambda A, out: np.multiply(np.subtract(1.0, A, out=out), A, out=out),  # (1 - a) a
    "tanh": lambda A, out: np.subtract(1.0, np.multiply(A, A, out=out), out=out),  # 1 - a^2
    "identity": lambda A, out: (out.fill(1.0), out)[1],  # 1
}


class InplaceMLP(MLP):
    """:class:`~mlp_lab.scratch.mlp.MLP` whose training step reuses buffers (same constructor, same results).

    :meth:`loss_and_grads_into` is the training step; with ``out=(dW_list, db_list)`` the
    gradients are written into those arrays too (e.g. views of one flat vector). Prediction and
    :meth:`forward` are the plain engine's.
    """

    def __init__(self, layer_sizes: Sequence[int], **kwargs: object) -> None:
        super().__init__(layer_sizes, **kwargs)
        self._work: dict[tuple[str, int], np.ndarray] = {}

    def _buffer(self, name: str, l: int, shape: tuple[int, ...]) -> np.ndarray:
        """Buffer ``(name, l)`` of ``shape``: allocated once, reused while the shape stays the same."""
        buf = self._work.get((name, l))
        if buf is None or buf.shape != shape:
            buf = self._work[(name, l)] = np.empty(shape)
        return buf

    def _forward_into(self, X: np.ndarray) -> list[np.ndarray]:
        """The forward pass into buffers; returns the ``A``s (``X`` first) and the logits last."""
        As = [X]  # (m, n_0)
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if l == self.n_layers - 1:  # the logits: a fresh array, the loss keeps or returns it
                As.append(np.matmul(As[-1], W.T) + b)  # (m, n_L)
                break
            shape = (X.shape[0], W.shape[0])
            Z = np.matmul(As[-1], W.T, out=self._buffer("Z", l, shape))
            Z += b  # Z = A_prev W^T + b, (m, n_l)
            As.append(G_INTO[self.activation](Z, self._buffer("A", l, shape), self._buffer("tmp", l, shape)))
        return As

    def loss_and_grads_into(self, X: np.ndarray, Y: np.ndarray, *, loss: str, l2: float = 0.0,
                            out: tuple[list[np.ndarray], list[np.ndarray]] | None = None
                            ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """:meth:`MLP.loss_and_grads` on data from :meth:`MLP.check_data`, in buffers; no checks."""
        As = self._forward_into(X)
        J, dZ = LOSSES[loss].value_and_grad(As.pop(), Y)  # dZ: (m, n_L)
        dW_list, db_list = ([None] * self.n_layers, [None] * self.n_layers) if out is None else out
        for l in reversed(range(self.n_layers)):
            dW_list[l] = np.matmul(dZ.T, As[l], out=dW_list[l])  # dW = dZ^T A_prev, (n_l, n_{l-1})
            db_list[l] = np.sum(dZ, axis=0, out=db_list[l])  # db, (n_l,)
            if l > 0:
                dA = np.matmul(dZ, self.weights[l], out=self._buffer("dA", l, As[l].shape))  # dA_prev = dZ W
                g_prime = G_PRIME_FROM_A_INTO[self.activation](As[l], self._buffer("tmp", l - 1, As[l].shape))
                dZ = np.multiply(dA, g_prime, out=dA)  # dZ_prev = dA_prev * g'(Z_prev), (m, n_{l-1})
        if l2 > 0:
            for l, (W, dW) in enumerate(zip(self.weights, dW_list, strict=True)):
                J += l2 * float(np.vdot(W, W))
                dW += np.multiply(W, 2.0 * l2, out=self._buffer("l2", l, W.shape))  # + 2 l2 W
        return J, dW_list, db_list

    def _loss_and_grads(self, X: np.ndarray, Y: np.ndarray, loss: str, l2: float
                        ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """So that :func:`mlp_lab.scratch.train.train` uses the buffered step."""
        return self.loss_and_grads_into(X, Y, loss=loss, l2=l2)


class InplaceAdam(Adam):
    r""":class:`~mlp_lab.scratch.optim.Adam` in place, with its two bias corrections folded into scalars.

    :math:`\hat m_t` and :math:`\hat v_t` are whole arrays divided by a number. Kingma & Ba (2015, end
    of section 2) note that the order of computation can be changed, "at the expense of clarity",
    to move those numbers onto the step size; with their (undefined) :math:`\hat\epsilon` taken as
    :math:`\epsilon \sqrt{1-\beta_2^t}` the update is exactly Adam's:

    .. math:: \theta_t = \theta_{t-1} - \alpha_t \frac{m_t}{\sqrt{v_t} + \hat\epsilon_t}, \qquad
              \alpha_t = \gamma \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}, \quad
              \hat\epsilon_t = \epsilon \sqrt{1-\beta_2^t},

    :meth:`Adam.step`'s last three lines in one, the fraction's numerator and denominator
    multiplied by :math:`\sqrt{1-\beta_2^t}`: two array passes fewer, the same numbers to rounding.
    Every term is written into one of two work arrays allocated once; parameters are updated one
    after another, so all of them share the memory of the largest.
    """

    def __init__(self, params: Sequence[np.ndarray], **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        size = max(p.size for p in self.params)
        flat = [np.empty(size) for _ in range(2)]
        self._work = [[buf[: p.size].reshape(p.shape) for buf in flat] for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """The same update as :meth:`Adam.step`, in twelve in-place statements per parameter."""
        grads = self._check_grads(grads)
        self.t += 1
        lr, (beta1, beta2), eps, wd, t = self.lr, self.betas, self.eps, self.weight_decay, self.t
        alpha_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)  # both bias corrections, on the step size
        eps_t = eps * math.sqrt(1 - beta2**t)
        for theta, g, m, v, (tmp, denom) in zip(self.params, grads, self.m, self.v, self._work, strict=True):
            if wd != 0 and self.decoupled:
                theta *= 1 - lr * wd
            elif wd != 0:
                g = g + wd * theta
            np.subtract(g, m, out=tmp)
            tmp *= 1 - beta1
            m += tmp  # m_t = m_{t-1} + (1 - beta1)(g_t - m_{t-1})
            np.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= 1 - beta2
            v += tmp  # v_t = v_{t-1} + (1 - beta2)(g_t^2 - v_{t-1})
            np.sqrt(v, out=denom)
            denom += eps_t  # sqrt(v_t) + eps_t
            np.divide(m, denom, out=tmp)
            tmp *= alpha_t
            theta -= tmp  # theta_t = theta_{t-1} - alpha_t m_t / (sqrt(v_t) + eps_t)
