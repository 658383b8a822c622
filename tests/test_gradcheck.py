"""Central differences and the relative error: known gradients, exact restoration, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mlp_lab.scratch.gradcheck import numerical_gradient, relative_error


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 3, 2)])
def test_cubic_gradient(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8, atol=1e-9)


def test_quadratic_form_gradient() -> None:
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    grad = numerical_gradient(lambda: float(x @ A @ x), x, eps=1e-5)
    np.testing.assert_allclose(grad, (A + A.T) @ x, rtol=1e-8, atol=1e-9)


def test_perturbs_a_view_in_place() -> None:
    """x may be a non-contiguous view of a bigger array that f reads."""
    rng = np.random.default_rng(2)
    big = rng.standard_normal((3, 6))
    view = big[:, ::2]
    before = big.copy()
    grad = numerical_gradient(lambda: float(np.sum(np.sin(big))), view)
    np.testing.assert_allclose(grad, np.cos(view), rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(big, before)


def test_restores_x_exactly() -> None:
    x = np.array([0.1, 1e-300, 3.0, -7.25, 1e300])
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.tanh(x))), x, eps=1e-6)
    np.testing.assert_array_equal(x, before)  # bitwise, not approximately


def test_restores_x_when_f_raises() -> None:
    x = np.array([1.0, 2.0])
    calls = {"n": 0}

    def f() -> float:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ZeroDivisionError("boom")
        return float(x.sum())

    with pytest.raises(ZeroDivisionError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_truncation_error_is_second_order() -> None:
    x = np.array([0.7])
    exact = np.exp(0.7)
    errors = [abs(numerical_gradient(lambda: float(np.exp(x[0])), x, eps=h)[0] - exact) for h in (1e-2, 1e-3)]
    # error ~ h^2 f'''/6: 10x smaller step, ~100x smaller error
    np.testing.assert_allclose(errors[0] / errors[1], 100.0, rtol=0.05)


@pytest.mark.parametrize(
    "x, err, match",
    [
        (np.array([1.0, 2.0], dtype=np.float32), TypeError, "x"),
        ([1.0, 2.0], TypeError, "x"),
        (np.array([1, 2]), TypeError, "x"),
        (np.zeros(0), ValueError, "x"),
    ],
)
def test_numerical_gradient_bad_x(x, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        numerical_gradient(lambda: 0.0, x)


def test_numerical_gradient_read_only_x() -> None:
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(TypeError, match=r"x must be a writeable .* got float64 array, writeable=False"):
        numerical_gradient(lambda: 0.0, x)


@pytest.mark.parametrize("eps, err, match", [(0.0, ValueError, "eps"),
                                             (-1e-6, ValueError, "eps"),
                                             (float("nan"), ValueError, "eps"),
                                             ("1e-6", TypeError, "eps")])
def test_numerical_gradient_bad_eps(eps, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        numerical_gradient(lambda: 0.0, np.ones(2), eps=eps)


def test_numerical_gradient_bad_f() -> None:
    x = np.ones(2)
    with pytest.raises(TypeError, match=r"f must be a callable"):
        numerical_gradient(3.0, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"f must return a real scalar, got ndarray"):
        numerical_gradient(lambda: x * 2, x)
    with pytest.raises(ValueError, match=r"f must return a finite value, got nan"):
        numerical_gradient(lambda: float("nan"), x)
    with pytest.raises(ValueError, match=r"f must return a finite value, got inf"):
        numerical_gradient(lambda: np.float64("inf"), x)
    np.testing.assert_array_equal(x, [1.0, 1.0])


# ------------------------------------------------------------------ relative error


def test_relative_error_definition() -> None:
    a = np.array([1.0, -2.0, 0.0, 3.0])
    b = np.array([1.1, -2.0, 0.0, 3.0])
    np.testing.assert_allclose(relative_error(a, b), 0.1 / 2.1, rtol=1e-14)
    assert relative_error(a, b) == relative_error(b, a)
    # the worst entry wins, each entry on its own scale
    a = np.array([100.0, 1e-3])
    b = np.array([101.0, 2e-3])
    np.testing.assert_allclose(relative_error(a, b), 1e-3 / 3e-3, rtol=1e-12)


def test_relative_error_zero_cases_and_type() -> None:
    assert relative_error(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3), floor=0.0) == 0.0
    x = np.random.default_rng(3).standard_normal(5)
    out = relative_error(x, x.copy())
    assert type(out) is float and out == 0.0


def test_relative_error_floor() -> None:
    a, b = np.array([1e-12]), np.array([0.0])
    np.testing.assert_allclose(relative_error(a, b), 1e-12 / 1e-8, rtol=1e-12)  # absolute error / floor
    np.testing.assert_allclose(relative_error(a, b, floor=0.0), 1.0, rtol=0)
    np.testing.assert_allclose(relative_error(np.array([1.0]), np.array([-1.0])), 1.0, rtol=0)  # max possible


@pytest.mark.parametrize(
    "a, b, kwargs, err, match",
    [
        (np.zeros(3), np.zeros(4), {}, ValueError, "a"),
        (np.zeros((2, 2)), np.zeros(4), {}, ValueError, "a"),
        (np.array([np.nan]), np.zeros(1), {}, ValueError, "a"),
        (np.zeros(1), np.array([np.inf]), {}, ValueError, "b"),
        (np.zeros(0), np.zeros(0), {}, ValueError, "a"),
        (np.zeros(2), np.zeros(2), {"floor": -1.0}, ValueError, "floor"),
        (np.array(["x"]), np.zeros(1), {}, TypeError, "a"),
    ],
)
def test_relative_error_bad_input(a, b, kwargs, err, match) -> None:
    with pytest.raises(err, match=rf"^{re.escape(match)}(?!\w)"):
        relative_error(a, b, **kwargs)
