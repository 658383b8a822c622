"""mlp_lab.check.compare: verdicts against stated tolerances, machine-independent text."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_lab.check import Comparison, compare, report


def test_rounding_level_difference_agrees_and_prints_no_digits():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    ours = np.einsum("ik,kj->ij", A, B)  # a different summation order than BLAS
    c = compare("A @ B", ours, A @ B)
    assert c.agrees and c.verdict == "agrees"
    assert str(c) == "A @ B: agrees (within rtol 1e-10, atol 1e-12)"
    assert c.max_abs < 1e-14


def test_real_difference_is_wrong_with_two_digits():
    c = compare("x", [1.0, 2.0], [1.0, 2.5])
    assert not c.agrees
    assert str(c) == "x: WRONG (max abs diff 0.5, beyond rtol 1e-10, atol 1e-12)"
    assert c.max_rel == pytest.approx(0.2)


def test_tolerance_boundary_is_allclose_rule():
    assert compare("x", 1.0 + 5e-10, 1.0, rtol=1e-9, atol=0.0).agrees is True
    assert compare("x", 1.0 + 3e-9, 1.0, rtol=1e-9, atol=0.0).agrees is False
    assert compare("x", 1e-13, 0.0).agrees is True  # atol covers values near zero
    assert compare("x", 1e-11, 0.0).agrees is False


@pytest.mark.parametrize(
    ("ours", "ref", "problem"),
    [
        (np.ones((2, 3)), np.ones((3, 2)), "shape (2, 3) vs reference (3, 2)"),
        (np.ones(3), np.ones((1, 3)), "shape (3,) vs reference (1, 3)"),
        ([1.0, np.nan], [1.0, 2.0], "ours has NaN or inf"),
        ([1.0, 2.0], [np.inf, 2.0], "the reference has NaN or inf"),
    ],
)
def test_no_broadcasting_and_no_nan(ours, ref, problem):
    c = compare("t", ours, ref)
    assert not c.agrees and c.problem == problem
    assert str(c) == f"t: WRONG ({problem})"


def test_accepts_tensors_with_grad():
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) * 2
    assert compare("t", t, np.array([2.0, 4.0])).agrees


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="rtol"):
        compare("x", 1.0, 1.0, rtol=-1)
    with pytest.raises(TypeError, match="what must be a str"):
        compare(3, 1.0, 1.0)
    with pytest.raises(TypeError, match="cannot compare a dict"):
        compare("x", {"a": 1}, 1.0)


def test_report_lists_verdicts_and_summary():
    rows = [compare("a", 1.0, 1.0), compare("bb", 1.0, 2.0)]
    text = report(rows)
    assert text.splitlines() == [
        "a   agrees  rtol 1e-10, atol 1e-12",
        "bb  WRONG   rtol 1e-10, atol 1e-12",
        "1 of 2 WRONG: bb",
    ]
    assert report([compare("a", 1.0, 1.0)]).endswith("all 1 agree")
    with pytest.raises(TypeError, match="Comparison"):
        report(["not a comparison"])
    assert isinstance(rows[0], Comparison)
