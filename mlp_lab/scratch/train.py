r"""The course's NumPy training loop, written once: :func:`train`.

Chapters 4, 5, 6 and 8 train :class:`mlp_lab.scratch.MLP` with an optimizer from
:mod:`mlp_lab.scratch.optim`; this is the loop they share (the PyTorch side has its own, ``fit``).
The arguments and the data are checked once, before the loop; then one epoch is one pass over the
training set, in mini-batches drawn without replacement (or the whole set at once)::

    for epoch in 1..epochs:
        order = rng.permutation(m)                          # a new order every epoch
        for each slice B of order (batch_size rows):
            J, dW, db = loss and gradients on (X[B], Y[B])  # MLP.loss_and_grads without its checks
            optimizer.step(MLP.flat_grads(dW, db))          # theta <- theta - ...
        record the loss on the whole training (and validation) set

The recorded loss is the **data** loss :math:`\frac1m\sum_i \ell(\mathbf z_i, y_i)` without
the L2 penalty, so training and validation curves compare directly; entry 0 is the loss of
the initial weights. Read the chapters for the loop itself (chapter 4 writes it out); call
:func:`train` once the loop is no longer the lesson.

Example
-------
>>> from mlp_lab.data import make_moons
>>> from mlp_lab.scratch import MLP, train
>>> from mlp_lab.scratch.optim import Adam
>>> X, y = make_moons(200, seed=0)
>>> net = MLP([2, 16, 1], seed=0)
>>> curves = train(net, Adam(net.parameters(), lr=0.01), X, y, loss="bce", epochs=50, batch_size=32)
>>> curves.train.shape                               # loss before training, then after each epoch
(51,)
>>> bool(curves.train[-1] < curves.train[0])
True
"""

from dataclasses import dataclass

import numpy as np

from mlp_lab._validation import NONNEGATIVE, POSITIVE_INT, SEED, Options, validate
from mlp_lab.scratch.losses import LOSSES
from mlp_lab.scratch.mlp import MLP
from mlp_lab.scratch.optim import SGD, Adam

__all__ = ["Curves", "train"]


@dataclass
class Curves:
    """What :func:`train` returns: the loss curves and how the run ended.

    Attributes
    ----------
    train : ndarray of shape (n + 1,)
        Data loss (no L2 penalty) on the whole training set: entry 0 before any update,
        entry ``k`` after ``k`` epochs (or ``k`` steps with ``record="step"``).
    val : ndarray of shape (n + 1,) or None
        The same on the validation set, when one was given.
    steps : int
        Optimizer steps taken.
    best : int or None
        Index of the lowest validation loss (the first one on ties); None without validation data.
    diverged : bool
        True if training stopped because a gradient held NaN or inf (the curves end at the
        last finite weights' loss; the network keeps the weights it had before that step).
    stopped_early : bool
        True if ``patience`` ran out before ``epochs``.
    """

    train: np.ndarray
    val: np.ndarray | None
    steps: int
    best: int | None
    diverged: bool
    stopped_early: bool


def _data_loss(net: MLP, X: np.ndarray, Y: np.ndarray, loss: str) -> float:
    """Mean loss of the network on validated ``(X, Y)``, without the L2 penalty."""
    Z = net._layers(X)[1][-1]  # logits (m, n_L)
    return LOSSES[loss].value_and_grad(Z, Y)[0]


def _step(net: MLP, optimizer: SGD | Adam, X: np.ndarray, Y: np.ndarray, *, loss: str, l2: float) -> bool:
    """One optimizer step on the batch ``(X, Y)``; False (and no update) if a gradient is not finite."""
    _, dW, db = net._loss_and_grads(X, Y, loss, l2)
    grads = MLP.flat_grads(dW, db)  # [dW1, db1, dW2, db2, ...], the order of net.parameters()
    if not all(np.isfinite(g).all() for g in grads):
        return False
    optimizer.step(grads)
    return True


#: What each argument of :func:`train` accepts (data are checked by :meth:`MLP.check_data`).
_CONSTRAINTS = {"net": [MLP], "optimizer": [SGD, Adam], "epochs": POSITIVE_INT, "batch_size": [*POSITIVE_INT, None],
                "l2": NONNEGATIVE, "seed": SEED, "patience": [*POSITIVE_INT, None],
                "record": [Options(("epoch", "step"))]}


