"""Checking numbers the way the course does: verdicts against stated tolerances.

Two kinds of check live here.

* :func:`compare` and :class:`Comparison` (this package's ``compare`` module): the chapters'
  own checks, "our result against a reference". A comparison prints a *verdict* (``agrees``
  or ``WRONG``) against a stated tolerance, never the size of a rounding-level difference,
  whose digits (even its decade) depend on the CPU's floating-point kernels. That is what
  keeps the committed notebooks' outputs the same on every machine.
* The learner-facing checkers (``check.dense_forward(fn)`` and friends), which run a
  learner's function on cases it has not seen and name the likely mistake.
"""

from mlp_lab.check.compare import Comparison, compare, report

__all__ = ["Comparison", "compare", "report"]
