"""mlp_lab.scratch.dropout against torch.nn.Dropout: evaluation mode, the mask, the scaling, the gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_lab.scratch.dropout import dropout_backward, dropout_forward, dropout_mask

RTOL, ATOL = 1e-12, 0.0


def _torch_dropout(A: np.ndarray, p: float, seed: int, *, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """torch.nn.Dropout(p) on A after torch.manual_seed(seed); returns (output, dL/dA for L = sum(out * G))."""
    G = np.random.default_rng(seed + 1).standard_normal(A.shape)  # upstream gradient
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layer = torch.nn.Dropout(p)
        layer.train(train)
        A_t = torch.tensor(A, requires_grad=True)
        out = layer(A_t)
        (out * torch.from_numpy(G)).sum().backward()
    return out.detach().numpy(), A_t.grad.numpy()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("shape", [(1, 7), (64, 33), (5, 3, 4)])
def test_training_mode_matches_torch_given_the_same_generator_state(p, shape):
    A = np.random.default_rng(0).standard_normal(shape)
    ref, ref_grad = _torch_dropout(A, p, seed=42)
    out, D = dropout_forward(A, p, training=True, rng=torch.Generator().manual_seed(42))
    np.testing.assert_array_equal(D != 0, ref != 0)  # the same entries dropped
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)
    G = np.random.default_rng(43).standard_normal(shape)
    np.testing.assert_allclose(dropout_backward(G, D), ref_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_evaluation_mode_is_the_identity_like_torch(p):
    A = np.random.default_rng(1).standard_normal((8, 5))
    ref, _ = _torch_dropout(A, p, seed=0, train=False)
    out, D = dropout_forward(A, p, training=False)
    assert D is None
    np.testing.assert_array_equal(out, A)
    np.testing.assert_allclose(out, ref, rtol=0, atol=0)


def test_p_zero_and_one_in_training_match_torch():
    A = np.random.default_rng(2).standard_normal((6, 4))
    out0, D0 = dropout_forward(A, 0.0, training=True)
    np.testing.assert_array_equal(out0, _torch_dropout(A, 0.0, seed=0)[0])
    assert D0 is None
    out1, D1 = dropout_forward(A, 1.0, training=True)
    np.testing.assert_array_equal(out1, _torch_dropout(A, 1.0, seed=0)[0])
    np.testing.assert_array_equal(D1, np.zeros_like(A))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_numpy_generator_keeps_the_expectation_and_the_scale(p):
    """Statistical: with a NumPy rng the kept fraction is 1 - p and E[A_out] = A, within 5 standard errors."""
    n = 200_000
    A = np.full((n,), 3.0)
    out, D = dropout_forward(A, p, training=True, rng=np.random.default_rng(7))
    kept = D != 0
    np.testing.assert_allclose(np.unique(D[kept]), [1 / (1 - p)], rtol=1e-15)
    se_frac = np.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * se_frac
    se_mean = 3.0 * np.sqrt(p / (1 - p) / n)  # std of A * D is 3 sqrt(p / (1 - p))
    assert abs(out.mean() - 3.0) < 5 * se_mean


def test_torch_and_numpy_masks_have_the_same_law():
    """Kept fractions from both generators agree with 1 - p and with each other (5 standard errors)."""
    p, shape = 0.3, (400, 500)
    m_np = dropout_mask(shape, p, rng=np.random.default_rng(0)) != 0
    m_t = dropout_mask(shape, p, rng=torch.Generator().manual_seed(0)) != 0
    se = np.sqrt(p * (1 - p) / m_np.size)
    assert abs(m_np.mean() - 0.7) < 5 * se
    assert abs(m_t.mean() - 0.7) < 5 * se


def test_errors_name_the_argument():
    A = np.ones((2, 2))
    with pytest.raises(ValueError, match="^p must be"):
        dropout_forward(A, 1.5, training=True)
    with pytest.raises(ValueError, match="rng is required"):
        dropout_forward(A, 0.5, training=True)
    with pytest.raises(TypeError, match="rng must be"):
        dropout_mask((2, 2), 0.5, rng=0)
    with pytest.raises(ValueError, match="pass the D of the forward pass"):
        dropout_backward(np.ones((3, 2)), np.ones((2, 2)))
