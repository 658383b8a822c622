"""Chapter 9's in-place engine equals the plain one; its buffers really are reused."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lab.data import make_spirals
from mlp_lab.scratch import MLP, train
from mlp_lab.scratch.activations import ACTIVATIONS
from mlp_lab.scratch.inplace import InplaceAdam, InplaceMLP, step_flops
from mlp_lab.scratch.optim import Adam


def _data(loss: str, m: int = 9, seed: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 4))
    if loss == "mse":
        return X, rng.standard_normal(m), 1
    if loss == "bce":
        return X, rng.integers(0, 2, size=m).astype(float), 1
    return X, rng.integers(0, 3, size=m), 3


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["cross_entropy", "bce", "mse"])
def test_loss_and_grads_into_equals_the_plain_engine(activation: str, loss: str) -> None:
    X, y, n_out = _data(loss)
    plain, fast = (cls([4, 6, 5, n_out], activation=activation, seed=3) for cls in (MLP, InplaceMLP))
    J, dW, db = plain.loss_and_grads(X, y, loss=loss, l2=0.1)
    X_checked, Y = fast.check_data(X, y, loss=loss)
    out = ([np.full_like(g, np.nan) for g in dW], [np.full_like(g, np.nan) for g in db])
    for kwargs in ({}, {"out": out}):
        J2, dW2, db2 = fast.loss_and_grads_into(X_checked, Y, loss=loss, l2=0.1, **kwargs)
        np.testing.assert_allclose(J2, J, rtol=1e-15, atol=0)
        for a, b in zip(dW + db, dW2 + db2, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-15, atol=0)
    assert all(a is b for a, b in zip(dW2 + db2, out[0] + out[1], strict=True))  # written in place


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_buffers_are_reused_from_step_to_step_and_resized_with_the_batch(activation: str) -> None:
    net = InplaceMLP([5, 7, 3, 2], activation=activation)
    X, y = net.check_data(np.random.default_rng(0).standard_normal((4, 5)), np.array([0, 1, 1, 0]),
                          loss="cross_entropy")
    net.loss_and_grads_into(X, y, loss="cross_entropy")
    before = {key: id(buf) for key, buf in net._work.items()}
    net.loss_and_grads_into(X, y, loss="cross_entropy")
    assert {key: id(buf) for key, buf in net._work.items()} == before
    for m in (5, 11, 1):
        Xm, ym = np.random.default_rng(m).standard_normal((m, 5)), np.arange(m) % 2
        J, dW, db = net.loss_and_grads_into(*net.check_data(Xm, ym, loss="cross_entropy"), loss="cross_entropy")
        J_new, dW_new, db_new = MLP([5, 7, 3, 2], activation=activation).loss_and_grads(Xm, ym)
        np.testing.assert_allclose(J, J_new, rtol=1e-15, atol=0)
        for a, b in zip(dW + db, dW_new + db_new, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-15, atol=0)


@pytest.mark.parametrize("kwargs", [{}, {"weight_decay": 0.01}, {"weight_decay": 0.01, "decoupled": True}])
def test_inplace_adam_equals_adam(kwargs: dict) -> None:
    rng = np.random.default_rng(1)
    shapes = [(3, 4), (3,), (2, 3), (2,)]
    p_plain = [rng.standard_normal(s) for s in shapes]
    p_fast = [p.copy() for p in p_plain]
    plain, fast = Adam(p_plain, lr=0.01, **kwargs), InplaceAdam(p_fast, lr=0.01, **kwargs)
    for _ in range(20):
        grads = [rng.standard_normal(s) for s in shapes]
        plain.step(grads)
        fast.step(grads)
    for a, b in zip(p_plain, p_fast, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-15)


def test_training_with_the_inplace_engine_follows_the_same_path() -> None:
    X, y = make_spirals(120)
    nets = [cls([2, 12, 9, int(y.max()) + 1], activation="tanh", seed=3) for cls in (MLP, InplaceMLP)]
    curves = [train(net, opt(net.parameters(), lr=0.01), X, y, loss="cross_entropy", epochs=3, batch_size=32,
                    l2=1e-3) for net, opt in zip(nets, (Adam, InplaceAdam), strict=True)]
    np.testing.assert_allclose(curves[1].train, curves[0].train, rtol=1e-12, atol=0)
    for a, b in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_step_flops_by_hand() -> None:
    # [4, 4, 4, 10], m = 2: products 16, 16, 40; forward 2m*72, dW 2m*72, dA (layers 2, 3) 2m*56
    assert step_flops([4, 4, 4, 10], 2) == 2 * 2 * (72 + 72 + 56)
    assert step_flops([3, 5], 7) == 2 * 7 * 2 * 15  # one layer: no dA for the input
