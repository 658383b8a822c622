r"""A multilayer perceptron from scratch in NumPy: the equations of chapters 1-3, one line each.

Layer :math:`l = 1, \dots, L` has weights ``W`` ``(n_l, n_{l-1})`` and biases ``b`` ``(n_l,)``.
With rows as samples, the forward pass is

.. math:: Z^{(l)} = A^{(l-1)} W^{(l)\top} + \mathbf 1 b^{(l)\top}, \qquad A^{(l)} = g(Z^{(l)}), \qquad A^{(0)} = X,

and the last layer is linear: the network returns the logits :math:`Z^{(L)}` (the softmax or
sigmoid lives in the loss, :mod:`mlp_lab.scratch.losses`). Backpropagation starts from
:math:`dZ^{(L)} = \partial J / \partial Z^{(L)}` (the :math:`1/m` included) and runs chapter 3's
four equations from the last layer to the first:

.. math:: dW^{(l)} = dZ^{(l)\top} A^{(l-1)}, \quad db^{(l)} = \textstyle\sum_i dZ^{(l)}_{i,:}, \quad
          dA^{(l-1)} = dZ^{(l)} W^{(l)}, \quad dZ^{(l-1)} = dA^{(l-1)} \odot g'(Z^{(l-1)}).

Public methods check their inputs once; the private ones they call are the maths alone (the
training loop :func:`mlp_lab.scratch.train.train` checks its data once and calls those).
Chapter 9 rewrites this engine with preallocated buffers (:mod:`mlp_lab.scratch.inplace`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlp_lab._validation import NONNEGATIVE, POSITIVE_INT, SEED, Options, as_float_array, validate, validate_one
from mlp_lab.scratch.activations import ACTIVATIONS, sigmoid
from mlp_lab.scratch.losses import LOSSES, softmax

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["INITS", "MLP"]

#: Weight initialisations (see :class:`MLP`'s ``init``): ``he`` N(0, 2 / n_{l-1}) (He et al., 2015, for ReLU),
#: ``xavier`` N(0, 2 / (n_{l-1} + n_l)) (Glorot & Bengio, 2010, normal, for tanh/sigmoid), ``normal`` N(0, 0.01^2).
INITS = ("he", "xavier", "normal")


def _init_std(init: str, n_in: int, n_out: int) -> float:
    """Standard deviation of the normal distribution for a ``(n_out, n_in)`` weight matrix."""
    return {"he": np.sqrt(2.0 / n_in), "xavier": np.sqrt(2.0 / (n_in + n_out)), "normal": 0.01}[init]


class MLP:
    r"""Fully connected feedforward network with a linear output layer, in NumPy.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths :math:`[n_0, n_1, \dots, n_L]`, at least two: ``[2, 10, 1]`` is 2 inputs, one
        hidden layer of 10 units and 1 output.
    activation : {"relu", "sigmoid", "tanh", "identity"}, keyword-only
        :math:`g` of every hidden layer (:data:`mlp_lab.scratch.activations.ACTIVATIONS`).
    init : {"he", "xavier", "normal"}, keyword-only
        Distribution of each weight entry, biases start at 0: ``"he"`` :math:`\mathcal N(0, 2/n_{l-1})`
        (He et al., 2015, for ReLU); ``"xavier"`` :math:`\mathcal N(0, 2/(n_{l-1} + n_l))` (the normal
        form of Glorot & Bengio, 2010, for tanh/sigmoid); ``"normal"`` :math:`\mathcal N(0, 0.01^2)`.
    seed : int, keyword-only
        Seed of ``np.random.default_rng``; layer by layer ``W = std * rng.standard_normal((n_l, n_{l-1}))``.

    Attributes
    ----------
    weights, biases : list of ndarray
        ``weights[l - 1]`` is :math:`W^{(l)}` ``(n_l, n_{l-1})``, ``biases[l - 1]`` is :math:`b^{(l)}`
        ``(n_l,)``, float64. Replace them by arrays of the same shape; public methods check the shapes.

    Notes
    -----
    :meth:`parameters` lists ``[W1, b1, W2, b2, ...]`` and :meth:`flat_grads` puts gradients in the
    same order, so ``opt = Adam(net.parameters())`` then ``opt.step(MLP.flat_grads(dW, db))``
    (the optimizers of :mod:`mlp_lab.scratch.optim` update the arrays in place).
    """

    _constraints = {"layer_sizes": [list, tuple, np.ndarray], "activation": [Options(ACTIVATIONS)],
                    "init": [Options(INITS)], "seed": SEED, "loss": [Options(LOSSES)], "l2": NONNEGATIVE}

    def __init__(self, layer_sizes: Sequence[int], *, activation: str = "relu", init: str = "he",
                 seed: int = 0) -> None:
        validate(self._constraints, layer_sizes=layer_sizes, activation=activation, init=init, seed=seed)
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 entries (inputs and outputs), got {list(layer_sizes)}")
        for i, n in enumerate(layer_sizes):
            validate_one(f"layer_sizes[{i}]", n, POSITIVE_INT)
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.activation, self.init, self.seed = activation, init, int(seed)
        self._g, self._g_prime = ACTIVATIONS[activation]
        rng = np.random.default_rng(self.seed)
        shapes = list(zip(self.layer_sizes[1:], self.layer_sizes[:-1], strict=True))  # (n_l, n_{l-1}), layer by layer
        self.weights = [_init_std(init, n_in, n_out) * rng.standard_normal((n_out, n_in)) for n_out, n_in in shapes]
        self.biases = [np.zeros(n_out) for n_out, _ in shapes]  # (n_l,)
        self._cache: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    def __repr__(self) -> str:
        return (f"MLP(layer_sizes={list(self.layer_sizes)}, activation={self.activation!r}, "
                f"init={self.init!r}, seed={self.seed})")

    @property
    def n_layers(self) -> int:
        """Number of weight layers :math:`L` (``len(layer_sizes) - 1``)."""
        return len(self.layer_sizes) - 1

    @property
    def n_params(self) -> int:
        r"""Number of trainable numbers, :math:`\sum_l (n_l n_{l-1} + n_l)`."""
        return int(sum(W.size + b.size for W, b in zip(self.weights, self.biases, strict=True)))

    def parameters(self) -> list[np.ndarray]:
        """The parameter arrays themselves (not copies), ordered ``[W1, b1, W2, b2, ...]``."""
        return [p for W, b in zip(self.weights, self.biases, strict=True) for p in (W, b)]

    @staticmethod
    def flat_grads(dW_list: Sequence[np.ndarray], db_list: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Interleave gradients as ``[dW1, db1, dW2, db2, ...]``, the order of :meth:`parameters`."""
        if len(dW_list) != len(db_list):
            raise ValueError(f"dW_list and db_list must have one entry per layer, got {len(dW_list)} and "
                             f"{len(db_list)}")
        return [g for dW, db in zip(dW_list, db_list, strict=True) for g in (dW, db)]

    # ----------------------------------------------------------------- the maths, no checks

    def _layers(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Forward pass: every layer's ``A`` (``As[0] = X``) and ``Z``; the logits are ``Zs[-1]``."""
        As, Zs = [X], []  # A^(0) = X, (m, n_0)
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):  # layer l + 1
            Z = As[-1] @ W.T + b  # (m, n_{l-1}) @ (n_{l-1}, n_l) + (n_l,) -> (m, n_l)
            Zs.append(Z)
            if l < self.n_layers - 1:  # hidden layers; the output layer stays linear
                As.append(self._g(Z))  # A = g(Z), (m, n_l)
        return As, Zs

    def _backward(self, dZ: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Chapter 3's four equations, from ``dZ = dJ/dZ^(L)`` ``(m, n_L)`` of the last stored forward pass."""
        As, Zs = self._cache
        dW_list, db_list = [None] * self.n_layers, [None] * self.n_layers
        for l in reversed(range(self.n_layers)):  # index l is layer l + 1, from the last to the first
            dW_list[l] = dZ.T @ As[l]  # dW = dZ^T A_prev, (n_l, m) @ (m, n_{l-1}) -> (n_l, n_{l-1})
            db_list[l] = dZ.sum(axis=0)  # db = sum_i dZ_i, (n_l,)
            if l > 0:
                dA = dZ @ self.weights[l]  # dA_prev = dZ W, (m, n_l) @ (n_l, n_{l-1}) -> (m, n_{l-1})
                dZ = dA * self._g_prime(Zs[l - 1])  # dZ_prev = dA_prev * g'(Z_prev), (m, n_{l-1})
        return dW_list, db_list

    def _loss_and_grads(self, X: np.ndarray, Y: np.ndarray, loss: str, l2: float
                        ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """:meth:`loss_and_grads` on data from :meth:`check_data`, without checks."""
        self._cache = self._layers(X)
        J, dZ = LOSSES[loss].value_and_grad(self._cache[1][-1], Y)  # dZ: (m, n_L)
        dW_list, db_list = self._backward(dZ)
        if l2 > 0:
            for l, W in enumerate(self.weights):
                J += l2 * float(np.vdot(W, W))  # l2 ||W||_F^2
                dW_list[l] = dW_list[l] + 2.0 * l2 * W  # + 2 l2 W, (n_l, n_{l-1})
        return J, dW_list, db_list

    # --------------------------------------------------------------------------- checks

    def _check_params(self) -> None:
        """``weights``/``biases`` still float64 arrays with the shapes of ``layer_sizes`` (O(L))."""
        sizes = self.layer_sizes
        for name, arrays, shapes in (("weights", self.weights, list(zip(sizes[1:], sizes[:-1], strict=True))),
                                     ("biases", self.biases, [(n,) for n in sizes[1:]])):
            if len(arrays) != len(shapes) or not all(
                    isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == shape
                    for a, shape in zip(arrays, shapes, strict=False)):
                got = [(str(getattr(a, "dtype", type(a).__name__)), getattr(a, "shape", None)) for a in arrays]
                raise ValueError(f"{name} must be float64 NumPy arrays of shapes {shapes}, got (dtype, shape) {got}")

    def _check_X(self, X: object) -> np.ndarray:
        self._check_params()
        X = as_float_array(X, name="X", ndim=2)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have {self.layer_sizes[0]} features (columns) for layer_sizes "
                             f"{list(self.layer_sizes)}, got shape {X.shape}")
        return np.ascontiguousarray(X, dtype=np.float64)

    def check_data(self, X: object, y: object, *, loss: str) -> tuple[np.ndarray, np.ndarray]:
        """Validate a data set once; return ``(X, Y)``: ``X`` float64 ``(m, n_0)``, ``Y`` the targets in
        the form of :data:`~mlp_lab.scratch.losses.LOSSES` (rows can be sliced into mini-batches)."""
        validate(self._constraints, loss=loss)
        X = self._check_X(X)
        return X, LOSSES[loss].check_targets(y, (X.shape[0], self.layer_sizes[-1]))

    # ------------------------------------------------------------------------- public

    def forward(self, X: np.ndarray) -> np.ndarray:
        r"""Logits :math:`Z^{(L)}` ``(m, n_L)`` of ``X`` ``(m, n_0)``; the ``A``, ``Z`` kept for :meth:`backward`."""
        self._cache = self._layers(self._check_X(X))
        return self._cache[1][-1]

    def backward(self, dZ_out: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        r"""Backpropagate :math:`dZ^{(L)} = \partial J / \partial Z^{(L)}` through the last :meth:`forward`.

        Parameters
        ----------
        dZ_out : ndarray of shape (m, n_L)
            Gradient of the loss with respect to the logits, already averaged over the batch
            (e.g. :func:`~mlp_lab.scratch.losses.cross_entropy_grad`). Not modified.

        Returns
        -------
        dW_list, db_list : lists of ndarray
            :math:`\partial J / \partial W^{(l)}` and :math:`\partial J / \partial b^{(l)}`, the shapes of
            ``weights`` and ``biases``. The current ``weights`` are used: call this before updating them.

        Raises
        ------
        RuntimeError
            If :meth:`forward` has not been called yet.
        ValueError
            If ``dZ_out`` is not finite or not of the last logits' shape.
        """
        if self._cache is None:
            raise RuntimeError("backward() needs the values of a forward pass: call forward(X) first")
        self._check_params()
        dZ_out = as_float_array(dZ_out, name="dZ_out", ndim=2)
        if dZ_out.shape != self._cache[1][-1].shape:
            raise ValueError(f"dZ_out must have the shape of the last forward's logits "
                             f"{self._cache[1][-1].shape}, got {dZ_out.shape}")
        return self._backward(dZ_out.astype(np.float64))

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, *, loss: str = "cross_entropy", l2: float = 0.0
                       ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        r"""Loss on a batch and its gradient with respect to every weight and bias.

        .. math:: J = \frac{1}{m}\sum_{i=1}^m \ell\bigl(\mathbf z^{(L)}_i, y_i\bigr)
                      + \lambda \sum_{l} \lVert W^{(l)} \rVert_F^2, \qquad
                  \frac{\partial J}{\partial W^{(l)}} = dW^{(l)}_{\text{data}} + 2\lambda W^{(l)}

        (biases are not penalised).

        Parameters
        ----------
        X : ndarray of shape (m, n_0)
        y : ndarray
            ``"cross_entropy"``: labels ``(m,)`` or one-hot ``(m, n_L)``; ``"bce"`` (``n_L = 1``):
            targets in [0, 1], ``(m,)`` or ``(m, 1)``; ``"mse"``: ``(m, n_L)``, or ``(m,)`` when ``n_L = 1``.
        loss : {"cross_entropy", "bce", "mse"}, keyword-only
            Applied to the logits (:mod:`mlp_lab.scratch.losses`).
        l2 : float, keyword-only
            :math:`\lambda \ge 0`, the weight of the L2 penalty.

        Returns
        -------
        loss : float
        dW_list, db_list : lists of ndarray
            As in :meth:`backward`.
        """
        validate(self._constraints, l2=l2)
        X, Y = self.check_data(X, y, loss=loss)
        return self._loss_and_grads(X, Y, loss, float(l2))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``sigmoid(z)`` ``(m,)`` (probability of class 1) for one output, else ``softmax(Z)`` ``(m, n_L)``.

        Does not touch the forward pass kept for :meth:`backward`.
        """
        Z = self._layers(self._check_X(X))[1][-1]  # (m, n_L)
        return sigmoid(Z[:, 0]) if Z.shape[1] == 1 else softmax(Z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels ``(m,)`` int64: ``logit > 0`` for one output, else the first largest logit."""
        Z = self._layers(self._check_X(X))[1][-1]  # (m, n_L)
        return (Z[:, 0] > 0).astype(np.int64) if Z.shape[1] == 1 else np.argmax(Z, axis=1).astype(np.int64)

    def to_torch(self) -> torch.nn.Sequential:
        """An equivalent float64 ``torch.nn.Sequential`` (``Linear, g, ..., Linear``) holding copies of the weights.

        Building it does not consume torch's global random state.
        """
        import torch
        from torch import nn

        self._check_params()
        g = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}[self.activation]
        layers: list[nn.Module] = []
        for W, b in zip(self.weights, self.biases, strict=True):
            linear = nn.Linear(W.shape[1], W.shape[0], device="meta")  # shapes only: no memory, no random draw
            linear.weight, linear.bias = nn.Parameter(torch.tensor(W)), nn.Parameter(torch.tensor(b))
            layers += [linear, g()]
        return nn.Sequential(*layers[:-1])  # the output layer stays linear
