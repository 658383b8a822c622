r"""Learner-facing checker for inverted dropout (chapter 6), checked exactly where it can be and
statistically where it must be.

A dropout mask is random, and two correct implementations draw it differently from the same
generator (``rng.random(shape) >= p``, ``rng.random(shape) < 1 - p``, ``rng.binomial(1, 1 - p,
shape)``), so the mask itself has no reference. What every correct implementation shares, and
what the checker compares, are numbers that do not depend on the draw beyond a stated tolerance:
exact properties (true or false) and statistics over a million entries, rounded to two decimals,
far coarser than their sampling noise. Given the seed and the learner's use of the generator, the
result is deterministic.
"""

from __future__ import annotations

import numpy as np

from mlp_lab.check._engine import BadOutput, Case, Mistake, Spec, as_numbers, checker, run_check
from mlp_lab.check.result import CheckResult

__all__ = ["dropout"]

_N_STAT = (1000, 1000)  # entries of the statistical case
_P_STAT = 0.3


def _outputs(fn, A: np.ndarray, p: float, rng, training: bool) -> tuple[np.ndarray, object]:
    """Call ``fn`` on a copy of ``A``; (A_out, mask) as float64 arrays (mask may be None); BadOutput if malformed."""
    out = fn(A, p, rng, training)
    if not isinstance(out, tuple | list) or len(out) != 2:
        got = f"{len(out)} values" if isinstance(out, tuple | list) else f"a {type(out).__name__}"
        raise BadOutput(f"returned {got}, expected a tuple (A_out, mask)")
    A_out, mask = out
    try:
        A_out = as_numbers(A_out)
        mask = None if mask is None else as_numbers(mask)
    except (TypeError, ValueError):
        raise BadOutput("returned something that is not numbers; expected a tuple (A_out, mask) of arrays") from None
    for label, x in (("A_out", A_out), ("mask", mask)):
        if x is not None and x.shape != A.shape:
            raise BadOutput(f"{label} has shape {x.shape}, expected A's shape {A.shape}")
    return A_out, mask


def _flag(ok: bool) -> float:
    return 1.0 if ok else 0.0


def _runner(kind: str, shape: tuple[int, ...], p: float, seed: int):
    """A runner computing the case's verdict numbers from the learner's outputs."""

    def run(fn):
        A = np.ones(shape) if kind == "mean" else np.random.default_rng(seed + 1000).standard_normal(shape)
        A_in = A.copy()
        training = kind != "eval"
        if kind == "same rng state":
            first = _outputs(fn, A_in.copy(), p, np.random.default_rng(seed), True)[1]
            again = _outputs(fn, A_in.copy(), p, np.random.default_rng(seed), True)[1]
            rng = np.random.default_rng(seed + 1)
            one, two = (_outputs(fn, A_in.copy(), p, rng, True)[1] for _ in range(2))
            if first is None or one is None:
                raise BadOutput("mask is None in training; expected the mask D the forward pass used")
            return (_flag(np.array_equal(first, again)), _flag(not np.array_equal(one, two))), ()
        A_out, mask = _outputs(fn, A_in, p, np.random.default_rng(seed), training)
        changed = () if np.array_equal(A_in, A) else ("A",)
        if kind == "eval":
            unchanged = mask is None or bool(np.all(mask == 1.0))
            return (_flag(np.array_equal(A_out, A)), _flag(unchanged)), changed
        if mask is None:
            raise BadOutput("mask is None in training; expected the mask D the forward pass used")
        if kind == "mean":
            return (round(float(A_out.mean()), 2), round(float(np.mean(mask == 0)), 2)), changed
        scaled = np.isclose(mask, 0.0, rtol=0, atol=1e-12) | np.isclose(mask, 1 / (1 - p), rtol=1e-12, atol=0)
        return (_flag(np.allclose(A_out, A * mask, rtol=1e-12, atol=1e-15)), _flag(bool(np.all(scaled)))), changed

    return run


def _variant(A, p, rng, training, *, mistake: str = ""):
    """Inverted dropout, or a mistaken variant of it (for the diagnosis)."""
    if not training and mistake != "drops_in_eval":
        return A, None
    if mistake == "global_rng":
        rng = np.random.default_rng()
    elif mistake == "fixed_seed":
        rng = np.random.default_rng(0)
    keep = 1.0 - p
    M = (rng.random(A.shape) < (p if mistake.startswith("swapped") else keep)).astype(np.float64)
    scale = {"no_rescaling": 1.0, "times_p": p, "divided_by_p": 1 / p, "swapped_over_p": 1 / p}.get(mistake, 1 / keep)
    D = M * scale
    if mistake == "mask_unscaled":
        return A * D, M
    return A * D, D


