r"""Compare a result with a reference and say, in words, whether they agree.

The verdict is a function of the mathematics, not of the machine: two float64
computations of the same quantity that differ only by rounding agree within
``rtol=1e-10`` on every CPU, whereas the rounding difference itself (``3.2e-16`` here,
``1.1e-16`` there, sometimes exactly ``0``) does not. So a notebook prints the verdict and
the tolerance; the measured differences are kept on the :class:`Comparison` for a cell
that nbval ignores.

Agreement is NumPy's ``allclose`` rule, element by element,

.. math:: |\text{ours} - \text{ref}| \le \text{atol} + \text{rtol}\,|\text{ref}| ,

with the same shape required (no broadcasting) and NaN never agreeing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mlp_lab._validation import NONNEGATIVE, validate

__all__ = ["Comparison", "compare", "report"]


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    what : str
        What was compared, e.g. ``"dW[1] vs autograd"``.
    agrees : bool
        Whether every element is within ``atol + rtol * |ref|`` (and the shapes match).
    rtol, atol : float
        The tolerances the verdict is against.
    max_abs, max_rel : float
        The largest absolute difference and the largest difference relative to the
        reference's largest entry (``inf`` when the shapes differ or a value is not
        finite). Their digits depend on the machine: show them in an ignored cell.
    problem : str or None
        Why the two cannot agree at all (shapes differ, NaN or inf), else ``None``.
    """

    what: str
    agrees: bool
    rtol: float
    atol: float
    max_abs: float
    max_rel: float
    problem: str | None = None

    @property
    def verdict(self) -> str:
        """``"agrees"`` or ``"WRONG"``: the machine-independent part of the outcome."""
        return "agrees" if self.agrees else "WRONG"

    @property
    def tolerance(self) -> str:
        """The tolerance in words, e.g. ``"rtol 1e-10, atol 1e-12"``."""
        return f"rtol {self.rtol:.0e}, atol {self.atol:.0e}"

    def __str__(self) -> str:
        if self.problem is not None:
            return f"{self.what}: WRONG ({self.problem})"
        if not self.agrees:
            # A real discrepancy is large, so its two leading digits are stable.
            return f"{self.what}: WRONG (max abs diff {self.max_abs:.2g}, beyond {self.tolerance})"
        return f"{self.what}: {self.verdict} (within {self.tolerance})"

    def detail(self) -> str:
        """The measured differences, for a cell whose output nbval ignores."""
        return f"{self.what}: max abs diff {self.max_abs:.1e}, max rel diff {self.max_rel:.1e}"


def compare(what: str, ours: object, ref: object, *, rtol: float = 1e-10, atol: float = 1e-12) -> Comparison:
    r"""Compare ``ours`` with the reference ``ref`` at a stated tolerance.

    Parameters
    ----------
    what : str
        A short description, printed with the verdict.
    ours, ref : array_like or torch.Tensor
        The two results; tensors are detached and converted to float64 NumPy arrays.
    rtol, atol : float, keyword-only
        Relative and absolute tolerance, ``>= 0``. The defaults suit two float64
        computations of the same quantity (rounding is about ``1e-16`` relative);
        loosen ``rtol`` for finite differences (truncation error, ``~1e-7``) or float32.

    Returns
    -------
    Comparison
        Prints as one line, e.g. ``"Z vs torch: agrees (within rtol 1e-10, atol 1e-12)"``.

    Examples
    --------
    >>> print(compare("0.1 + 0.2", 0.1 + 0.2, 0.3))
    0.1 + 0.2: agrees (within rtol 1e-10, atol 1e-12)
    """
    if not isinstance(what, str):
        raise TypeError(f"what must be a str describing the comparison, got {type(what).__name__}")
    validate({"rtol": NONNEGATIVE, "atol": NONNEGATIVE}, rtol=rtol, atol=atol)
    rtol, atol = float(rtol), float(atol)
    a, r = _as_float64(ours), _as_float64(ref)
    if a.shape != r.shape:
        return Comparison(what, False, rtol, atol, np.inf, np.inf, f"shape {a.shape} vs reference {r.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        bad = "ours" if not np.all(np.isfinite(a)) else "the reference"
        return Comparison(what, False, rtol, atol, np.inf, np.inf, f"{bad} has NaN or inf")
    if a.size == 0:
        return Comparison(what, True, rtol, atol, 0.0, 0.0)
    diff = np.abs(a - r)
    max_abs = float(np.max(diff))
    scale = float(np.max(np.abs(r)))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else np.inf)
    agrees = bool(np.all(diff <= atol + rtol * np.abs(r)))
    return Comparison(what, agrees, rtol, atol, max_abs, max_rel)


def report(comparisons: Iterable[Comparison]) -> str:
    """A table of verdicts, one line per comparison, and a summary line.

    Parameters
    ----------
    comparisons : iterable of Comparison

    Returns
    -------
    str
        Machine-independent text: what, verdict and tolerance of each row, then
        ``"all N agree"`` or ``"k of N WRONG: ..."``.
    """
    rows = list(comparisons)
    if not all(isinstance(c, Comparison) for c in rows):
        raise TypeError("comparisons must be Comparison objects, as returned by compare()")
    width = max((len(c.what) for c in rows), default=0)
    lines = [f"{c.what:<{width}}  {c.verdict:<6}  {c.tolerance}" for c in rows]
    wrong = [c.what for c in rows if not c.agrees]
    lines.append(f"all {len(rows)} agree" if not wrong else f"{len(wrong)} of {len(rows)} WRONG: {', '.join(wrong)}")
    return "\n".join(lines)


def _as_float64(x: object) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch.Tensor, without importing torch here
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot compare a {type(x).__name__} as numbers: {err}") from None
