"""Losses and their gradients against PyTorch (float64), stability, properties and bad input."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlp_lab.scratch import losses

RTOL, ATOL = 1e-12, 1e-14
SCALES = [1.0, 100.0, 1e4]  # logits up to |1e4|: overflow territory for a naive exp


@pytest.fixture
def strict() -> Iterator[None]:
    """Turn every warning and every floating-point overflow/invalid/divide into an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def _logits(m: int, K: int, scale: float, seed: int = 0) -> np.ndarray:
    return scale * np.random.default_rng(seed).standard_normal((m, K))


def _one_hot(y: np.ndarray, K: int) -> np.ndarray:
    Y = np.zeros((len(y), K))
    Y[np.arange(len(y)), y] = 1.0
    return Y


# ------------------------------------------------------------------------- softmax


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("shape", [(6, 4), (1, 1), (3, 10), (5,)])
def test_softmax_and_log_softmax_match_torch(scale: float, shape: tuple[int, ...], strict: None) -> None:
    Z = scale * np.random.default_rng(1).standard_normal(shape)
    Z_t = torch.from_numpy(Z)
    np.testing.assert_allclose(losses.softmax(Z), F.softmax(Z_t, dim=-1).numpy(), rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(losses.log_softmax(Z), F.log_softmax(Z_t, dim=-1).numpy(), rtol=RTOL, atol=ATOL)


def test_softmax_does_not_modify_input() -> None:
    Z = _logits(3, 4, 5.0)
    before = Z.copy()
    losses.softmax(Z)
    losses.log_softmax(Z)
    losses.cross_entropy(Z, np.array([0, 1, 3]))
    losses.cross_entropy_grad(Z, np.array([0, 1, 3]))
    np.testing.assert_array_equal(Z, before)


logit_rows = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 6)),
    elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=80, deadline=None)
@given(Z=logit_rows, shift=st.floats(-1e3, 1e3))
def test_softmax_properties(Z: np.ndarray, shift: float) -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = losses.softmax(Z)
        logP = losses.log_softmax(Z)
        P_shifted = losses.softmax(Z + shift)
    assert np.all(np.isfinite(P)) and np.all(np.isfinite(logP))
    assert np.all((P >= 0) & (P <= 1)) and np.all(logP <= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # rows sum to 1
    np.testing.assert_allclose(P_shifted, P, rtol=1e-9, atol=1e-12)  # shift invariance
    np.testing.assert_allclose(np.exp(logP), P, rtol=1e-12, atol=1e-300)
    order = np.argsort(Z, axis=1, kind="stable")
    assert np.all(np.diff(np.take_along_axis(P, order, axis=1), axis=1) >= 0)  # larger logit, not smaller p


@settings(max_examples=50, deadline=None)
@given(value=st.floats(-1e4, 1e4), m=st.integers(1, 4), K=st.integers(1, 8))
def test_softmax_ties_are_uniform(value: float, m: int, K: int) -> None:
    Z = np.full((m, K), value)
    np.testing.assert_allclose(losses.softmax(Z), 1.0 / K, rtol=1e-15, atol=0)
    np.testing.assert_allclose(losses.log_softmax(Z), -np.log(K), rtol=1e-15, atol=0)
    np.testing.assert_allclose(losses.cross_entropy(Z, np.zeros(m, dtype=int)), np.log(K), rtol=1e-14, atol=1e-15)


def test_huge_logits_exact_values(strict: None) -> None:
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    np.testing.assert_allclose(losses.softmax(Z), [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15, atol=0)
    np.testing.assert_allclose(losses.log_softmax(Z)[0], [0.0, -2e4, -1e4], rtol=1e-15, atol=0)
    # right class: loss 0; wrong class: loss = 2e4 (finite, no overflow)
    assert losses.cross_entropy(Z[:1], np.array([0])) == 0.0
    np.testing.assert_allclose(losses.cross_entropy(Z[:1], np.array([1])), 2e4, rtol=1e-15)


# ------------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("m,K", [(1, 1), (1, 3), (8, 2), (16, 5)])
@pytest.mark.parametrize("form", ["labels", "one_hot"])
def test_cross_entropy_and_grad_match_torch(scale: float, m: int, K: int, form: str, strict: None) -> None:
    Z = _logits(m, K, scale, seed=m * K)
    y = np.random.default_rng(2).integers(0, K, size=m)
    target = y if form == "labels" else _one_hot(y, K)
    Z_t = torch.from_numpy(Z.copy()).requires_grad_(True)
    J_t = F.cross_entropy(Z_t, torch.from_numpy(target))
    J_t.backward()
    np.testing.assert_allclose(losses.cross_entropy(Z, target), J_t.item(), rtol=RTOL, atol=ATOL)
    grad = losses.cross_entropy_grad(Z, target)
    assert grad.shape == Z.shape
    np.testing.assert_allclose(grad, Z_t.grad.numpy(), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, rtol=0, atol=1e-15)  # softmax - onehot sums to 0


def test_cross_entropy_accepts_whole_float_labels() -> None:
    Z = _logits(4, 3, 1.0)
    y = np.array([0, 2, 1, 2])
    assert losses.cross_entropy(Z, y.astype(float)) == losses.cross_entropy(Z, y)


def test_cross_entropy_formula_by_hand() -> None:
    Z = np.array([[1.0, 2.0, 3.0]])
    e = np.exp([1.0, 2.0, 3.0])
    p = e / e.sum()
    np.testing.assert_allclose(losses.cross_entropy(Z, np.array([2])), -np.log(p[2]), rtol=1e-15)
    np.testing.assert_allclose(losses.cross_entropy_grad(Z, np.array([2])), [[p[0], p[1], p[2] - 1]], rtol=1e-14)


# ----------------------------------------------------------- binary cross-entropy


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("z_shape", [(7,), (7, 1), (1,)])
@pytest.mark.parametrize("targets", ["hard", "soft"])
def test_bce_and_grad_match_torch(scale: float, z_shape: tuple[int, ...], targets: str, strict: None) -> None:
    rng = np.random.default_rng(3)
    z = scale * rng.standard_normal(z_shape)
    y = rng.integers(0, 2, size=z_shape[0]).astype(float) if targets == "hard" else rng.uniform(size=z_shape[0])
    z_t = torch.from_numpy(z.copy()).requires_grad_(True)
    J_t = F.binary_cross_entropy_with_logits(z_t, torch.from_numpy(y.reshape(z_shape)))
    J_t.backward()
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(z, y), J_t.item(), rtol=RTOL, atol=ATOL)
    grad = losses.binary_cross_entropy_with_logits_grad(z, y)
    assert grad.shape == z.shape
    np.testing.assert_allclose(grad, z_t.grad.numpy(), rtol=RTOL, atol=1e-15)


def test_bce_huge_logits_exact(strict: None) -> None:
    z = np.array([1e4, -1e4, 1e4, -1e4])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    # per sample: 0, 0, 1e4, 1e4 -> mean 5e3
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(z, y), 5e3, rtol=1e-15)
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits_grad(z, y), [0, 0, 0.25, -0.25], atol=0)


