"""mlp_lab.data: the seed's dataset, the toy generators, the split and the standardiser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lab import data

GENERATORS = [data.make_moons, data.make_xor, data.make_spirals]


def test_rust_lab_dataset_is_the_seed_data():
    X, y = data.rust_lab_dataset()
    assert X.shape == (10, 2) and y.shape == (10,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    # The seed's program, row by row.
    expected_X = [[1, 2], [2, 1], [3, 3], [4, 5], [5, 4], [6, 1], [7, 2], [8, 3], [9, 4], [10, 5]]
    np.testing.assert_array_equal(X, np.array(expected_X, dtype=float))
    np.testing.assert_array_equal(y, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])


def test_rust_lab_dataset_returns_fresh_arrays():
    X, _ = data.rust_lab_dataset()
    X[0, 0] = 99.0
    assert data.rust_lab_dataset()[0][0, 0] == 1.0


@pytest.mark.parametrize("gen", GENERATORS)
@pytest.mark.parametrize("n", [1, 7, 200])
def test_generators_shapes_and_reproducibility(gen, n):
    X1, y1 = gen(n, seed=3)
    X2, y2 = gen(n, seed=3)
    X3, _ = gen(n, seed=4)
    assert X1.shape == (n, 2) and y1.shape == (n,)
    assert y1.dtype == np.int64 and X1.dtype == np.float64
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    if n > 1:
        assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("gen", GENERATORS)
def test_generators_balance_classes(gen):
    _, y = gen(120, seed=0)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = data.make_xor(40, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


@pytest.mark.parametrize("gen", GENERATORS)
def test_generators_reject_bad_arguments(gen):
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        gen(0)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        gen(10.5)


def test_generators_reject_negative_noise():
    with pytest.raises(ValueError, match="noise must be >= 0"):
        data.make_moons(10, noise=-0.1)


def test_stratified_split_keeps_class_proportions_and_partitions():
    X, y = data.make_spirals(90, n_classes=3, seed=0)
    X_tr, X_va, y_tr, y_va = data.train_val_split(X, y, val_fraction=0.2, seed=1)
    assert len(X_tr) + len(X_va) == 90
    np.testing.assert_array_equal(np.bincount(y_va), [6, 6, 6])
    # every original row appears exactly once
    both = np.concatenate([X_tr, X_va])
    assert sorted(map(tuple, both)) == sorted(map(tuple, X))


def test_split_is_reproducible_and_seed_dependent():
    X, y = data.make_moons(100, seed=0)
    a = data.train_val_split(X, y, val_fraction=0.3, seed=5)
    b = data.train_val_split(X, y, val_fraction=0.3, seed=5)
    c = data.train_val_split(X, y, val_fraction=0.3, seed=6)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_unstratified_split_for_regression_targets():
    X = np.arange(20.0).reshape(10, 2)
    y = np.linspace(0.0, 1.0, 10)
    X_tr, X_va, y_tr, y_va = data.train_val_split(X, y, val_fraction=0.3, seed=0, stratify=False)
    assert len(y_va) == 3 and len(y_tr) == 7


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.5, 1.5])
def test_split_rejects_bad_fraction(frac):
    X, y = data.make_moons(20, seed=0)
    with pytest.raises(ValueError, match="val_fraction must be in"):
        data.train_val_split(X, y, val_fraction=frac)


def test_split_rejects_mismatched_lengths_and_nan():
    X, y = data.make_moons(20, seed=0)
    with pytest.raises(ValueError, match="same number of samples"):
        data.train_val_split(X, y[:-1], val_fraction=0.2)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        data.train_val_split(X, y, val_fraction=0.2)


def test_split_rejects_non_integer_labels_when_stratifying():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="whole-number class labels"):
        data.train_val_split(X, np.array([0.5, 1.0, 0.0, 1.0]), val_fraction=0.5)


def test_standardizer_fits_on_train_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(200, 3))
    X_test = rng.normal(3.0, 2.0, size=(50, 3))
    s = data.Standardizer().fit(X_train)
    Z = s.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s.transform(X_test), (X_test - X_train.mean(0)) / X_train.std(0), rtol=1e-12)


def test_standardizer_matches_sklearn_and_handles_constant_features():
    from sklearn.preprocessing import StandardScaler

    X = np.column_stack([np.linspace(0, 1, 11), np.full(11, 4.0)])
    np.testing.assert_allclose(data.Standardizer().fit_transform(X), StandardScaler().fit_transform(X), atol=1e-12)


def test_standardizer_errors():
    with pytest.raises(ValueError, match="not fitted"):
        data.Standardizer().transform(np.zeros((2, 2)))
    s = data.Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="X must have 2 features"):
        s.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        data.Standardizer().fit(np.ones(3))
    with pytest.raises(ValueError, match="X must not be empty"):
        data.Standardizer().fit(np.ones((0, 2)))
    with pytest.raises(TypeError, match="torch.Tensor"):
        import torch

        data.Standardizer().fit(torch.ones(3, 2))


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize(
    "seed, err, match",
    [(-1, ValueError, r"seed must be in \[0, 2\*\*63\), got -1"), (1.5, TypeError, r"seed must be an integer"),
     (True, TypeError, r"seed must be an integer, got bool")],
)
def test_generators_check_the_seed_as_everywhere_else(make, seed, err, match):
    with pytest.raises(err, match=match):
        make(20, seed=seed)
