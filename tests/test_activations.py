"""Activations and their derivatives against PyTorch (float64), plus stability and lookup checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlp_lab.scratch import activations as act

RTOL, ATOL = 1e-14, 1e-15

TORCH_FN = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "identity": lambda t: t,
}
SHAPES = [(), (7,), (5, 3), (2, 3, 4)]


def _z(shape: tuple[int, ...], seed: int = 0, scale: float = 3.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(scale * rng.standard_normal(shape))


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_torch(name: str, shape: tuple[int, ...]) -> None:
    g, _ = act.ACTIVATIONS[name]
    Z = _z(shape)
    expected = TORCH_FN[name](torch.from_numpy(Z)).numpy()
    out = g(Z)
    assert out.shape == Z.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
@pytest.mark.parametrize("shape", SHAPES)
def test_derivative_matches_autograd(name: str, shape: tuple[int, ...]) -> None:
    _, g_prime = act.ACTIVATIONS[name]
    Z = _z(shape, seed=1)
    if Z.ndim:
        Z.flat[0] = 0.0  # include the kink of ReLU: torch uses g'(0) = 0
    Z_t = torch.from_numpy(Z.copy()).requires_grad_(True)
    TORCH_FN[name](Z_t).sum().backward()
    out = g_prime(Z)
    assert out.shape == Z.shape
    np.testing.assert_allclose(out, Z_t.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "identity", "relu"])
def test_derivative_matches_central_differences(name: str) -> None:
    g, g_prime = act.ACTIVATIONS[name]
    Z = _z((50,), seed=2)
    Z = Z[np.abs(Z) > 1e-3]  # away from ReLU's kink
    h = 1e-6
    numeric = (g(Z + h) - g(Z - h)) / (2 * h)
    np.testing.assert_allclose(g_prime(Z), numeric, rtol=1e-7, atol=1e-9)


def test_relu_grad_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(act.relu_grad(np.array([-1.0, 0.0, 1e-300, 2.0])), [0.0, 0.0, 1.0, 1.0])


def test_sigmoid_huge_inputs_no_overflow_and_exact_limits() -> None:
    Z = np.array([-1e4, -1000.0, -745.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0, 1e4])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        S = act.sigmoid(Z)
        dS = act.sigmoid_grad(Z)
    expected = torch.sigmoid(torch.from_numpy(Z)).numpy()
    # atol: at z = -745 we return exp(-745) = 4.9e-324 (subnormal), torch's 1 / (1 + e^745) gives 0
    np.testing.assert_allclose(S, expected, rtol=1e-14, atol=1e-300)
    assert np.all(np.isfinite(S)) and np.all((S >= 0) & (S <= 1))
    assert S[-1] == 1.0 and S[0] == 0.0 and S[5] == 0.5
    assert np.all(np.isfinite(dS)) and dS[0] == 0.0 and dS[-1] == 0.0 and dS[5] == 0.25


def test_naive_sigmoid_would_overflow() -> None:
    """The demonstration the stable form fixes: 1 / (1 + exp(-z)) overflows at z = -1e4."""
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        1.0 / (1.0 + np.exp(-np.array([-1e4])))


def test_tanh_huge_inputs_saturate_without_warnings() -> None:
    Z = np.array([-1e4, -50.0, 50.0, 1e4])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        np.testing.assert_array_equal(act.tanh(Z), [-1.0, -1.0, 1.0, 1.0])
        np.testing.assert_array_equal(act.tanh_grad(Z), [0.0, 0.0, 0.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6),
                  elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_sigmoid_properties(Z: np.ndarray) -> None:
    with np.errstate(all="raise", under="ignore"):
        S = act.sigmoid(Z)
        S_neg = act.sigmoid(-Z)
    assert np.all((S >= 0) & (S <= 1))
    np.testing.assert_allclose(S + S_neg, 1.0, rtol=0, atol=4.5e-16)  # sigma(-z) = 1 - sigma(z), to 2 ulp
    np.testing.assert_allclose(act.sigmoid_grad(Z), S * (1 - S), rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_functions_do_not_modify_input_and_accept_ints(name: str) -> None:
    g, g_prime = act.ACTIVATIONS[name]
    Z = _z((4, 3), seed=3)
    Z_before = Z.copy()
    A = g(Z)
    g_prime(Z)
    np.testing.assert_array_equal(Z, Z_before)
    A[...] = 123.0  # the output is a new array, even for identity
    np.testing.assert_array_equal(Z, Z_before)
    Z_int = np.array([[-2, 0, 3]])
    assert g(Z_int).dtype == np.float64 and g_prime(Z_int).dtype == np.float64
    np.testing.assert_allclose(g(Z_int), g(Z_int.astype(np.float64)), rtol=0, atol=0)


def test_float32_keeps_its_dtype() -> None:
    Z = np.array([-1.0, 0.5], dtype=np.float32)
    assert act.relu(Z).dtype == np.float32
    assert act.sigmoid(Z).dtype == np.float32
    assert act.relu_grad(Z).dtype == np.float32


def test_lookup_table_and_get_activation() -> None:
    assert set(act.ACTIVATIONS) == {"relu", "sigmoid", "tanh", "identity"}
    assert tuple(act.get_activation("relu")) == (act.relu, act.relu_grad)
    assert tuple(act.get_activation("sigmoid")) == (act.sigmoid, act.sigmoid_grad)
    assert tuple(act.get_activation("tanh")) == (act.tanh, act.tanh_grad)
    assert tuple(act.get_activation("identity")) == (act.identity, act.identity_grad)


# ------------------------------------------------ g' from the output A = g(Z) (chapter 3, chapter 9)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "identity"])
def test_g_prime_from_A_matches_g_prime_from_Z(name: str) -> None:
    """g'(A) computed from A = g(Z) equals g'(Z); the in-place g of chapter 9 equals g."""
    from mlp_lab.scratch.inplace import G_INTO, G_PRIME_FROM_A_INTO

    row = act.ACTIVATIONS[name]
    rng = np.random.default_rng(3)
    Z = np.concatenate([rng.standard_normal((40, 5)) * 4, np.zeros((1, 5)), np.full((1, 5), -40.0)])  # (42, 5)
    Z_before = Z.copy()
    A = row.g(Z)
    np.testing.assert_allclose(row.g_prime_from_A(A), row.g_prime(Z), rtol=1e-15, atol=1e-300)
    A_into = G_INTO[name](Z, np.full_like(Z, np.nan), np.full_like(Z, np.nan))
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_allclose(A_into, A, rtol=1e-15, atol=0)
    buf = np.full_like(Z, np.nan)
    np.testing.assert_allclose(G_PRIME_FROM_A_INTO[name](A, buf), row.g_prime(Z), rtol=1e-15, atol=1e-300)
    assert G_INTO.keys() == G_PRIME_FROM_A_INTO.keys() == act.ACTIVATIONS.keys()


def test_relu_derivative_from_output_at_the_kink() -> None:
    """a = relu(0) = 0 gives g' = 0, the same choice as relu_grad (and PyTorch) at z = 0."""
    A = act.relu(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(act.ACTIVATIONS["relu"].g_prime_from_A(A), [0.0, 0.0, 1.0])
