"""Input checks of :mod:`mlp_lab`'s public entry points, declared as tables (scikit-learn's style).

Each public function or class states its parameters' constraints once, as a table::

    _constraints = {"lr": [Interval(Real, 0, None, closed="neither")], "nesterov": [bool]}
    validate(_constraints, lr=lr, nesterov=nesterov)

:func:`validate` checks every value against its list of allowed constraints (one must hold) and
raises an error that names the argument, says what was expected and what arrived::

    ValueError: lr must be > 0, got -0.1

A :class:`TypeError` when the value has none of the allowed types (``lr must be a real number, got
str '0.1'``), a :class:`ValueError` when it has the right type but the wrong value (one of
:class:`Options` is always a ValueError). A constraint is an :class:`Interval`, an :class:`Options`,
``None`` (the value ``None``), ``bool``, or any other class (``isinstance``). Arrays are checked by
:func:`as_float_array` and :func:`as_labels`. The common constraints are named once
(:data:`POSITIVE`, :data:`NONNEGATIVE`, :data:`POSITIVE_INT`, :data:`SEED`) for the tables.
"""

import math
from collections.abc import Hashable, Iterable, Sequence
from numbers import Integral, Real

import numpy as np

__all__ = ["NONNEGATIVE", "POSITIVE", "POSITIVE_INT", "SEED", "Interval", "Options", "as_float_array", "as_labels",
           "check_choice", "check_same_length", "validate", "validate_one"]


class Interval:
    """Numbers of ``type`` (``Integral`` or ``Real``, never ``bool``) between ``left`` and ``right``.

    ``right=None`` means unbounded above; ``closed`` is ``"both"``, ``"left"``,
    ``"right"`` or ``"neither"``. NaN and inf never pass.
    """

    def __init__(self, type: type, left: float, right: float | None, *, closed: str = "both") -> None:
        self.type, self.left, self.right = type, left, right
        self.kind = "an integer" if type is Integral else "a real number"
        self.closed_left, self.closed_right = closed in ("both", "left"), closed in ("both", "right")

    def has_type(self, value: object) -> bool:
        return isinstance(value, self.type) and not isinstance(value, bool | np.bool_)

    def __contains__(self, value: object) -> bool:
        if not self.has_type(value) or not math.isfinite(value):
            return False
        left_ok = value > self.left or (self.closed_left and value == self.left)
        return left_ok and (self.right is None or value < self.right or (self.closed_right and value == self.right))

    def __str__(self) -> str:
        """The range as the messages say it: ``> 0``, ``>= 1``, ``in [0, 1)``."""
        left, right = ("2**63" if x == 2**63 else str(x) for x in (self.left, self.right))
        if self.right is None:
            return f"{'>=' if self.closed_left else '>'} {left}"
        return f"in {'[' if self.closed_left else '('}{left}, {right}{']' if self.closed_right else ')'}"


class Options:
    """One of a fixed set of values (e.g. names); anything else is a ValueError."""

    def __init__(self, options: Iterable[object]) -> None:
        self.options = tuple(options)
        self.kind = str(self)

    def has_type(self, value: object) -> bool:
        return True  # a value of another type is simply not one of the options

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Hashable) and value in self.options

    def __str__(self) -> str:
        return "one of " + ", ".join(map(repr, self.options))


POSITIVE, NONNEGATIVE = [Interval(Real, 0, None, closed="neither")], [Interval(Real, 0, None, closed="left")]
POSITIVE_INT, SEED = [Interval(Integral, 1, None)], [Interval(Integral, 0, 2**63, closed="left")]  # numpy, torch


def _holds(constraint: object, value: object) -> tuple[bool, bool, str]:
    """``(type matches, value allowed, the accepted type in words)`` of one constraint."""
    if constraint is None:
        return value is None, value is None, "None"
    if isinstance(constraint, type):
        ok = isinstance(value, constraint | np.bool_ if constraint is bool else constraint)
        where = "a " if constraint.__module__ == "builtins" else f"an instance of {constraint.__module__}."
        return ok, ok, "True or False" if constraint is bool else where + constraint.__name__
    return constraint.has_type(value), value in constraint, constraint.kind


