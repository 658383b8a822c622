"""Validation, declared: the validator table by table, then one bad input per public entry point.

The wording of each message is the validator's (tested here once); every entry point only has to
show that a bad argument is refused with the right exception and a message that names it.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pytest
import torch

from mlp_lab import _validation as v
from mlp_lab.scratch import MLP, activations, dropout, gradcheck, losses, schedules, train
from mlp_lab.scratch.optim import SGD, Adam
from mlp_lab.scratch.value import Value

# ------------------------------------------------------------------------------ the validator

INTERVALS = [
    # (interval, inside, outside-but-right-type, wrong type, the range as printed, the type as printed)
    (v.Interval(Real, 0, None, closed="neither"), [1e-9, 3, np.float64(2.0)], [0, -1.0], ["1", True, None],
     "> 0", "a real number"),
    (v.Interval(Real, 0, None, closed="left"), [0, 0.0, 5.5], [-1e-12], ["0", np.bool_(True)], ">= 0",
     "a real number"),
    (v.Interval(Real, 0, 1, closed="left"), [0.0, 0.999], [1.0, -0.1], [[0.5]], "in [0, 1)", "a real number"),
    (v.Interval(Real, 0.0, 1.0), [0, 1], [1.5], [None], "in [0.0, 1.0]", "a real number"),
    (v.Interval(Integral, 1, None), [1, np.int64(7)], [0, -3], [2.0, False, "3"], ">= 1", "an integer"),
    (v.Interval(Integral, 0, 2**63, closed="left"), [0, 2**63 - 1], [-1, 2**63], [1.0], "in [0, 2**63)",
     "an integer"),
]


@pytest.mark.parametrize(("interval", "inside", "outside", "wrong_type", "printed", "kind"), INTERVALS)
def test_interval(interval, inside, outside, wrong_type, printed, kind) -> None:
    assert str(interval) == printed
    for value in inside:
        assert value in interval
        v.validate_one("x", value, [interval])
    for value in outside:
        assert value not in interval
        with pytest.raises(ValueError, match=rf"^x must be {_re(printed)}, got {_re(str(value))}$"):
            v.validate_one("x", value, [interval])
    for value in [float("nan"), float("inf")] if interval.type is Real else []:
        with pytest.raises(ValueError, match=rf"^x must be finite, got {value}$"):
            v.validate_one("x", value, [interval])
    for value in wrong_type:
        with pytest.raises(TypeError, match=rf"^x must be {kind}, got {type(value).__name__} "):
            v.validate_one("x", value, [interval])


def _re(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize(
    ("constraints", "good", "bad", "error", "message"),
    [
        ([v.Options(("relu", "tanh"))], ["relu", "tanh"], "ReLU", ValueError,
         "x must be one of 'relu', 'tanh'; got 'ReLU'"),
        ([v.Options(("relu", "tanh"))], [], None, ValueError, "x must be one of 'relu', 'tanh'; got None"),
        ([bool], [True, False, np.bool_(True)], 1, TypeError, "x must be True or False, got int 1"),
        ([v.Interval(Integral, 1, None), None], [None, 4], 0, ValueError, "x must be >= 1, got 0"),
        ([v.Interval(Integral, 1, None), None], [], "4", TypeError, "x must be an integer or None, got str '4'"),
        ([list, tuple], [[1], (1,)], "ab", TypeError, "x must be a list or a tuple, got str 'ab'"),
        ([MLP], [MLP([1, 1])], 3, TypeError, "x must be an instance of mlp_lab.scratch.mlp.MLP, got int 3"),
    ],
)
def test_validate_one(constraints, good, bad, error, message) -> None:
    for value in good:
        v.validate_one("x", value, constraints)
    with pytest.raises(error) as info:
        v.validate_one("x", bad, constraints)
    assert str(info.value) == message


def test_validate_checks_every_keyword_against_its_table() -> None:
    table = {"lr": [v.Interval(Real, 0, None, closed="neither")], "nesterov": [bool]}
    v.validate(table, lr=0.1, nesterov=False)
    with pytest.raises(TypeError, match="nesterov must be True or False, got str 'yes'"):
        v.validate(table, lr=0.1, nesterov="yes")


@pytest.mark.parametrize(
    ("constraint", "good", "bad", "error", "message"),
    [
        (v.POSITIVE, 0.1, 0, ValueError, "x must be > 0, got 0"),
        (v.NONNEGATIVE, 0, -1.0, ValueError, "x must be >= 0, got -1.0"),
        (v.POSITIVE_INT, np.int64(2), 2.0, TypeError, "x must be an integer, got float 2.0"),
        (v.SEED, 2**63 - 1, 2**63, ValueError, "x must be in [0, 2**63), got "),
        (v.SEED, 0, -3, ValueError, "x must be in [0, 2**63)"),
    ],
)
def test_named_constraints(constraint, good, bad, error, message) -> None:
    v.validate({"x": constraint}, x=good)
    with pytest.raises(error) as info:
        v.validate({"x": constraint}, x=bad)
    assert str(info.value).startswith(message)


def test_check_choice() -> None:
    assert v.check_choice("bce", name="loss", choices=["mse", "bce"]) == "bce"
    with pytest.raises(ValueError, match="^loss must be one of 'mse', 'bce'; got 'l1'$"):
        v.check_choice("l1", name="loss", choices=["mse", "bce"])


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (["a", "b"], {}, TypeError, r"x must hold real numbers .* got dtype <U1"),
        (np.array([1 + 2j]), {}, TypeError, "x must hold real numbers"),
        ([[1.0, 2.0], [3.0]], {}, TypeError, "x must be array-like"),
        (torch.zeros(2), {}, TypeError, r"x must be a NumPy array, got a torch.Tensor"),
        (np.ones((2, 2)), {"ndim": 1}, ValueError, r"x must be a 1-D array, got shape \(2, 2\)"),
        (np.ones(3), {"ndim": (2, 3)}, ValueError, r"x must be a 2-D or 3-D array"),
        (np.ones((0, 2)), {}, ValueError, r"x must not be empty, got shape \(0, 2\)"),
        (np.array([1.0, np.nan]), {}, ValueError, r"x must be finite, .* index 1"),
        (np.array([[1.0, 2.0], [np.inf, 0.0]]), {}, ValueError, r"first at index \(1, 0\)"),
    ],
)
def test_as_float_array_errors(value, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        v.as_float_array(value, name="x", **kwargs)


def test_as_float_array_converts_to_float() -> None:
    assert v.as_float_array([1, 2], name="x").dtype == np.float64
    assert v.as_float_array(np.ones(2, dtype=np.float32), name="x").dtype == np.float32
    assert v.as_float_array(np.ones(2, dtype=np.float16), name="x").dtype == np.float64


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        ([0, 3], {"n_classes": 3}, ValueError, "y holds label 3, outside the 3 classes"),
        ([0, -1], {}, ValueError, "y must hold labels >= 0"),
        ([0.5, 1.0], {}, ValueError, "y must hold whole-number class labels"),
        ([[0, 1]], {}, ValueError, "y must be a 1-D array, got shape"),
        (["a"], {}, TypeError, "y must hold real numbers"),
    ],
)
def test_as_labels(value, kwargs, error, match) -> None:
    np.testing.assert_array_equal(v.as_labels([0.0, 2.0, 1.0], name="y"), [0, 2, 1])
    with pytest.raises(error, match=match):
        v.as_labels(value, name="y", **kwargs)


def test_check_same_length_names_both() -> None:
    with pytest.raises(ValueError, match="X has 3, y has 2"):
        v.check_same_length(X=np.ones((3, 1)), y=np.ones(2))
    v.check_same_length(X=np.ones((3, 1)), y=np.ones(3))  # same length: no error


# ------------------------------------------------------- one bad input per public entry point


def _net() -> MLP:
    return MLP([2, 3, 2], seed=0)


def _after_forward() -> MLP:
    net = _net()
    net.forward(np.ones((4, 2)))
    return net


def _set_lr(opt: SGD | Adam, value: object) -> None:
    opt.lr = value


X, Y = np.ones((4, 2)), np.array([0, 1, 0, 1])
ENTRY_POINTS = [
    ("MLP", lambda: MLP([2, 0, 1]), ValueError, "layer_sizes[1]"),
    ("MLP activation", lambda: MLP([2, 1], activation="softplus"), ValueError, "activation"),
    ("MLP.forward", lambda: _net().forward(np.ones((4, 3))), ValueError, "X"),
    ("MLP.backward", lambda: _after_forward().backward(np.ones((4, 3))), ValueError, "dZ_out"),
    ("MLP.loss_and_grads", lambda: _net().loss_and_grads(X, Y, l2=-1.0), ValueError, "l2"),
    ("MLP.check_data", lambda: _net().check_data(X, Y, loss="l1"), ValueError, "loss"),
    ("MLP.predict", lambda: _net().predict([[np.nan, 0.0]]), ValueError, "X"),
    ("MLP.predict_proba", lambda: _net().predict_proba("x"), TypeError, "X"),
    ("SGD", lambda: SGD([np.zeros(2)], lr=0.1, momentum=-1.0), ValueError, "momentum"),
    ("Adam", lambda: Adam([np.zeros(2)], betas=(0.9, 1.0)), ValueError, "betas[1]"),
    ("Adam params", lambda: Adam(np.zeros(2)), TypeError, "params"),
    ("Optimizer.lr", lambda: _set_lr(SGD([np.zeros(2)], lr=0.1), 0.0), ValueError, "lr"),
    ("Optimizer.step", lambda: Adam([np.zeros(2)]).step([np.array([np.nan, 0.0])]), ValueError, "grads[0]"),
    ("train", lambda: train(_net(), Adam(_net().parameters()), X, Y, loss="cross_entropy", epochs=1), ValueError,
     "optimizer"),
    ("train epochs", lambda: (n := _net(), train(n, Adam(n.parameters()), X, Y, loss="cross_entropy", epochs=0)),
     ValueError, "epochs"),
    ("get_activation", lambda: activations.get_activation("ReLU"), ValueError, "activation"),
    ("softmax", lambda: losses.softmax(np.ones((2, 2, 2))), ValueError, "Z"),
    ("log_softmax", lambda: losses.log_softmax([[np.inf]]), ValueError, "Z"),
    ("cross_entropy", lambda: losses.cross_entropy(np.zeros((2, 3)), [0, 3]), ValueError, "y"),
    ("cross_entropy_grad", lambda: losses.cross_entropy_grad(np.zeros((2, 3)), np.ones((2, 3))), ValueError, "y"),
    ("bce", lambda: losses.binary_cross_entropy_with_logits(np.zeros(2), [0.0, 2.0]), ValueError, "y"),
    ("bce_grad", lambda: losses.binary_cross_entropy_with_logits_grad(np.zeros((2, 2)), [0, 1]), ValueError, "z"),
    ("mse", lambda: losses.mse(np.zeros((3, 2)), np.zeros(3)), ValueError, "y"),
    ("mse_grad", lambda: losses.mse_grad("a", np.zeros(3)), TypeError, "y_hat"),
    ("numerical_gradient", lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2), eps=0), ValueError, "eps"),
    ("relative_error", lambda: gradcheck.relative_error(np.zeros(2), np.zeros(3)), ValueError, "a and b"),
    ("dropout_mask", lambda: dropout.dropout_mask((2,), 1.0, rng=np.random.default_rng(0)), ValueError, "p"),
    ("dropout_forward", lambda: dropout.dropout_forward(np.ones(2), 0.5, training=True), ValueError, "rng"),
    ("dropout_backward", lambda: dropout.dropout_backward(np.ones(2), np.ones(3)), ValueError, "D"),
    ("step_lr", lambda: schedules.step_lr(0, lr=0.1, step_size=0), ValueError, "step_size"),
    ("exponential_lr", lambda: schedules.exponential_lr(-1, lr=0.1, gamma=0.5), ValueError, "t"),
    ("cosine_lr", lambda: schedules.cosine_lr(0, lr=0.1, T_max=10, eta_min=-1.0), ValueError, "eta_min"),
    ("linear_lr", lambda: schedules.linear_lr(0, lr=0.1, start_factor=2.0), ValueError, "start_factor"),
    ("warmup_cosine_lr", lambda: schedules.warmup_cosine_lr(0, lr=0.1, warmup=0, T_max=5), ValueError, "warmup"),
    ("lr_range", lambda: schedules.lr_range(1, lr_min=1e-4, lr_max=1.0), ValueError, "steps"),
    ("clip_grad_norm", lambda: schedules.clip_grad_norm([np.ones(2)], max_norm=0.0), ValueError, "max_norm"),
    ("Value", lambda: Value("1"), TypeError, "data"),
    ("Value +", lambda: Value(1.0) + "2", TypeError, "Value"),
]


@pytest.mark.parametrize(("call", "error", "name"), [row[1:] for row in ENTRY_POINTS],
                         ids=[row[0] for row in ENTRY_POINTS])
def test_entry_point_refuses_bad_input_naming_it(call, error, name) -> None:
    with pytest.raises(error) as info:
        call()
    assert name in str(info.value)
