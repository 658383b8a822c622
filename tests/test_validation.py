"""The shared boundary checks: each names the argument, what was expected and what came."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lab import _validation as v


def test_as_float_array_converts_ints_and_keeps_float32():
    assert v.as_float_array([1, 2], name="x").dtype == np.float64
    assert v.as_float_array(np.ones(2, dtype=np.float32), name="x").dtype == np.float32
    assert v.as_float_array(np.ones(2, dtype=np.float16), name="x").dtype == np.float64


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (["a", "b"], {}, TypeError, r"x must hold real numbers .* got dtype <U1"),
        (np.array([1 + 2j]), {}, TypeError, "x must hold real numbers"),
        ([[1.0, 2.0], [3.0]], {}, TypeError, "x must be array-like"),
        (np.ones((2, 2)), {"ndim": 1}, ValueError, r"x must be a 1-D array, got shape \(2, 2\)"),
        (np.ones(3), {"ndim": (2, 3)}, ValueError, r"x must be a 2-D or 3-D array"),
        (np.ones((0, 2)), {}, ValueError, r"x must not be empty, got shape \(0, 2\)"),
        (np.array([1.0, np.nan]), {}, ValueError, r"x must be finite, .* index 1"),
        (np.array([[1.0, 2.0], [np.inf, 0.0]]), {}, ValueError, r"first at index \(1, 0\)"),
    ],
)
def test_as_float_array_errors(value, kwargs, error, match):
    with pytest.raises(error, match=match):
        v.as_float_array(value, name="x", **kwargs)


def test_as_float_array_allows_what_it_is_told_to():
    assert v.as_float_array(np.ones((0, 2)), name="x", allow_empty=True).shape == (0, 2)
    assert np.isnan(v.as_float_array([np.nan], name="x", allow_nonfinite=True)[0])


def test_as_labels():
    np.testing.assert_array_equal(v.as_labels([0.0, 2.0, 1.0], name="y"), [0, 2, 1])
    with pytest.raises(ValueError, match="y holds label 3, outside the 3 classes"):
        v.as_labels([0, 3], name="y", n_classes=3)
    with pytest.raises(ValueError, match="y must hold labels >= 0"):
        v.as_labels([0, -1], name="y")
    with pytest.raises(ValueError, match="1-D array of class labels"):
        v.as_labels([[0, 1]], name="y")
    with pytest.raises(TypeError, match="integer class labels"):
        v.as_labels(["a"], name="y")


def test_scalar_checks():
    assert v.check_positive(0.1, name="lr") == 0.1
    with pytest.raises(ValueError, match="lr must be > 0, got 0.0"):
        v.check_positive(0, name="lr")
    with pytest.raises(ValueError, match="lr must be > 0, got -1.0"):
        v.check_positive(-1, name="lr")
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        v.check_positive("0.1", name="lr")
    with pytest.raises(TypeError, match="lr must be a real number, got bool"):
        v.check_positive(True, name="lr")
    with pytest.raises(ValueError, match="lr must be finite"):
        v.check_positive(float("nan"), name="lr")
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        v.check_nonnegative(-1e-3, name="weight_decay")
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\), got 1.0"):
        v.check_in_range(1.0, name="beta1", low=0, high=1)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        v.check_positive_int(0, name="epochs")
    with pytest.raises(TypeError, match="epochs must be an integer"):
        v.check_positive_int(2.0, name="epochs")
    with pytest.raises(ValueError, match="loss must be one of 'mse', 'bce'; got 'l1'"):
        v.check_choice("l1", name="loss", choices=["mse", "bce"])


def test_check_same_length_names_both():
    with pytest.raises(ValueError, match="X has 3, y has 2"):
        v.check_same_length(X=np.ones((3, 1)), y=np.ones(2))
    assert v.check_same_length(X=np.ones((3, 1)), y=np.ones(3)) == 3


def test_check_seed_is_the_one_rule_for_seeds():
    from mlp_lab._validation import check_seed

    assert check_seed(0) == 0 and check_seed(np.int64(7)) == 7 and check_seed(2**63 - 1) == 2**63 - 1
    for bad, err in [(-1, ValueError), (2**63, ValueError), (1.0, TypeError), (False, TypeError), ("1", TypeError)]:
        with pytest.raises(err, match="seed must be"):
            check_seed(bad)
    with pytest.raises(ValueError, match=r"random_state must be in \[0, 2\*\*63\)"):
        check_seed(-3, name="random_state")
