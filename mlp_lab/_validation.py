"""Input checks shared by every public entry point of :mod:`mlp_lab`.

Each helper raises a :class:`TypeError` or :class:`ValueError` whose message names
the argument, says what was expected and what arrived. Library functions call
these at their boundary only; internal helpers trust their inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "as_float_array",
    "as_labels",
    "check_choice",
    "check_finite_scalar",
    "check_in_range",
    "check_nonnegative",
    "check_positive",
    "check_positive_int",
    "check_same_length",
    "check_seed",
]


def _describe(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_float_array(
    x: object,
    *,
    name: str,
    ndim: int | Sequence[int] | None = None,
    allow_empty: bool = False,
    allow_nonfinite: bool = False,
) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, or raise a clear error.

    Integer and boolean input becomes float64; float32/float64 keep their dtype.

    Parameters
    ----------
    x : array_like
        The value to check.
    name : str
        The argument's name, used in error messages.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    allow_empty : bool
        Whether an array with no elements is accepted.
    allow_nonfinite : bool
        Whether NaN and inf are accepted.

    Raises
    ------
    TypeError
        If ``x`` is not numeric (strings, objects, complex numbers, torch tensors).
    ValueError
        If the number of dimensions is wrong, the array is empty, or it holds NaN/inf.
    """
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        raise TypeError(
            f"{name} must be a NumPy array, got a torch.Tensor; "
            f"pass {name}.detach().cpu().numpy() instead"
        )
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers, got {_describe(x)}: {exc}") from exc
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must hold real numbers (int, bool or float), got dtype {arr.dtype}"
        )
    elif arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be a {want} array, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not allow_nonfinite and arr.size and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{name} must be finite, but it contains NaN or inf "
            f"(first at index {where if arr.ndim > 1 else where[0]}: {arr[tuple(bad)]})"
        )
    return arr


def as_labels(
    y: object,
    *,
    name: str,
    n_classes: int | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return integer class labels of shape ``(m,)``, or raise a clear error.

    Float labels are accepted when they are whole numbers (``1.0`` means class 1).

    Raises
    ------
    TypeError
        If ``y`` is not numeric.
    ValueError
        If ``y`` is not 1-D, is empty, holds non-integers or negative values, or a
        label is ``>= n_classes``.
    """
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite class labels, but it contains NaN or inf")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold whole-number class labels, got e.g. {arr[arr != np.round(arr)][0]}")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got {labels.min()}")
    if n_classes is not None and labels.size and labels.max() >= n_classes:
        raise ValueError(
            f"{name} holds label {labels.max()}, outside the {n_classes} classes 0..{n_classes - 1}"
        )
    return labels


def check_same_length(**arrays: np.ndarray) -> int:
    """Check that all arrays have the same first dimension; return it.

    Call as ``check_same_length(X=X, y=y)`` so the message can name both.
    """
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"arguments must have the same number of samples (rows): {parts}")
    return next(iter(lengths.values()))


def check_finite_scalar(value: object, *, name: str) -> float:
    """Return ``value`` as a float; it must be a real, finite number (not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def check_positive(value: object, *, name: str) -> float:
    """Return ``value`` as a float; it must be ``> 0``."""
    out = check_finite_scalar(value, name=name)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {out}")
    return out


def check_nonnegative(value: object, *, name: str) -> float:
    """Return ``value`` as a float; it must be ``>= 0``."""
    out = check_finite_scalar(value, name=name)
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {out}")
    return out


def check_in_range(
    value: object,
    *,
    name: str,
    low: float,
    high: float,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a float; it must lie in the stated interval."""
    out = check_finite_scalar(value, name=name)
    ok_low = out >= low if low_inclusive else out > low
    ok_high = out <= high if high_inclusive else out < high
    if not (ok_low and ok_high):
        interval = f"{'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name} must be in {interval}, got {out}")
    return out


def check_positive_int(value: object, *, name: str) -> int:
    """Return ``value`` as an int; it must be an integer ``>= 1`` (not bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def check_seed(value: object, *, name: str = "seed") -> int:
    """Return ``value`` as an int; it must be an integer in ``[0, 2**63)`` (not bool).

    The one rule for every seed in :mod:`mlp_lab`: ``np.random.default_rng`` accepts any
    non-negative integer and ``torch.manual_seed`` one below ``2**63`` (as a signed 64-bit
    number), so a seed valid here is valid for both.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if not 0 <= value < 2**63:
        raise ValueError(f"{name} must be in [0, 2**63), got {value}")
    return int(value)


def check_choice(value: object, *, name: str, choices: Iterable[str]) -> str:
    """Return ``value``; it must be one of ``choices``."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value
