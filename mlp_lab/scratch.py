r"""A multilayer perceptron written from scratch in NumPy: forward pass, backpropagation, losses.

Notation (the book's): layer :math:`l = 1, \dots, L` has weights ``W`` of shape
``(n_l, n_{l-1})`` and biases ``b`` of shape ``(n_l,)``. With rows as samples,

.. math:: Z^{(l)} = A^{(l-1)} W^{(l)\top} + \mathbf 1 b^{(l)\top}, \qquad
          A^{(l)} = g(Z^{(l)}), \qquad A^{(0)} = X,

and the last layer is linear: the network returns the logits :math:`Z^{(L)}`; the
softmax/sigmoid lives in the loss (:mod:`mlp_lab.losses`). Backpropagation, starting
from :math:`dZ^{(L)} = \partial J / \partial Z^{(L)}` (already divided by :math:`m`):

.. math:: dW^{(l)} = dZ^{(l)\top} A^{(l-1)}, \qquad
          db^{(l)} = \textstyle\sum_i dZ^{(l)}_{i,:}, \qquad
          dA^{(l-1)} = dZ^{(l)} W^{(l)}, \qquad
          dZ^{(l-1)} = dA^{(l-1)} \odot g'(Z^{(l-1)}).

Public methods (:meth:`MLP.forward`, :meth:`MLP.backward`, :meth:`MLP.loss_and_grads`,
the predictors) check their inputs once per call. A training loop that has checked its data
once (:meth:`MLP.check_data`) can call :meth:`MLP.loss_and_grads_unchecked`, the same
computation without the checks (chapter 9 measures what they cost).

Performance: every product is one ``np.matmul`` on contiguous float64 arrays (BLAS), with
no loop over samples. The hidden layers' ``Z``, ``A`` and ``dA`` of a training step live in
a workspace owned by the network and reused from step to step while the batch size stays
the same, so a step allocates only what it returns (the logits and the gradients); pass
``out=`` to :meth:`MLP.loss_and_grads` to reuse the gradient arrays as well (fresh large
arrays cost page faults: up to ~20% of a step at width 512). For the same reason the
activations come from :data:`mlp_lab.activations.KERNELS`: ``g`` written into the workspace,
and :math:`g'(Z)` evaluated from the stored output :math:`A = g(Z)` (``1[a > 0]``,
``a(1 - a)``, ``1 - a^2``, ``1``), the same numbers without recomputing ``exp`` or ``tanh``,
as PyTorch's autograd does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlp_lab import losses as _losses
from mlp_lab._validation import as_float_array, check_choice, check_nonnegative, check_positive_int, check_seed
from mlp_lab.activations import KERNELS, sigmoid

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["INITS", "LOSSES", "MLP"]

INITS: dict[str, str] = {
    "he": "N(0, 2 / n_{l-1}), He et al. (2015), for ReLU",
    "xavier": "N(0, 2 / (n_{l-1} + n_l)), Glorot & Bengio (2010) normal, for tanh/sigmoid",
    "normal": "N(0, 0.01^2), small fixed scale",
}
"""Weight initialisations: name -> distribution of each entry of ``W``; biases start at 0."""

LOSSES: tuple[str, ...] = ("cross_entropy", "bce", "mse")
"""Losses accepted by :meth:`MLP.loss_and_grads`."""


def _init_std(init: str, n_in: int, n_out: int) -> float:
    """Standard deviation of the normal distribution for a ``(n_out, n_in)`` weight matrix."""
    if init == "he":
        return float(np.sqrt(2.0 / n_in))
    if init == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    return 0.01


def _check_layer_sizes(layer_sizes: object) -> tuple[int, ...]:
    if isinstance(layer_sizes, str | bytes) or not isinstance(layer_sizes, Sequence | np.ndarray):
        raise TypeError(
            f"layer_sizes must be a list of layer widths such as [2, 10, 1], got {type(layer_sizes).__name__}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least 2 entries (inputs and outputs), got {list(layer_sizes)}"
        )
    return tuple(check_positive_int(n, name=f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes))


def _no_buffer(name: str, l: int, shape: tuple[int, int]) -> None:
    """No workspace: every array of the forward pass is a fresh one (see :meth:`MLP._forward`)."""
    return None


class MLP:
    r"""Fully connected feedforward network with a linear output layer, in NumPy.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths :math:`[n_0, n_1, \dots, n_L]`, at least two entries: ``[2, 10, 1]`` is
        2 inputs, one hidden layer of 10 units and 1 output.
    activation : {"relu", "sigmoid", "tanh", "identity"}, keyword-only
        Activation :math:`g` of every hidden layer (see :mod:`mlp_lab.activations`).
    init : {"he", "xavier", "normal"}, keyword-only
        Distribution of each weight entry (biases start at 0):

        * ``"he"``: :math:`\mathcal N(0,\ 2/n_{l-1})` (He et al., 2015), suited to ReLU;
        * ``"xavier"``: :math:`\mathcal N(0,\ 2/(n_{l-1} + n_l))`, the *normal* form of
          Glorot & Bengio (2010), suited to tanh and sigmoid;
        * ``"normal"``: :math:`\mathcal N(0,\ 0.01^2)`.
    seed : int, keyword-only
        Seed of ``np.random.default_rng``; the same seed gives the same weights.
        Weights are drawn layer by layer, each as ``std * rng.standard_normal((n_l, n_{l-1}))``.

    Attributes
    ----------
    layer_sizes : tuple of int
    weights : list of ndarray
        ``weights[l - 1]`` is :math:`W^{(l)}`, shape ``(n_l, n_{l-1})``, float64.
    biases : list of ndarray
        ``biases[l - 1]`` is :math:`b^{(l)}`, shape ``(n_l,)``, float64.

    Notes
    -----
    :meth:`parameters` lists the arrays as ``[W1, b1, W2, b2, ...]``; :meth:`flat_grads`
    puts gradients in the same order, so an optimizer from :mod:`mlp_lab.optim` can do
    ``opt = SGD(net.parameters(), lr=0.1)`` then
    ``opt.step(MLP.flat_grads(dW, db))``. The optimizers update the arrays in place, so
    ``weights``/``biases`` see the change. Replace a weight with an array of the same
    shape (``net.weights[0][...] = W`` or ``net.weights[0] = W``); public methods check
    the shapes.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        activation: str = "relu",
        init: str = "he",
        seed: int = 0,
    ) -> None:
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.activation = check_choice(activation, name="activation", choices=KERNELS)
        self.init = check_choice(init, name="init", choices=INITS)
        self.seed = check_seed(seed)
        rng = np.random.default_rng(self.seed)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            std = _init_std(self.init, n_in, n_out)
            self.weights.append(std * rng.standard_normal((n_out, n_in)))  # (n_l, n_{l-1})
            self.biases.append(np.zeros(n_out))  # (n_l,)
        self._g_into, self._g_prime_from_output = KERNELS[self.activation]
        self._cache: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        self._work: dict[tuple[str, int], np.ndarray] = {}

    def __repr__(self) -> str:
        return (
            f"MLP(layer_sizes={list(self.layer_sizes)}, activation={self.activation!r}, "
            f"init={self.init!r}, seed={self.seed})"
        )

    # ------------------------------------------------------------------ parameters

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
            raise ValueError(
                f"dW_list and db_list must have one entry per layer, got {len(dW_list)} and {len(db_list)}"
            )
        return [g for dW, db in zip(dW_list, db_list, strict=True) for g in (dW, db)]

    def _check_params(self) -> None:
        """Cheap O(L) check that ``weights``/``biases`` still have the shapes of ``layer_sizes``."""
        L = self.n_layers
        if len(self.weights) != L or len(self.biases) != L:
            raise ValueError(
                f"the network has {L} layers but weights has {len(self.weights)} and "
                f"biases {len(self.biases)} entries"
            )
        for l in range(L):
            n_in, n_out = self.layer_sizes[l], self.layer_sizes[l + 1]
            W, b = self.weights[l], self.biases[l]
            for name, arr, shape in ((f"weights[{l}]", W, (n_out, n_in)), (f"biases[{l}]", b, (n_out,))):
                if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
                    got = f"dtype {arr.dtype}" if isinstance(arr, np.ndarray) else type(arr).__name__
                    raise TypeError(f"{name} must be a float64 NumPy array, got {got}")
                if arr.shape != shape:
                    raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")

    def _check_X(self, X: object) -> np.ndarray:
        X = as_float_array(X, name="X", ndim=2)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X must have {self.layer_sizes[0]} features (columns) for layer_sizes "
                f"{list(self.layer_sizes)}, got shape {X.shape}"
            )
        return np.ascontiguousarray(X, dtype=np.float64)

    # ------------------------------------------------------------- forward/backward

    def _buffer(self, name: str, l: int, shape: tuple[int, int]) -> np.ndarray:
        """Workspace array ``(name, l)`` of ``shape``, reused while the shape stays the same."""
        buf = self._work.get((name, l))
        if buf is None or buf.shape != shape:
            buf = np.empty(shape)
            self._work[(name, l)] = buf
        return buf

    def _forward(self, X: np.ndarray, *, store: bool = True) -> np.ndarray:
        """Forward pass without checks; ``X`` is C-contiguous float64 ``(m, n_0)``; returns the logits.

        With ``store=True`` the hidden ``Z`` and ``A`` are written into the workspace and kept,
        with ``X``, for :meth:`_backward`; with ``store=False`` (prediction) they are fresh
        arrays and the stored pass is left alone. The logits are always a fresh array.
        """
        workspace = self._buffer if store else _no_buffer
        L, m = self.n_layers, X.shape[0]
        A = X  # A^(0), (m, n_0)
        As, Zs = [A], []
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):  # layer l + 1
            shape = (m, W.shape[0])
            Z = np.matmul(A, W.T, out=workspace("Z", l, shape) if l < L - 1 else None)
            Z += b  # Z = A_prev W^T + b, (m, n_l)
            Zs.append(Z)
            if l < L - 1:  # hidden layer: A = g(Z); the output layer stays linear
                A = self._g_into(Z, workspace("A", l, shape), workspace("tmp", l, shape))  # (m, n_l)
                As.append(A)
        if store:
            self._cache = (As, Zs)
        return Zs[-1]  # Z^(L), (m, n_L)

    def _backward(
        self,
        dZ_out: np.ndarray,
        out: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Backpropagation without checks, for the last stored forward pass.

        ``dZ_out`` is read, never written. The gradients are written into ``out = (dW_list,
        db_list)`` when given (arrays of the parameters' shapes), else into fresh arrays.
        """
        if self._cache is None:  # the public callers check this; keep a clear message anyway
            raise RuntimeError("backward() needs the values of a forward pass: call forward(X) first")
        As, _ = self._cache
        dW_list, db_list = ([None] * self.n_layers, [None] * self.n_layers) if out is None else map(list, out)
        dZ = dZ_out  # dZ^(L), (m, n_L)
        for l in reversed(range(self.n_layers)):  # layer l + 1, from the last to the first
            A_prev = As[l]  # (m, n_{l-1})
            dW_list[l] = np.matmul(dZ.T, A_prev, out=dW_list[l])  # dW = dZ^T A_prev, (n_l, n_{l-1})
            db_list[l] = np.sum(dZ, axis=0, out=db_list[l])  # db = sum_i dZ_i, (n_l,)
            if l > 0:
                dA = np.matmul(dZ, self.weights[l], out=self._buffer("dA", l, A_prev.shape))  # dA_prev = dZ W
                g_prime = self._g_prime_from_output(A_prev, out=self._buffer("tmp", l - 1, A_prev.shape))
                dZ = np.multiply(dA, g_prime, out=dA)  # dZ_prev = dA_prev * g'(Z_prev), (m, n_{l-1})
        return dW_list, db_list

    def forward(self, X: np.ndarray) -> np.ndarray:
        r"""Run the network on ``X`` and return the logits :math:`Z^{(L)}`.

        Parameters
        ----------
        X : ndarray of shape (m, n_0)
            Inputs, one row per sample; finite.

        Returns
        -------
        ndarray of shape (m, n_L)
            Pre-activations of the last (linear) layer. The activations and
            pre-activations of every layer are kept for :meth:`backward`.
        """
        self._check_params()
        return self._forward(self._check_X(X))

    def backward(
        self,
        dZ_out: np.ndarray,
        *,
        out: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        r"""Backpropagate :math:`dZ^{(L)} = \partial J / \partial Z^{(L)}` through the last forward pass.

        Parameters
        ----------
        dZ_out : ndarray of shape (m, n_L)
            Gradient of the loss with respect to the logits returned by :meth:`forward`,
            already averaged over the batch (e.g. :func:`mlp_lab.losses.cross_entropy_grad`).
            It is not modified.
        out : (dW_list, db_list), optional, keyword-only
            Arrays to write the gradients into (float64, the shapes of ``weights`` and
            ``biases``, not the parameters themselves), e.g. the lists a previous call
            returned. Saves allocating them in a training loop. By default the gradients
            are new arrays.

        Returns
        -------
        dW_list, db_list : lists of ndarray
            :math:`\partial J / \partial W^{(l)}` (shapes of ``weights``) and
            :math:`\partial J / \partial b^{(l)}` (shapes of ``biases``). The current
            ``weights`` are used, so call this before updating them.

        Raises
        ------
        RuntimeError
            If :meth:`forward` has not been called yet.
        ValueError
            If ``dZ_out`` does not have the shape of the last logits or is not finite, or
            ``out`` does not match the parameters.
        """
        if self._cache is None:
            raise RuntimeError("backward() needs the values of a forward pass: call forward(X) first")
        self._check_params()
        expected = self._cache[1][-1].shape
        dZ_out = as_float_array(dZ_out, name="dZ_out", ndim=2)
        if dZ_out.shape != expected:
            raise ValueError(
                f"dZ_out must have the shape of the last forward's logits {expected}, got {dZ_out.shape}"
            )
        return self._backward(np.ascontiguousarray(dZ_out, dtype=np.float64), self._check_out(out))

    def _check_out(
        self, out: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None
    ) -> tuple[list[np.ndarray], list[np.ndarray]] | None:
        """Validate the ``out=`` gradient arrays: O(L) checks of type, shape, dtype and aliasing."""
        if out is None:
            return None
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise TypeError("out must be a pair (dW_list, db_list), e.g. the lists a previous call returned")
        params = [id(p) for p in self.parameters()]
        checked: list[list[np.ndarray]] = []
        for kind, arrays, params_l in (("dW_list", out[0], self.weights), ("db_list", out[1], self.biases)):
            arrays = list(arrays)
            if len(arrays) != self.n_layers:
                raise ValueError(f"out's {kind} must have {self.n_layers} arrays, got {len(arrays)}")
            for l, (g, p) in enumerate(zip(arrays, params_l, strict=True)):
                if not isinstance(g, np.ndarray) or g.dtype != np.float64:
                    got = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
                    raise TypeError(f"out's {kind}[{l}] must be a float64 NumPy array, got {got}")
                if g.shape != p.shape:
                    raise ValueError(f"out's {kind}[{l}] must have shape {p.shape}, got {g.shape}")
                if id(g) in params:
                    raise ValueError(f"out's {kind}[{l}] is a parameter of the network; pass separate arrays")
            checked.append(arrays)
        return checked[0], checked[1]

    # ------------------------------------------------------------------ loss + grads

    def check_data(self, X: object, y: object, *, loss: str) -> tuple[np.ndarray, np.ndarray]:
        """Validate a data set once for :meth:`loss_and_grads_unchecked`.

        Returns ``(X, Y)``: ``X`` as C-contiguous float64 ``(m, n_0)`` and the targets in the
        form the loss's ``value_and_grad`` expects (:data:`mlp_lab.losses.LOSSES`: int64
        labels ``(m,)`` or one-hot ``(m, n_L)`` for ``"cross_entropy"``, floats ``(m, 1)`` for
        ``"bce"``, ``(m, n_L)`` for ``"mse"``). Rows of the results can be sliced into
        mini-batches (``X[batch], Y[batch]``) and stay valid.
        """
        loss = check_choice(loss, name="loss", choices=LOSSES)
        X = self._check_X(X)
        return X, _losses.LOSSES[loss].check_targets(y, (X.shape[0], self.layer_sizes[-1]))

    def loss_and_grads_unchecked(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        loss: str,
        l2: float = 0.0,
        out: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
        with_loss: bool = True,
    ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """:meth:`loss_and_grads` without any check: the fast path of training loops.

        ``X`` and ``Y`` must come from :meth:`check_data` (or be rows of its results),
        ``loss`` must be a name of :data:`LOSSES` and ``l2 >= 0``; ``out``, when given, is a
        pair of gradient lists this network returned before. Nothing is checked, so a
        mistake gives a NumPy error or a wrong result rather than a clear message: use
        :meth:`loss_and_grads` unless the checks show up in a profile (chapter 9 measures
        them). ``with_loss=False`` skips computing the loss value (returned as NaN); the
        gradients, which are all a training step needs, are the same.
        """
        Z = self._forward(X)  # (m, n_L)
        J, dZ = _losses.LOSSES[loss].value_and_grad(Z, Y, with_loss)  # dZ: (m, n_L)
        dW_list, db_list = self._backward(dZ, out)
        if l2 > 0.0:
            for l, (W, dW) in enumerate(zip(self.weights, dW_list, strict=True)):
                if with_loss:
                    J += l2 * float(np.vdot(W, W))  # l2 * ||W||_F^2
                penalty = np.multiply(W, 2.0 * l2, out=self._buffer("l2", l, W.shape))  # 2 l2 W
                dW += penalty
        return J, dW_list, db_list

    def loss_and_grads(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        loss: str = "cross_entropy",
        l2: float = 0.0,
        out: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        r"""Loss on a batch and its gradient with respect to every weight and bias.

        .. math:: J = \frac{1}{m}\sum_{i=1}^m \ell\bigl(\mathbf z^{(L)}_i, y_i\bigr)
                      + \lambda \sum_{l=1}^{L} \lVert W^{(l)} \rVert_F^2,
                  \qquad
                  \frac{\partial J}{\partial W^{(l)}} = dW^{(l)}_{\text{data}} + 2\lambda W^{(l)}

        (biases are not penalised).

        Parameters
        ----------
        X : ndarray of shape (m, n_0)
        y : ndarray
            * ``"cross_entropy"``: integer labels ``(m,)`` or one-hot ``(m, n_L)``;
            * ``"bce"`` (the network needs ``n_L = 1``): targets in [0, 1], ``(m,)`` or ``(m, 1)``;
            * ``"mse"``: ``(m, n_L)``, or ``(m,)`` when ``n_L = 1``.
        loss : {"cross_entropy", "bce", "mse"}, keyword-only
            :func:`~mlp_lab.losses.cross_entropy`,
            :func:`~mlp_lab.losses.binary_cross_entropy_with_logits` or
            :func:`~mlp_lab.losses.mse` applied to the logits.
        l2 : float, keyword-only
            :math:`\lambda \ge 0`, the weight of the L2 penalty.
        out : (dW_list, db_list), optional, keyword-only
            Arrays to write the gradients into, as in :meth:`backward`. In a training loop,
            ``J, dW, db = net.loss_and_grads(Xb, yb, out=(dW, db))`` reuses the same arrays
            every step (keep copies of them if you need old gradients).

        Returns
        -------
        loss : float
        dW_list, db_list : lists of ndarray
            As in :meth:`backward` (the arrays of ``out`` when given).
        """
        l2 = check_nonnegative(l2, name="l2")
        self._check_params()
        grads = self._check_out(out)
        X, Y = self.check_data(X, y, loss=loss)
        return self.loss_and_grads_unchecked(X, Y, loss=loss, l2=l2, out=grads)

    # -------------------------------------------------------------------- prediction

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities: ``sigmoid(z)`` of shape ``(m,)`` for one output, else ``softmax(Z)`` ``(m, n_L)``.

        With one output the value is the probability of class 1. Does not touch the
        forward cache used by :meth:`backward`.
        """
        self._check_params()
        Z = self._forward(self._check_X(X), store=False)  # (m, n_L)
        if Z.shape[1] == 1:
            return sigmoid(Z[:, 0])  # (m,)
        return _losses.softmax(Z)  # (m, n_L)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels ``(m,)`` as int64.

        One output: 1 where the logit is ``> 0`` (probability above 0.5), else 0.
        Several outputs: the index of the largest logit (the first one on ties).
        """
        self._check_params()
        Z = self._forward(self._check_X(X), store=False)  # (m, n_L)
        if Z.shape[1] == 1:
            return (Z[:, 0] > 0).astype(np.int64)
        return np.argmax(Z, axis=1).astype(np.int64)

    # ------------------------------------------------------------------------ torch

    def to_torch(self) -> torch.nn.Sequential:
        """An equivalent ``torch.nn.Sequential`` in float64 with copies of the same weights.

        ``Linear, g, Linear, g, ..., Linear`` with ``g`` the module of ``activation``
        (``nn.ReLU``, ``nn.Sigmoid``, ``nn.Tanh`` or ``nn.Identity``). The torch model
        owns its own tensors: training it does not change this network. Building it does
        not consume torch's global random state.
        """
        import torch
        from torch import nn

        self._check_params()
        modules: dict[str, type[nn.Module]] = {
            "relu": nn.ReLU,
            "sigmoid": nn.Sigmoid,
            "tanh": nn.Tanh,
            "identity": nn.Identity,
        }
        layers: list[nn.Module] = []
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            linear = nn.utils.skip_init(nn.Linear, W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if l < self.n_layers - 1:
                layers.append(modules[self.activation]())
        return nn.Sequential(*layers)