_DROPOUT_MISTAKES = {
    "no_rescaling": "the kept activations are not rescaled, so the mean shrinks to (1 - p) A. Hint: inverted "
    "dropout divides the kept ones by 1 - p: D = M / (1 - p), A_out = A * D.",
    "times_p": "the kept activations are multiplied by p. Hint: divide them by 1 - p, the probability of keeping.",
    "divided_by_p": "the kept activations are divided by p. Hint: divide them by 1 - p, the probability of "
    "keeping (p is the probability of dropping).",
    "swapped": "p is used as the probability of keeping: an entry is kept when rng.random() < p. Hint: p is the "
    "probability of dropping; keep when rng.random() >= p (probability 1 - p).",
    "swapped_over_p": "p is used as the probability of keeping (kept when rng.random() < p, scaled by 1/p). Hint: "
    "p is the probability of dropping; keep with probability 1 - p and scale by 1 / (1 - p).",
    "drops_in_eval": "activations are dropped in evaluation too: with training=False dropout is the identity, "
    "return (A, None).",
    "mask_unscaled": "the mask returned is M (0 or 1), not the D = M / (1 - p) the output was multiplied by: the "
    "backward pass multiplies by the mask it is given, so return D, with A_out = A * D.",
    "global_rng": "the mask does not come from the rng you are given (np.random.* uses NumPy's global "
    "generator): the same rng state must give the same mask. Hint: rng.random(A.shape).",
    "fixed_seed": "a new generator with a fixed seed is made inside the function, so every call drops the same "
    "entries. Hint: draw from the rng you are given, rng.random(A.shape).",
}


@checker
def dropout(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(A, p, rng, training) -> (A_out, mask)``, inverted dropout (chapter 6's ``ev-dropout``).

    ``p`` is the probability of *dropping* an entry; ``rng`` a :class:`numpy.random.Generator`
    to draw from. In training each entry is kept with probability :math:`1 - p`, and

    .. math:: D = M / (1 - p), \quad M_{ij} \sim \text{Bernoulli}(1 - p), \qquad A_{out} = A \odot D,

    with ``mask`` the scaled mask :math:`D` (entries 0 or :math:`1/(1-p)`), the one the backward
    pass multiplies by, :math:`dA = dA_{out} \odot D`. With ``training=False`` dropout is the
    identity: ``A_out`` is ``A`` and ``mask`` is ``None`` (an array of ones is accepted).

    What is checked, on every case through verdicts that any correct implementation gives:

    * exactly: ``A_out == A * mask`` (to ``rtol=1e-12``), the mask's entries are 0 or
      :math:`1/(1-p)`, evaluation returns ``A`` itself, ``A`` is not modified, the same ``rng``
      state gives the same mask and two draws from one ``rng`` differ;
    * statistically, on :math:`10^6` entries of ``A = 1`` with ``p = 0.3``: the mean of
      ``A_out`` and the share of dropped entries, rounded to 2 decimals, must be 1.00 and 0.30.
      Their standard errors are :math:`\sqrt{p/((1-p)N)} = 6.5 \cdot 10^{-4}` and
      :math:`\sqrt{p(1-p)/N} = 4.6 \cdot 10^{-4}`: a correct implementation is off by the
      rounding's 0.005 with probability below :math:`10^{-13}`.
    """

    def cases() -> list[Case]:
        # the statistical case last: a mistaken variant is ruled out on the cheap cases first
        data = [
            ("exact", "training, p=0.5, random A (20, 8)", (20, 8), 0.5, (1.0, 1.0),
             ("A_out == A * mask", "mask entries 0 or 1/(1-p)")),
            ("exact", "training, p=0.8, random A (3, 50)", (3, 50), 0.8, (1.0, 1.0),
             ("A_out == A * mask", "mask entries 0 or 1/(1-p)")),
            ("eval", "evaluation (training=False), p=0.5, random A (6, 4)", (6, 4), 0.5, (1.0, 1.0),
             ("A_out == A", "mask None (or ones)")),
            ("same rng state", "one rng state, one mask: p=0.5, random A (8, 8)", (8, 8), 0.5, (1.0, 1.0),
             ("same rng state gives the same mask", "two draws from one rng differ")),
            ("mean", f"training, p={_P_STAT}, A = 1 (10^6 entries)", _N_STAT, _P_STAT,
             (1.0, _P_STAT), ("mean of A_out (2 decimals)", "share of mask == 0 (2 decimals)")),
        ]
        return [Case(what, _runner(kind, shape, p, seed), tuple(round(e, 2) for e in expected), labels,
                     lambda out: tuple(out)) for kind, what, shape, p, expected, labels in data]

    mistakes = [Mistake(key.removesuffix("_over_p"), text, lambda A, p, rng, tr, k=key: _variant(A, p, rng, tr,
                                                                                                  mistake=k))
                for key, text in _DROPOUT_MISTAKES.items()]
    hints = {"values": "compare your code with (ev-dropout): keep an entry with probability 1 - p, "
             "scale the kept ones by 1 / (1 - p), return (A * D, D) in training and (A, None) in evaluation."}
    return run_check(Spec("dropout", "dropout(A, p, rng, training)", hints=hints), fn, cases, mistakes)
