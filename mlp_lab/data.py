"""Datasets for the course: the seed's lab data and seeded 2-D toy problems.

Every generator is reproducible from its ``seed`` and downloads nothing.
Shapes follow the course convention: ``X`` is ``(m, n_features)``, ``y`` is ``(m,)``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from mlp_lab._validation import POSITIVE_INT, SEED, Interval, as_float_array, as_labels, check_same_length, validate

__all__ = ["Standardizer", "make_moons", "make_spirals", "make_xor", "rust_lab_dataset", "train_val_split"]

#: What each argument of this module's functions accepts.
_CONSTRAINTS = {"n_samples": POSITIVE_INT, "n_classes": POSITIVE_INT, "noise": [Interval(Real, 0, None)], "seed": SEED,
                "val_fraction": [Interval(Real, 0.0, 1.0, closed="neither")]}


def rust_lab_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The seed lab's 10-point binary dataset, exactly as written in the Rust program.

    Returns
    -------
    X : ndarray of shape (10, 2), float64
        Features ``(x1, x2)``.
    y : ndarray of shape (10,), float64
        Targets: 0 for the first five points, 1 for the last five.
    """
    X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [4.0, 5.0], [5.0, 4.0],
                  [6.0, 1.0], [7.0, 2.0], [8.0, 3.0], [9.0, 4.0], [10.0, 5.0]])  # (10, 2) float64
    y = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # (10,)
    return X, y


def _split_counts(n_samples: int, n_classes: int) -> list[int]:
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def make_moons(n_samples: int = 200, *, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (classes 0 and 1) with Gaussian noise.

    Returns ``X`` of shape ``(n_samples, 2)`` and integer labels ``y`` of shape ``(n_samples,)``.
    """
    validate(_CONSTRAINTS, n_samples=n_samples, noise=noise, seed=seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(n_samples, 2)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], axis=1),
                        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)])  # (m, 2)
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_xor(n_samples: int = 200, *, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of a square; label 1 when exactly one coordinate is positive.

    No linear model separates XOR; one hidden layer does.
    """
    validate(_CONSTRAINTS, n_samples=n_samples, noise=noise, seed=seed)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    idx = np.repeat(np.arange(4), _split_counts(n_samples, 4))
    X = corners[idx] + noise * rng.standard_normal((n_samples, 2))  # (m, 2)
    y = (np.sign(corners[idx, 0]) != np.sign(corners[idx, 1])).astype(np.int64)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_spirals(n_samples: int = 300, *, n_classes: int = 2, noise: float = 0.2, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the classic CS231n toy problem)."""
    validate(_CONSTRAINTS, n_samples=n_samples, n_classes=n_classes, noise=noise, seed=seed)
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for k, n_k in enumerate(_split_counts(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, n_k)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n_k) + noise * rng.standard_normal(n_k)  # angle
        Xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_k, k, dtype=np.int64))
    X, y = np.concatenate(Xs), np.concatenate(ys)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def train_val_split(X: np.ndarray, y: np.ndarray, *, val_fraction: float, seed: int = 0, stratify: bool = True
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(X, y)`` into training and validation parts.

    With ``stratify=True`` (classification) every class keeps its proportion: each
    class contributes ``round(val_fraction * n_k)`` samples to validation, at least
    one when it has two or more samples. Use ``stratify=False`` for regression targets.

    Returns
    -------
    X_train, X_val, y_train, y_val
    """
    X = as_float_array(X, name="X", ndim=(1, 2))
    y_arr = np.asarray(y)
    check_same_length(X=X, y=y_arr)
    validate(_CONSTRAINTS, val_fraction=val_fraction, seed=seed)
    frac, m, rng = float(val_fraction), len(X), np.random.default_rng(seed)
    labels = as_labels(y_arr, name="y") if stratify else None
    val = []
    for group in [np.flatnonzero(labels == k) for k in np.unique(labels)] if stratify else [np.arange(m)]:
        members = rng.permutation(group)
        n_val = min(max(int(round(frac * len(members))), 1), len(members) - 1)  # 0 for a single member
        val.append(members[:n_val])
    val = np.concatenate(val)
    if val.size == 0 or val.size == m:
        raise ValueError(f"val_fraction={frac} leaves {val.size} of {m} samples for validation; "
                         "both parts must be non-empty")
    mask = np.isin(np.arange(m), val)  # (m,) True for the validation rows, kept in their order
    return X[~mask], X[mask], y_arr[~mask], y_arr[mask]


class Standardizer:
    """Scale each feature to zero mean and unit variance, fitted on training data only.

    ``transform(X) = (X - mean) / scale`` where ``mean`` and ``scale`` (the population
    standard deviation, 1 where a feature is constant) come from :meth:`fit`.
    """

    mean_: np.ndarray | None = None  # (n,), set by fit
    scale_: np.ndarray | None = None  # (n,)

    def fit(self, X: np.ndarray) -> Standardizer:
        """Learn per-feature mean and scale from ``X`` of shape ``(m, n)``."""
        X = as_float_array(X, name="X", ndim=2)
        self.mean_ = X.mean(axis=0)  # (n,)
        std = X.std(axis=0)  # (n,)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply the fitted scaling to ``X`` of shape ``(m, n)``."""
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer is not fitted yet: call fit(X_train) first")
        X = as_float_array(X, name="X", ndim=2)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X must have {self.mean_.shape[0]} features (as in fit), got shape {X.shape}")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)
