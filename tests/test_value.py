"""mlp_lab.scratch.value.Value: forward values and gradients against torch.autograd in float64."""

import math

import numpy as np
import pytest
import torch

from mlp_lab.scratch.value import Value

RTOL, ATOL = 1e-12, 1e-14


def test_hand_worked_example():
    # c = a * b + a with a = 2, b = -3: c = -4, dc/da = b + 1 = -2, dc/db = a = 2
    a, b = Value(2.0), Value(-3.0)
    c = a * b + a
    c.backward()
    assert c.data == -4.0
    assert (a.grad, b.grad, c.grad) == (-2.0, 2.0, 1.0)


def test_reused_node_accumulates():
    # y = x * x + x uses x three times: dy/dx = 2x + 1 = 7 at x = 3
    x = Value(3.0)
    y = x * x + x
    y.backward()
    assert y.data == 12.0
    assert x.grad == pytest.approx(7.0, rel=RTOL, abs=ATOL)


def test_topological_order_puts_inputs_first_and_counts_each_node_once():
    x, w = Value(1.0), Value(2.0)
    h = x * w
    y = h + h * x  # x and h are used twice
    order = y.topological_order()
    assert len(order) == 5  # x, w, h, h * x, y
    assert order[-1] is y
    pos = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(pos[id(c)] < pos[id(node)] for c in node._prev)


def test_shared_subexpression_counted_once_per_path():
    # h = tanh(x) feeds two products; dJ/dx sums both paths
    x = Value(0.4)
    h = x.tanh()
    J = h * 2.0 + h * h
    J.backward()
    t = math.tanh(0.4)
    assert x.grad == pytest.approx((2.0 + 2 * t) * (1 - t * t), rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("z, grad", [(1.5, 1.0), (-0.5, 0.0), (0.0, 0.0)])
def test_relu_forward_and_derivative(z, grad):
    v = Value(z)
    out = v.relu()
    out.backward()
    assert out.data == max(0.0, z)
    assert v.grad == grad
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert v.grad == t.grad.item()  # the same convention at the kink: 0 at z = 0


def test_subtraction_negation_and_reflected_operators():
    x = Value(1.5)
    y = 2.0 - x * 3.0 + (-x) - 1.0 + 0.5 * x + 4.0 + x - 0.25
    y.backward()
    xt = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    yt = 2.0 - xt * 3.0 + (-xt) - 1.0 + 0.5 * xt + 4.0 + xt - 0.25
    yt.backward()
    np.testing.assert_allclose(y.data, yt.item(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad, xt.grad.item(), rtol=RTOL, atol=ATOL)


def _mlp_value(weights, biases, x, activation):
    """A small MLP on Values: hidden layers use `activation`, the output is linear."""
    a = [Value(float(xi)) for xi in x]
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = []
        for k in range(len(W)):
            s = b[k]
            for j in range(len(a)):
                s = s + W[k][j] * a[j]
            z.append(s)
        a = [getattr(zk, activation)() for zk in z] if l < len(weights) - 1 else z
    return a


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_network_against_torch_autograd(activation, seed):
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 5, 2]
    W_np = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    b_np = [rng.standard_normal(n_out) for n_out in sizes[1:]]
    x = rng.standard_normal(sizes[0])
    target = rng.standard_normal(sizes[-1])

    W_v = [[[Value(float(w)) for w in row] for row in W] for W in W_np]
    b_v = [[Value(float(bk)) for bk in b] for b in b_np]
    out = _mlp_value(W_v, b_v, x, activation)
    diffs = [o - float(t) for o, t in zip(out, target, strict=True)]
    J = sum((d * d for d in diffs), Value(0.0))  # squared error
    J.backward()

    W_t = [torch.tensor(W, requires_grad=True) for W in W_np]
    b_t = [torch.tensor(b, requires_grad=True) for b in b_np]
    a_t = torch.from_numpy(x)
    act = getattr(torch, activation)
    for l, (W, b) in enumerate(zip(W_t, b_t, strict=True)):
        a_t = W @ a_t + b
        if l < len(W_t) - 1:
            a_t = act(a_t)
    J_t = ((a_t - torch.from_numpy(target)) ** 2).sum()
    J_t.backward()

    np.testing.assert_allclose([o.data for o in out], a_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(J.data, J_t.item(), rtol=RTOL, atol=ATOL)
    for Wv, Wt, bv, bt in zip(W_v, W_t, b_v, b_t, strict=True):
        np.testing.assert_allclose([[w.grad for w in row] for row in Wv], Wt.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose([bk.grad for bk in bv], bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_before_backward_is_zero_and_output_grad_is_one():
    x = Value(0.3)
    y = x.tanh()
    assert x.grad == 0.0
    y.backward()
    assert y.grad == 1.0
    np.testing.assert_allclose(x.grad, 1 - math.tanh(0.3) ** 2, rtol=RTOL, atol=ATOL)


def test_numpy_scalars_are_accepted():
    v = Value(np.float64(2.0)) * np.float64(3.0) + np.int64(1)
    assert v.data == 7.0


@pytest.mark.parametrize("bad", ["1.0", None, True, [1.0], np.array([1.0, 2.0]), 1 + 2j])
def test_bad_data_raises_type_error(bad):
    with pytest.raises(TypeError, match="data must be a real number"):
        Value(bad)


@pytest.mark.parametrize("op", [lambda v: v + "a", lambda v: v * None, lambda v: v - [1],
                                lambda v: "a" + v, lambda v: None * v, lambda v: v + True])
def test_bad_operand_raises_type_error(op):
    with pytest.raises(TypeError, match="combined with a Value"):
        op(Value(1.0))


def test_repr_shows_data_and_grad():
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0)"


def test_backward_through_a_deep_graph_needs_no_recursion() -> None:
    """Summing 10,000 Values is a chain 10,000 nodes deep: backward must not hit the recursion limit."""
    import sys

    values = [Value(float(i)) for i in range(10_000)]
    total = values[0]
    for x in values[1:]:
        total = total + x
    assert len(total.topological_order()) > sys.getrecursionlimit()
    total.backward()
    assert total.data == sum(range(10_000))
    assert all(x.grad == 1.0 for x in values)


def test_topological_order_puts_inputs_first_in_a_shared_graph() -> None:
    """A node used twice (b = a*a + a, c = tanh(b*a) + b) still comes after all its inputs."""
    a = Value(2.0)
    b = a * a + a
    c = (b * a).tanh() + b
    order = c.topological_order()
    position = {id(node): k for k, node in enumerate(order)}
    assert order[-1] is c and len(position) == len(order)
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node._prev)


def test_the_class_is_self_contained() -> None:
    """inspect.getsource(Value) shows every helper it calls (chapter 3 prints it)."""
    import inspect

    source = inspect.getsource(Value)
    assert "def _as_value" in source and "def topological_order" in source