def test_bce_target_shape_column_or_flat() -> None:
    z = np.array([[0.3], [-1.2], [2.0]])
    y = np.array([1.0, 0.0, 1.0])
    a = losses.binary_cross_entropy_with_logits(z, y)
    b = losses.binary_cross_entropy_with_logits(z[:, 0], y[:, None])
    assert a == b
    assert losses.binary_cross_entropy_with_logits_grad(z[:, 0], y[:, None]).shape == (3,)


@settings(max_examples=60, deadline=None)
@given(z=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e4, 1e4)), data=st.data())
def test_bce_properties(z: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0])))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = losses.binary_cross_entropy_with_logits(z, y)
        g = losses.binary_cross_entropy_with_logits_grad(z, y)
    assert np.isfinite(J) and J >= 0
    assert np.all(np.abs(g) <= 1.0 / z.size)


# ------------------------------------------------------------------------------ mse


@pytest.mark.parametrize("shape", [(6,), (6, 1), (5, 3), (1, 1)])
def test_mse_and_grad_match_torch(shape: tuple[int, ...], strict: None) -> None:
    rng = np.random.default_rng(4)
    y_hat, y = rng.standard_normal(shape), rng.standard_normal(shape)
    y_hat_t = torch.from_numpy(y_hat.copy()).requires_grad_(True)
    J_t = F.mse_loss(y_hat_t, torch.from_numpy(y))  # reduction="mean": over all entries
    J_t.backward()
    np.testing.assert_allclose(losses.mse(y_hat, y), J_t.item(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(losses.mse_grad(y_hat, y), y_hat_t.grad.numpy(), rtol=RTOL, atol=1e-15)


def test_mse_pairs_column_with_flat_instead_of_broadcasting() -> None:
    y_hat = np.array([[1.0], [2.0], [4.0]])
    y = np.array([1.0, 3.0, 2.0])
    # (0 + 1 + 4) / 3, not the (3, 3) broadcast
    np.testing.assert_allclose(losses.mse(y_hat, y), 5.0 / 3.0, rtol=1e-15)
    np.testing.assert_allclose(losses.mse_grad(y_hat, y), [[0.0], [-2 / 3], [4 / 3]], rtol=1e-15)
    np.testing.assert_allclose(losses.mse(y, y_hat), 5.0 / 3.0, rtol=1e-15)
    assert losses.mse_grad(y, y_hat).shape == (3,)


def test_mse_mean_over_all_entries() -> None:
    y_hat = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.zeros((2, 2))
    np.testing.assert_allclose(losses.mse(y_hat, y), (1 + 4 + 9 + 16) / 4, rtol=1e-15)
    np.testing.assert_allclose(losses.mse_grad(y_hat, y), 2 * y_hat / 4, rtol=1e-15)


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("fn", [losses.softmax, losses.log_softmax])
@pytest.mark.parametrize(
    "Z, err, match",
    [
        (np.array([[1.0, np.nan]]), ValueError, "Z"),
        (np.array([[np.inf, 0.0]]), ValueError, "Z"),
        (np.zeros((0, 3)), ValueError, "Z"),
        (np.zeros((2, 2, 2)), ValueError, "Z"),
        (np.array([["a", "b"]]), TypeError, "Z"),
        (torch.zeros(2, 3), TypeError, "Z"),
    ],
)
def test_softmax_bad_input(fn, Z, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        fn(Z)


Z3 = np.zeros((3, 4))


@pytest.mark.parametrize("fn", [losses.cross_entropy, losses.cross_entropy_grad])
@pytest.mark.parametrize(
    "Z, y, err, match",
    [
        (np.zeros(4), np.array([0]), ValueError, "Z"),
        (np.array([[0.0, np.nan]]), np.array([0]), ValueError, "Z"),
        (np.zeros((0, 4)), np.zeros(0, dtype=int), ValueError, "Z"),
        (Z3, np.array([0, 1]), ValueError, "y"),
        (Z3, np.array([0, 1, 4]), ValueError, "y"),
        (Z3, np.array([0, -1, 2]), ValueError, "y"),
        (Z3, np.array([0.0, 1.5, 2.0]), ValueError, "y"),
        (Z3, np.array([0.0, np.nan, 2.0]), ValueError, "y"),
        (Z3, np.array(["a", "b", "c"]), TypeError, "y"),
        (Z3, np.zeros((3, 4, 1)), ValueError, "y"),
        (Z3, np.eye(4)[:2], ValueError, "y"),
        (Z3, np.eye(3), ValueError, "y"),
        (Z3, np.full((3, 4), 0.25), ValueError, "y"),
        (Z3, np.array([[1.0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]), ValueError, "y"),
        (Z3, np.array([[0.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]), ValueError, "y"),
        (Z3, np.array([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, np.nan, 0]]), ValueError, "y"),
    ],
)
def test_cross_entropy_bad_input(fn, Z, y, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        fn(Z, y)


@pytest.mark.parametrize("fn", [losses.binary_cross_entropy_with_logits, losses.binary_cross_entropy_with_logits_grad])
@pytest.mark.parametrize(
    "z, y, err, match",
    [
        (np.zeros((3, 2)), np.zeros(3), ValueError, "z"),
        (np.zeros((3, 1, 1)), np.zeros(3), ValueError, "z"),
        (np.zeros(3), np.zeros((3, 2)), ValueError, "y"),
        (np.zeros(3), np.zeros(4), ValueError, "y"),
        (np.zeros(3), np.array([0.0, 1.0, 2.0]), ValueError, "y"),
        (np.zeros(3), np.array([0.0, -0.5, 1.0]), ValueError, "y"),
        (np.array([0.0, np.inf, 1.0]), np.zeros(3), ValueError, "z"),
        (np.zeros(3), np.array([0.0, np.nan, 1.0]), ValueError, "y"),
        (np.zeros(0), np.zeros(0), ValueError, "z"),
    ],
)
def test_bce_bad_input(fn, z, y, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        fn(z, y)


@pytest.mark.parametrize("fn", [losses.mse, losses.mse_grad])
@pytest.mark.parametrize(
    "y_hat, y, err, match",
    [
        (np.zeros((3, 2)), np.zeros(3), ValueError, "y"),
        (np.zeros((3, 1)), np.zeros(4), ValueError, "y"),
        (np.zeros(3), np.zeros((1, 3)), ValueError, "y"),
        (np.zeros((3, 2)), np.zeros((2, 3)), ValueError, "y"),
        (np.array([0.0, np.nan]), np.zeros(2), ValueError, "y_hat"),
        (np.zeros(2), np.array([np.inf, 0.0]), ValueError, "y"),
        (np.zeros(0), np.zeros(0), ValueError, "y_hat"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), ValueError, "y_hat"),
    ],
)
def test_mse_bad_input(fn, y_hat, y, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        fn(y_hat, y)
