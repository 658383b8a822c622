"""mlp_lab.scratch.train against the loop written out by hand, step by step."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mlp_lab.scratch import MLP, Curves, losses, train
from mlp_lab.scratch.optim import SGD, Adam

RTOL, ATOL = 1e-12, 1e-14


def data(loss: str, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 3))  # (m, 3)
    if loss == "cross_entropy":
        y = rng.integers(0, 3, size=m)
    elif loss == "bce":
        y = rng.integers(0, 2, size=m).astype(float)
    else:
        y = rng.standard_normal(m)
    return X, y


def n_out(loss: str) -> int:
    return 3 if loss == "cross_entropy" else 1


def data_loss(net: MLP, X: np.ndarray, y: np.ndarray, loss: str) -> float:
    """The loss by the public, checked functions of mlp_lab.scratch.losses."""
    Z = net.forward(X)
    if loss == "cross_entropy":
        return losses.cross_entropy(Z, y)
    if loss == "bce":
        return losses.binary_cross_entropy_with_logits(Z[:, 0], y)
    return losses.mse(Z[:, 0], y)


def by_hand(net, opt, X, y, *, loss, epochs, batch_size, l2, seed, X_val=None, y_val=None, record="epoch"):
    """The loop written out, as chapter 4 does, with public checked methods only."""
    rng = np.random.default_rng(seed)
    m = len(X)
    train_curve = [data_loss(net, X, y, loss)]
    val_curve = [] if X_val is None else [data_loss(net, X_val, y_val, loss)]

    def log():
        train_curve.append(data_loss(net, X, y, loss))
        if X_val is not None:
            val_curve.append(data_loss(net, X_val, y_val, loss))

    for _ in range(epochs):
        order = np.arange(m) if batch_size is None else rng.permutation(m)
        size = m if batch_size is None else batch_size
        for start in range(0, m, size):
            batch = order[start:start + size]
            _, dW, db = net.loss_and_grads(X[batch], y[batch], loss=loss, l2=l2)
            opt.step(MLP.flat_grads(dW, db))
            if record == "step":
                log()
        if record == "epoch":
            log()
    return np.array(train_curve), (np.array(val_curve) if X_val is not None else None)


@pytest.mark.parametrize("loss", ["cross_entropy", "bce", "mse"])
@pytest.mark.parametrize("batch_size", [None, 7, 40])
@pytest.mark.parametrize("make_opt", ["sgd", "adam"])
@pytest.mark.parametrize("record", ["epoch", "step"])
def test_train_equals_the_loop_by_hand(loss, batch_size, make_opt, record) -> None:
    X, y = data(loss, 30, seed=1)
    X_val, y_val = data(loss, 11, seed=2)
    curves_weights = []
    for run in ("library", "by hand"):
        net = MLP([3, 5, n_out(loss)], activation="tanh", seed=4)
        opt = (SGD(net.parameters(), lr=0.1, momentum=0.9) if make_opt == "sgd"
               else Adam(net.parameters(), lr=0.01))
        kwargs = dict(loss=loss, epochs=4, batch_size=batch_size, l2=0.01, seed=3,
                      X_val=X_val, y_val=y_val, record=record)
        if run == "library":
            c = train(net, opt, X, y, **kwargs)
            curves_weights.append((c.train, c.val, net.parameters()))
            steps_per_epoch = 1 if batch_size is None else -(-30 // batch_size)
            assert c.steps == 4 * steps_per_epoch
            assert len(c.train) == 1 + (4 if record == "epoch" else c.steps)
            assert not c.diverged and not c.stopped_early
            assert c.best == int(np.argmin(c.val))
        else:
            train_curve, val_curve = by_hand(net, opt, X, y, **kwargs)
            curves_weights.append((train_curve, val_curve, net.parameters()))
    (t1, v1, p1), (t2, v2, p2) = curves_weights
    np.testing.assert_allclose(t1, t2, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(v1, v2, rtol=RTOL, atol=ATOL)
    for a, b in zip(p1, p2, strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def test_curves_are_the_data_loss_without_the_penalty() -> None:
    X, y = data("bce", 20, seed=0)
    net = MLP([3, 4, 1], seed=0)
    c = train(net, SGD(net.parameters(), lr=0.1), X, y, loss="bce", epochs=2, l2=0.5)
    assert c.val is None and c.best is None
    np.testing.assert_allclose(c.train[-1], data_loss(net, X, y, "bce"), rtol=RTOL, atol=ATOL)


def test_full_batch_draws_no_random_numbers_and_the_seed_orders_batches() -> None:
    X, y = data("bce", 20, seed=0)
    finals = {}
    for batch_size, seed in [(None, 0), (None, 1), (5, 0), (5, 1)]:
        net = MLP([3, 4, 1], seed=0)
        finals[batch_size, seed] = train(net, SGD(net.parameters(), lr=0.1), X, y, loss="bce",
                                         epochs=3, batch_size=batch_size, seed=seed).train[-1]
    assert finals[None, 0] == finals[None, 1]
    assert finals[5, 0] != finals[5, 1]


def test_early_stopping_restores_the_best_weights() -> None:
    """An overfitting run: the validation loss turns up, training stops `patience` epochs later."""
    X, y = data("bce", 12, seed=0)
    X_val, y_val = data("bce", 50, seed=5)
    net = MLP([3, 32, 1], seed=0)
    c = train(net, Adam(net.parameters(), lr=0.05), X, y, loss="bce", epochs=400,
              X_val=X_val, y_val=y_val, patience=10)
    assert c.stopped_early
    assert c.best == int(np.argmin(c.val)) == len(c.val) - 1 - 10
    np.testing.assert_allclose(data_loss(net, X_val, y_val, "bce"), c.val[c.best], rtol=RTOL, atol=ATOL)


def test_patience_restores_the_initial_weights_when_they_are_best() -> None:
    X, y = data("bce", 12, seed=0)
    net = MLP([3, 4, 1], seed=0)
    before = [p.copy() for p in net.parameters()]
    # validating on the opposite labels: every step makes the validation loss worse
    c = train(net, Adam(net.parameters(), lr=0.1), X, y, loss="bce", epochs=50,
              X_val=X, y_val=1.0 - y, patience=3)
    assert c.stopped_early and c.best == 0 and len(c.val) == 4
    for a, b in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_divergence_stops_the_run_without_raising() -> None:
    X, y = data("mse", 20, seed=0)
    X = X * 1e3
    net = MLP([3, 8, 1], seed=0)
    with np.errstate(all="ignore"):
        c = train(net, SGD(net.parameters(), lr=10.0), X, y, loss="mse", epochs=100)
    assert c.diverged and not c.stopped_early
    assert c.steps < 100 and len(c.train) == c.steps + 1
    assert all(np.isfinite(p).all() for p in net.parameters())


def test_returns_curves() -> None:
    X, y = data("cross_entropy", 10, seed=0)
    net = MLP([3, 4, 3], seed=0)
    assert isinstance(train(net, SGD(net.parameters(), lr=0.1), X, y, loss="cross_entropy", epochs=1), Curves)


@pytest.mark.parametrize(
    "change, err, match",
    [
        ({"net": "net"}, TypeError, "net"),
        ({"optimizer": "adam"}, TypeError, "optimizer"),
        ({"optimizer": "other net"}, ValueError, "optimizer"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.0}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"seed": -1}, ValueError, "seed"),
        ({"record": "batch"}, ValueError, "record"),
        ({"patience": 3}, ValueError, "patience"),
        ({"X_val": np.zeros((2, 3))}, ValueError, "pass"),
        ({"loss": "hinge"}, ValueError, "loss"),
        ({"y": np.zeros(9)}, ValueError, "y"),
        ({"X": np.zeros((10, 2))}, ValueError, "X"),
    ],
)
def test_bad_arguments_are_named(change, err, match) -> None:
    X, y = data("bce", 10, seed=0)
    net = MLP([3, 4, 1], seed=0)
    args = {"net": net, "optimizer": SGD(net.parameters(), lr=0.1), "X": X, "y": y}
    kwargs = {"loss": "bce", "epochs": 2}
    for key, value in change.items():
        if key == "optimizer" and value == "other net":
            value = SGD(MLP([3, 4, 1], seed=1).parameters(), lr=0.1)
        (args if key in args else kwargs)[key] = value
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        train(args["net"], args["optimizer"], args["X"], args["y"], **kwargs)
