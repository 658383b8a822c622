"""The from-scratch MLP: gradients against torch.autograd and finite differences, a hand-worked
example, initialisation statistics, helpers, and every bad-input case."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlp_lab.data import make_xor
from mlp_lab.scratch import MLP, losses
from mlp_lab.scratch.activations import ACTIVATIONS
from mlp_lab.scratch.gradcheck import numerical_gradient, relative_error

TOL_AUTOGRAD = 1e-10  # max relative error vs torch.autograd (float64)
TOL_NUMERIC = 1e-6  # max relative error vs central differences (eps = 1e-5)
N_IN, M = 5, 9
N_OUT = {"cross_entropy": 4, "bce": 1, "mse": 3}
TORCH_ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda t: t}


def _targets(loss: str, n_out: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if loss == "cross_entropy":
        return rng.integers(0, n_out, size=m)
    if loss == "bce":
        return rng.integers(0, 2, size=m).astype(np.float64)
    return rng.standard_normal((m, n_out))


def _torch_reference(net: MLP, X: np.ndarray, y: np.ndarray, loss: str, l2: float):
    """Loss and gradients by torch.autograd, built from the equations (not from to_torch)."""
    Ws = [torch.tensor(W, requires_grad=True) for W in net.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in net.biases]
    g = TORCH_ACT[net.activation]
    A = torch.from_numpy(X)
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = A @ W.T + b
        A = g(Z) if l < len(Ws) - 1 else Z
    if loss == "cross_entropy":
        J = F.cross_entropy(Z, torch.from_numpy(y))
    elif loss == "bce":
        J = F.binary_cross_entropy_with_logits(Z[:, 0], torch.from_numpy(y))
    else:
        J = F.mse_loss(Z, torch.from_numpy(y))
    J = J + l2 * sum((W**2).sum() for W in Ws)
    J.backward()
    return J.item(), [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs], Z.detach().numpy()


def _worst(grads_a: list[np.ndarray], grads_b: list[np.ndarray]) -> float:
    return max(relative_error(a, b) for a, b in zip(grads_a, grads_b, strict=True))


# depth = number of weight layers; the width of the hidden layers is irrelevant for depth 1
AUTOGRAD_CASES = [
    (depth, width, act, loss, l2)
    for depth, width, act, loss, l2 in itertools.product(
        [1, 2, 3, 4], [1, 7, 32], sorted(ACTIVATIONS), sorted(N_OUT), [0.0, 0.1]
    )
    if depth > 1 or width == 1
]


@pytest.mark.parametrize("depth, width, activation, loss, l2", AUTOGRAD_CASES)
def test_loss_and_grads_match_autograd(depth: int, width: int, activation: str, loss: str, l2: float) -> None:
    sizes = [N_IN] + [width] * (depth - 1) + [N_OUT[loss]]
    net = MLP(sizes, activation=activation, seed=depth * 100 + width)
    X = np.random.default_rng(width).standard_normal((M, N_IN))
    y = _targets(loss, N_OUT[loss], M, seed=depth)
    J, dW, db = net.loss_and_grads(X, y, loss=loss, l2=l2)
    J_t, dW_t, db_t, Z_t = _torch_reference(net, X, y, loss, l2)
    np.testing.assert_allclose(J, J_t, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.forward(X), Z_t, rtol=1e-12, atol=1e-14)
    assert [g.shape for g in dW] == [W.shape for W in net.weights]
    assert [g.shape for g in db] == [b.shape for b in net.biases]
    assert _worst(dW, dW_t) <= TOL_AUTOGRAD
    assert _worst(db, db_t) <= TOL_AUTOGRAD


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 2], [3, 16, 4], [2, 32, 8, 1, 5]])
def test_backward_of_any_upstream_gradient_matches_autograd(activation: str, sizes: list[int]) -> None:
    """backward(dZ) is the vector-Jacobian product: compare with torch's out.backward(dZ)."""
    net = MLP(sizes, activation=activation, seed=7)
    rng = np.random.default_rng(8)
    X = rng.standard_normal((6, sizes[0]))
    dZ = rng.standard_normal((6, sizes[-1]))
    dZ_before = dZ.copy()
    Z = net.forward(X)
    dW, db = net.backward(dZ)
    np.testing.assert_array_equal(dZ, dZ_before)  # not modified
    model = net.to_torch()
    out = model(torch.from_numpy(X))
    np.testing.assert_allclose(Z, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    out.backward(torch.from_numpy(dZ))
    linears = [mod for mod in model if isinstance(mod, torch.nn.Linear)]
    assert _worst(dW, [lin.weight.grad.numpy() for lin in linears]) <= TOL_AUTOGRAD
    assert _worst(db, [lin.bias.grad.numpy() for lin in linears]) <= TOL_AUTOGRAD


@pytest.mark.parametrize("target_form", ["labels", "one_hot"])
def test_cross_entropy_one_hot_and_labels_agree(target_form: str) -> None:
    net = MLP([3, 6, 4], activation="tanh", seed=1)
    X = np.random.default_rng(2).standard_normal((10, 3))
    y = np.random.default_rng(3).integers(0, 4, size=10)
    target = y if target_form == "labels" else np.eye(4)[y]
    J, dW, db = net.loss_and_grads(X, target)
    J_t, dW_t, db_t, _ = _torch_reference(net, X, y, "cross_entropy", 0.0)
    np.testing.assert_allclose(J, J_t, rtol=1e-12)
    assert _worst(dW + db, dW_t + db_t) <= TOL_AUTOGRAD


# ---------------------------------------------------------------- finite differences

# Smooth activations (tanh, sigmoid, identity) have no kinks, so central differences
# are accurate everywhere. ReLU is included only with a guard: the test asserts that no
# hidden pre-activation lies within 1e-4 of the kink, where a step of eps = 1e-5 could
# cross it (with these seeds none does). eps = 1e-5 rather than the default 1e-6 balances
# truncation (~eps^2) against rounding (~1e-16 / eps): at 1e-6 the rounding noise alone
# reaches a few 1e-6 on the smallest gradient entries.
NUMERIC_CASES = list(itertools.product(["tanh", "sigmoid", "identity", "relu"], sorted(N_OUT), [1, 2, 3], [0.0, 0.05]))


@pytest.mark.parametrize("activation, loss, depth, l2", NUMERIC_CASES)
def test_loss_and_grads_match_central_differences(activation: str, loss: str, depth: int, l2: float) -> None:
    n_out = 1 if loss == "bce" else 3
    sizes = [4] + [6] * (depth - 1) + [n_out]
    net = MLP(sizes, activation=activation, init="xavier", seed=depth)
    rng = np.random.default_rng(depth + 10)
    X = rng.standard_normal((8, 4))
    y = _targets(loss, n_out, 8, seed=depth + 20)
    if activation == "relu":
        net.forward(X)
        hidden_Z = net._cache[1][:-1]
        assert all(np.min(np.abs(Z)) > 1e-4 for Z in hidden_Z), "a ReLU input is too close to its kink"
    _, dW, db = net.loss_and_grads(X, y, loss=loss, l2=l2)

    def J() -> float:
        return net.loss_and_grads(X, y, loss=loss, l2=l2)[0]

    for param, grad in zip(net.parameters(), MLP.flat_grads(dW, db), strict=True):
        numeric = numerical_gradient(J, param, eps=1e-5)
        assert relative_error(grad, numeric) <= TOL_NUMERIC


# ----------------------------------------------------------- a hand-worked example


def test_hand_worked_2_2_1_relu_mse() -> None:
    r"""One sample through a 2-2-1 ReLU network with squared error, every number by hand.

    x = (1, 2), y = 1, W1 = [[1, -1], [0.5, 2]], b1 = (0, -1), W2 = [[1, -2]], b2 = (0.5).

    Forward:  z1 = W1 x + b1 = (1 - 2 + 0, 0.5 + 4 - 1) = (-1, 3.5)
              a1 = relu(z1) = (0, 3.5)
              z2 = W2 a1 + b2 = 0 - 7 + 0.5 = -6.5
              J  = (z2 - y)^2 = (-7.5)^2 = 56.25            (m = 1, one output)
    Backward: dz2 = 2 (z2 - y) = -15
              dW2 = dz2 a1^T = [[0, -52.5]],  db2 = (-15)
              da1 = W2^T dz2 = (-15, 30)
              dz1 = da1 * relu'(z1) = (-15 * 0, 30 * 1) = (0, 30)
              dW1 = dz1 x^T = [[0, 0], [30, 60]],  db1 = (0, 30)
    """
    net = MLP([2, 2, 1], activation="relu")
    net.weights[0][...] = [[1.0, -1.0], [0.5, 2.0]]
    net.biases[0][...] = [0.0, -1.0]
    net.weights[1][...] = [[1.0, -2.0]]
    net.biases[1][...] = [0.5]
    X = np.array([[1.0, 2.0]])
    y = np.array([1.0])

    np.testing.assert_allclose(net.forward(X), [[-6.5]], rtol=0, atol=1e-15)
    J, dW, db = net.loss_and_grads(X, y, loss="mse")
    np.testing.assert_allclose(J, 56.25, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW[1], [[0.0, -52.5]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db[1], [-15.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW[0], [[0.0, 0.0], [30.0, 60.0]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db[0], [0.0, 30.0], rtol=0, atol=1e-12)

    # with l2 = 0.1: J += 0.1 (1 + 1 + 0.25 + 4 + 1 + 4) = 1.125, dW += 0.2 W, biases unchanged
    J2, dW2, db2 = net.loss_and_grads(X, y, loss="mse", l2=0.1)
    np.testing.assert_allclose(J2, 56.25 + 1.125, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW2[0], [[0.2, -0.2], [30.1, 60.4]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW2[1], [[0.2, -52.9]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db2[0], db[0], rtol=0, atol=0)


def test_hand_worked_softmax_output_layer() -> None:
    """A single linear layer with 2 classes: dZ = p - onehot, dW = dZ^T x, all by hand."""
    net = MLP([2, 2], init="normal")
    net.weights[0][...] = [[1.0, 0.0], [0.0, 1.0]]
    X = np.array([[np.log(3.0), 0.0]])  # logits (log 3, 0): p = (3/4, 1/4)
    J, dW, db = net.loss_and_grads(X, np.array([1]))
    np.testing.assert_allclose(J, np.log(4.0), rtol=1e-15)  # -log(1/4)
    np.testing.assert_allclose(db[0], [0.75, -0.75], rtol=1e-15)
    np.testing.assert_allclose(dW[0], [[0.75 * np.log(3.0), 0.0], [-0.75 * np.log(3.0), 0.0]], rtol=1e-15)


# ------------------------------------------------------------------- initialisation


@pytest.mark.parametrize(
    "init, std",
    [("he", lambda n_in, n_out: np.sqrt(2 / n_in)),
     ("xavier", lambda n_in, n_out: np.sqrt(2 / (n_in + n_out))),
     ("normal", lambda n_in, n_out: 0.01)],
)
def test_init_statistics(init: str, std) -> None:
    net = MLP([1000, 500, 40], init=init, seed=3)
    for W, b, (n_in, n_out) in zip(net.weights, net.biases, [(1000, 500), (500, 40)], strict=True):
        assert W.shape == (n_out, n_in) and W.dtype == np.float64 and W.flags.c_contiguous
        expected = std(n_in, n_out)
        # standard error of a sample std is std / sqrt(2N): 0.1% and 0.5% here
        np.testing.assert_allclose(W.std(), expected, rtol=0.03)
        assert abs(W.mean()) < 4 * expected / np.sqrt(W.size)
        np.testing.assert_array_equal(b, np.zeros(n_out))


def test_init_reproducible_and_seed_dependent() -> None:
    a, b, c = MLP([4, 8, 3], seed=5), MLP([4, 8, 3], seed=5), MLP([4, 8, 3], seed=6)
    for Wa, Wb, Wc in zip(a.weights, b.weights, c.weights, strict=True):
        np.testing.assert_array_equal(Wa, Wb)
        assert not np.allclose(Wa, Wc)
    # the documented recipe: layer by layer, std * rng.standard_normal((n_l, n_{l-1}))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(a.weights[0], np.sqrt(2 / 4) * rng.standard_normal((8, 4)))
    np.testing.assert_array_equal(a.weights[1], np.sqrt(2 / 8) * rng.standard_normal((3, 8)))


# -------------------------------------------------------------------------- helpers


def test_parameters_order_identity_and_flat_grads() -> None:
    net = MLP([3, 5, 4, 2], seed=1)
    params = net.parameters()
    assert len(params) == 6
    for l in range(3):
        assert params[2 * l] is net.weights[l] and params[2 * l + 1] is net.biases[l]
    assert net.n_params == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    assert net.n_params == sum(p.size for p in params)
    assert net.n_layers == 3
    X = np.random.default_rng(0).standard_normal((7, 3))
    _, dW, db = net.loss_and_grads(X, np.array([0, 1, 1, 0, 1, 0, 0]))
    grads = MLP.flat_grads(dW, db)
    assert [g.shape for g in grads] == [p.shape for p in params]
    assert grads[0] is dW[0] and grads[1] is db[0] and grads[5] is db[2]
    # an in-place update (what mlp_lab.scratch.optim does) is seen by the network
    before = net.forward(X).copy()
    for p, g in zip(params, grads, strict=True):
        p -= 0.5 * g
    assert not np.allclose(net.forward(X), before)
    with pytest.raises(ValueError, match=r"dW_list and db_list must have one entry per layer, got 2 and 3"):
        MLP.flat_grads(dW[:2], db)


def test_gradient_descent_learns_xor() -> None:
    X, y = make_xor(200, noise=0.1, seed=0)
    net = MLP([2, 8, 1], activation="tanh", init="xavier", seed=0)
    params = net.parameters()
    first = net.loss_and_grads(X, y, loss="bce")[0]
    for _ in range(300):
        J, dW, db = net.loss_and_grads(X, y, loss="bce")
        for p, g in zip(params, MLP.flat_grads(dW, db), strict=True):
            p -= 0.5 * g
    assert J < 0.1 * first
    assert np.mean(net.predict(X) == y) >= 0.98


def test_to_torch_equivalent_and_independent() -> None:
    net = MLP([3, 7, 5, 2], activation="tanh", seed=2)
    state = torch.random.get_rng_state()
    model = net.to_torch()
    assert torch.equal(torch.random.get_rng_state(), state)  # torch's global RNG untouched
    kinds = [type(mod).__name__ for mod in model]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert all(p.dtype == torch.float64 and p.device.type == "cpu" for p in model.parameters())
    X = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(model(torch.from_numpy(X)).detach().numpy(), net.forward(X), rtol=1e-13, atol=1e-15)
    with torch.no_grad():
        model[0].weight.zero_()
    assert np.any(net.weights[0] != 0)  # copies, not shared memory
    for name, cls in [("relu", "ReLU"), ("sigmoid", "Sigmoid"), ("identity", "Identity")]:
        assert type(MLP([2, 3, 1], activation=name).to_torch()[1]).__name__ == cls


def test_predict_proba_and_predict() -> None:
    X = np.random.default_rng(4).standard_normal((12, 3))
    binary = MLP([3, 6, 1], seed=1)
    z = binary.forward(X)[:, 0]
    p = binary.predict_proba(X)
    assert p.shape == (12,)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_array_equal(binary.predict(X), (z > 0).astype(np.int64))
    multi = MLP([3, 6, 4], seed=1)
    P = multi.predict_proba(X)
    assert P.shape == (12, 4)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(P, losses.softmax(multi.forward(X)), rtol=1e-14)
    labels = multi.predict(X)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, np.argmax(P, axis=1))


def test_predict_does_not_touch_the_backward_cache() -> None:
    net = MLP([3, 5, 2], seed=0)
    rng = np.random.default_rng(1)
    X1, X2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    dZ = rng.standard_normal((4, 2))
    net.forward(X1)
    expected = net.backward(dZ)
    net.forward(X1)
    net.predict(X2)
    net.predict_proba(X2)
    got = net.backward(dZ)
    for a, b in zip(expected[0] + expected[1], got[0] + got[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_mse_flat_targets_for_one_output_and_int_inputs() -> None:
    net = MLP([2, 4, 1], activation="sigmoid", seed=3)
    X = np.array([[1, 2], [3, -1], [0, 0]])  # ints are accepted (become float64)
    y = np.array([0.5, -1.0, 2.0])
    flat = net.loss_and_grads(X, y, loss="mse")
    column = net.loss_and_grads(X.astype(float), y[:, None], loss="mse")
    assert flat[0] == column[0]
    for a, b in zip(flat[1] + flat[2], column[1] + column[2], strict=True):
        np.testing.assert_array_equal(a, b)
    bce_flat = net.loss_and_grads(X, np.array([0, 1, 1]), loss="bce")[0]
    bce_col = net.loss_and_grads(X, np.array([[0], [1], [1]]), loss="bce")[0]
    assert bce_flat == bce_col


def test_results_are_fresh_arrays() -> None:
    """Logits and gradients survive later calls."""
    net = MLP([3, 8, 8, 2], activation="tanh", seed=0)
    rng = np.random.default_rng(5)
    X1, X2 = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    y = np.array([0, 1, 1, 0, 1, 0])
    Z1 = net.forward(X1)
    Z1_copy = Z1.copy()
    _, dW1, db1 = net.loss_and_grads(X1, y)
    kept = [g.copy() for g in dW1 + db1]
    net.forward(X2)
    net.loss_and_grads(X2, y)
    np.testing.assert_array_equal(Z1, Z1_copy)
    for a, b in zip(dW1 + db1, kept, strict=True):
        np.testing.assert_array_equal(a, b)


def test_hidden_activations_equal_the_public_functions() -> None:
    X = np.array([[-800.0, -30.0, -1.0, 0.0, 1e-3, 2.0, 40.0, 800.0]]).T  # (8, 1), includes huge |z|
    for name, (g, _) in ACTIVATIONS.items():
        net = MLP([1, 1, 1], activation=name)
        net.weights[0][...] = 1.0
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            net.forward(X)
        As, Zs = net._cache
        np.testing.assert_array_equal(Zs[0], X)
        np.testing.assert_array_equal(As[1], g(X))  # bit for bit


def test_repr() -> None:
    assert repr(MLP([2, 10, 1], activation="tanh", init="xavier", seed=3)) == (
        "MLP(layer_sizes=[2, 10, 1], activation='tanh', init='xavier', seed=3)"
    )


# --------------------------------------- bad input (the wording is _validation's: test_validation)


@pytest.mark.parametrize(
    "sizes, err, name",
    [([3], ValueError, "layer_sizes"), ([], ValueError, "layer_sizes"), ([2, 0, 1], ValueError, "layer_sizes[1]"),
     ([2.5, 1], TypeError, "layer_sizes[0]"), ([2, True], TypeError, "layer_sizes[1]"), (5, TypeError, "layer_sizes"),
     ("21", TypeError, "layer_sizes"), (None, TypeError, "layer_sizes")],
)
def test_bad_layer_sizes(sizes, err, name) -> None:
    with pytest.raises(err) as info:
        MLP(sizes)
    assert name in str(info.value)


def test_layer_sizes_from_numpy_and_tuple() -> None:
    assert MLP(np.array([2, 3, 1])).layer_sizes == (2, 3, 1)
    assert MLP((2, 3, 1)).layer_sizes == (2, 3, 1)


NET_SIZES = [3, 4, 2]
X_OK = np.zeros((5, 3))


@pytest.mark.parametrize(
    "X, err",
    [(np.zeros((5, 4)), ValueError), (np.zeros(3), ValueError), (np.zeros((0, 3)), ValueError),
     (np.array([[0.0, np.nan, 1.0]]), ValueError), (np.array([["a", "b", "c"]]), TypeError),
     (torch.zeros(2, 3, dtype=torch.float64), TypeError)],
)
@pytest.mark.parametrize("method", ["forward", "predict", "predict_proba", "loss_and_grads"])
def test_bad_X(X, err, method: str) -> None:
    call = getattr(MLP(NET_SIZES), method)
    with pytest.raises(err, match="^X "):
        call(X, np.zeros(len(X), dtype=int)) if method == "loss_and_grads" else call(X)


def test_backward_before_forward() -> None:
    with pytest.raises(RuntimeError, match=r"call forward\(X\) first"):
        MLP(NET_SIZES).backward(np.zeros((5, 2)))


@pytest.mark.parametrize("dZ", [np.zeros((5, 3)), np.zeros((4, 2)), np.zeros(10), np.full((5, 2), np.nan)])
def test_backward_bad_dZ(dZ) -> None:
    net = MLP(NET_SIZES)
    net.forward(X_OK)
    with pytest.raises(ValueError, match="^dZ_out "):
        net.backward(dZ)


@pytest.mark.parametrize(
    "sizes, y, kwargs, err, name",
    [
        (NET_SIZES, np.zeros(5, dtype=int), {"loss": "hinge"}, ValueError, "loss"),
        (NET_SIZES, np.zeros(5, dtype=int), {"l2": -0.1}, ValueError, "l2"),
        (NET_SIZES, np.zeros(5, dtype=int), {"l2": "0.1"}, TypeError, "l2"),
        (NET_SIZES, np.zeros(4, dtype=int), {}, ValueError, "y"),
        (NET_SIZES, np.array([0, 1, 2, 0, 1]), {}, ValueError, "y"),
        (NET_SIZES, np.array([[1.0, 0], [0, 1], [1, 1], [1, 0], [0, 1]]), {}, ValueError, "y"),
        (NET_SIZES, np.eye(3)[[0, 1, 2, 0, 1]], {}, ValueError, "y"),
        (NET_SIZES, np.zeros(5), {"loss": "bce"}, ValueError, "loss='bce' needs 1 output unit"),
        ([3, 4, 1], np.array([0, 1, 2, 0, 1.0]), {"loss": "bce"}, ValueError, "y"),
        ([3, 4, 1], np.zeros(6), {"loss": "bce"}, ValueError, "y"),
        ([3, 4, 1], np.zeros((5, 2)), {"loss": "bce"}, ValueError, "y"),
        (NET_SIZES, np.zeros(5), {"loss": "mse"}, ValueError, "y"),
        (NET_SIZES, np.zeros((4, 2)), {"loss": "mse"}, ValueError, "y"),
        (NET_SIZES, np.full((5, 2), np.inf), {"loss": "mse"}, ValueError, "y"),
    ],
)
def test_loss_and_grads_bad_targets_and_options(sizes, y, kwargs, err, name) -> None:
    with pytest.raises(err) as info:
        MLP(sizes).loss_and_grads(X_OK, y, **kwargs)
    assert str(info.value).startswith(name)


@pytest.mark.parametrize(
    "change, err, name",
    [
        (lambda net: net.weights.__setitem__(0, np.zeros((3, 4))), ValueError, "('float64', (3, 4))"),
        (lambda net: net.biases.__setitem__(1, np.zeros((2, 1))), ValueError, "biases must be float64"),
        (lambda net: net.weights.__setitem__(1, np.zeros((2, 4), dtype=np.float32)), ValueError, "('float32', (2, 4))"),
        (lambda net: net.weights.__setitem__(1, [[0.0] * 4] * 2), ValueError, "('list', None)"),
        (lambda net: net.weights.pop(), ValueError, "weights must be float64"),
    ],
)
def test_replaced_parameters_are_checked(change, err, name) -> None:
    net = MLP(NET_SIZES)
    change(net)
    with pytest.raises(err) as info:
        net.forward(X_OK)
    assert name in str(info.value)