def train(net: MLP, optimizer: SGD | Adam, X: np.ndarray, y: np.ndarray, *, loss: str, epochs: int,
          batch_size: int | None = None, l2: float = 0.0, seed: int = 0, X_val: np.ndarray | None = None,
          y_val: np.ndarray | None = None, patience: int | None = None, record: str = "epoch") -> Curves:
    r"""Train ``net`` in place with ``optimizer`` on ``(X, y)``; return the loss curves.

    Each epoch visits the ``m`` training rows once, in slices of ``batch_size`` of a fresh
    permutation ``np.random.default_rng(seed).permutation(m)`` (the last slice may be
    shorter); each slice is one step on the gradient of

    .. math:: J = \frac{1}{|B|}\sum_{i \in B} \ell(\mathbf z_i, y_i)
                  + \lambda \sum_l \lVert W^{(l)} \rVert_F^2 .

    Parameters
    ----------
    net : MLP
        The network, updated in place.
    optimizer : SGD or Adam
        From :mod:`mlp_lab.scratch.optim`, built on ``net.parameters()``; its state (moments, ``t``)
        carries over if :func:`train` is called again.
    X : ndarray of shape (m, n_0)
    y : ndarray
        Targets in the form :meth:`MLP.loss_and_grads` accepts for ``loss``.
    loss : {"cross_entropy", "bce", "mse"}, keyword-only
    epochs : int, keyword-only
        Passes over the training set, ``>= 1``.
    batch_size : int or None, keyword-only
        Rows per step; None (the default) is full-batch gradient descent, one step per
        epoch on all rows in their order (no random numbers drawn).
    l2 : float, keyword-only
        :math:`\lambda \ge 0`, the L2 penalty on the weights (not the biases).
    seed : int, keyword-only
        Seed of the generator that orders the mini-batches.
    X_val, y_val : ndarray, optional, keyword-only
        Validation data; its loss is recorded next to the training loss.
    patience : int, optional, keyword-only
        Early stopping (needs validation data): stop once the validation loss has not
        improved on its best for ``patience`` records; at the end (stopped or not) put back
        the weights of the best record, ``Curves.best``. Without it the network keeps its
        last weights.
    record : {"epoch", "step"}, keyword-only
        Record the losses after every epoch (default) or after every optimizer step.

    Returns
    -------
    Curves
        ``train`` (and ``val``) data losses, entry 0 before training, and how the run ended.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, naming it. A gradient holding NaN or inf does not raise: the run
        stops there and ``Curves.diverged`` is True.
    """
    validate(_CONSTRAINTS, net=net, optimizer=optimizer, epochs=epochs, batch_size=batch_size, l2=l2, seed=seed,
             patience=patience, record=record)
    if [id(p) for p in optimizer.params] != [id(p) for p in net.parameters()]:
        raise ValueError("optimizer must update this network's parameters: build it as "
                         "Adam(net.parameters(), ...) (same arrays, same order)")
    has_val = X_val is not None
    if has_val != (y_val is not None):
        raise ValueError("pass both X_val and y_val, or neither")
    if patience is not None and not has_val:
        raise ValueError("patience needs validation data: pass X_val and y_val")
    data = {"train": net.check_data(X, y, loss=loss)}  # validated once; rows are sliced below
    if has_val:
        data["val"] = net.check_data(X_val, y_val, loss=loss)
    curves, best, best_params = {name: [] for name in data}, 0, None

    def measure() -> bool:
        """Append the current losses; True when ``patience`` records passed without a new best."""
        nonlocal best, best_params
        for name, (X_, Y_) in data.items():
            curves[name].append(_data_loss(net, X_, Y_, loss))
        val = curves.get("val", [])
        if val and (len(val) == 1 or val[-1] < val[best]):
            best, best_params = len(val) - 1, [p.copy() for p in net.parameters()] if patience else None
        return patience is not None and len(val) - 1 - best >= patience

    measure()
    (X, Y), rng = data["train"], np.random.default_rng(seed)
    m = len(X)
    size = m if batch_size is None else batch_size
    steps, diverged, stopped_early = 0, False, False
    for _ in range(epochs):
        order = np.arange(m) if batch_size is None else rng.permutation(m)  # (m,)
        for start in range(0, m, size):
            B = order[start:start + size]  # the rows of this mini-batch
            if not _step(net, optimizer, X[B], Y[B], loss=loss, l2=float(l2)):
                diverged = True
                break
            steps += 1
            if record == "step" and (stopped_early := measure()):
                break
        if diverged or stopped_early or (record == "epoch" and (stopped_early := measure())):
            break
    if best_params is not None:  # early stopping: put back the weights of the best validation loss
        for p, p_best in zip(net.parameters(), best_params, strict=True):
            p[...] = p_best
    return Curves(np.array(curves["train"]), np.array(curves["val"]) if has_val else None, steps,
                  best if has_val else None, diverged, stopped_early)