def validate_one(name: str, value: object, constraints: Sequence[object]) -> None:
    """Raise if ``value`` satisfies none of ``constraints`` (the messages: see the module docstring).

    ValueError when the value has an accepted type: ``lr must be > 0, got 0.0``, ``activation must be
    one of 'relu', 'tanh'; got 'ReLU'``, ``lr must be finite, got nan``; TypeError otherwise:
    ``epochs must be an integer, got float 2.5``.
    """
    results = [_holds(c, value) for c in constraints]
    if any(allowed for _, allowed, _ in results):
        return
    typed = [c for c, (has_type, _, _) in zip(constraints, results, strict=True) if has_type]
    if not typed:
        kinds = " or ".join(kind for _, _, kind in results)
        raise TypeError(f"{name} must be {kinds}, got {type(value).__name__} {value!r}")
    if isinstance(typed[0], Options):
        raise ValueError(f"{name} must be {typed[0]}; got {value!r}")
    if isinstance(typed[0], Interval) and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    raise ValueError(f"{name} must be {' or '.join(str(c) for c in typed)}, got {value}")


def validate(constraints: dict[str, Sequence[object]], **params: object) -> None:
    """Check each keyword argument against ``constraints[name]``, the entry point's table."""
    for name, value in params.items():
        validate_one(name, value, constraints[name])


def check_choice(value: object, *, name: str, choices: Iterable[str]) -> str:
    """``value``; it must be one of ``choices``."""
    validate_one(name, value, [Options(choices)])
    return value


def check_same_length(**arrays: np.ndarray) -> None:
    """All arrays must have the same first dimension (call as ``check_same_length(X=X, y=y)``)."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"arguments must have the same number of samples (rows): {parts}")


# ----------------------------------------------------------------------------------- arrays


def as_float_array(x: object, *, name: str, ndim: int | Sequence[int] | None = None) -> np.ndarray:
    """``x`` as a floating NumPy array (ints and bools become float64, float32/64 kept), or a clear error.

    Raises
    ------
    TypeError
        If ``x`` is not numeric (strings, objects, complex numbers, torch tensors).
    ValueError
        If the number of dimensions (``ndim``: allowed values) is wrong, the array is empty
        or it holds NaN/inf.
    """
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        raise TypeError(f"{name} must be a NumPy array, got a torch.Tensor; pass {name}.detach().cpu().numpy() instead")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (int, bool or float), got dtype {arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and arr.ndim not in allowed:
        raise ValueError(f"{name} must be a {' or '.join(f'{d}-D' for d in allowed)} array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite, but it contains NaN or inf "
                         f"(first at index {bad if arr.ndim > 1 else bad[0]}: {arr[bad]})")
    return arr


def as_labels(y: object, *, name: str, n_classes: int | None = None) -> np.ndarray:
    """Integer class labels of shape ``(m,)`` (whole-number floats accepted), or a clear error.

    Raises
    ------
    TypeError
        If ``y`` is not numeric.
    ValueError
        If ``y`` is not 1-D, is empty or not finite (as :func:`as_float_array`), holds non-integers
        or negative values, or a label is ``>= n_classes``.
    """
    arr = as_float_array(y, name=name, ndim=1)
    if not np.all(arr == np.round(arr)):
        raise ValueError(f"{name} must hold whole-number class labels, got e.g. {arr[arr != np.round(arr)][0]}")
    labels = arr.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0, got {labels.min()}")
    if n_classes is not None and labels.max() >= n_classes:
        raise ValueError(f"{name} holds label {labels.max()}, outside the {n_classes} classes 0..{n_classes - 1}")
    return labels
