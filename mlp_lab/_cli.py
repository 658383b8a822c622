"""Argument types shared by the command-line programs (``python -m mlp_lab``, ``python -m benchmarks``).

Each turns a flag's text into a value or raises :class:`argparse.ArgumentTypeError`, which
argparse reports as ``argument --flag: <message>`` with exit status 2. No heavy imports here:
``--help`` must answer without loading torch.
"""

import argparse
import functools
import math


def _whole_number(text: str, *, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


positive_int = functools.partial(_whole_number, minimum=1)  # a whole number >= 1
nonnegative_int = functools.partial(_whole_number, minimum=0)  # a whole number >= 0
