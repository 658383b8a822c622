r"""Autograd in a few lines: a scalar that remembers how it was computed.

A :class:`Value` holds one float, ``data``, and after :meth:`Value.backward` the derivative
of the final output with respect to it, ``grad``. Every operation creates a new node that
records its inputs and a ``_backward`` closure, the chain rule for that one operation,
written right beside the forward computation:

.. math:: \text{child.grad} \mathrel{+}= \text{out.grad} \cdot
          \frac{\partial\, \text{out}}{\partial\, \text{child}} .

:meth:`Value.backward` visits the nodes in reverse topological order, so that a node's
``grad`` is complete (every path through it summed, chapter 3's eq. ``bp-chain-sum``)
before it is passed on. This is micrograd's design (Karpathy), reduced to the four
operations the course's networks need: ``+``, ``*``, ``tanh`` and ``relu``.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["Value"]


class Value:
    """A scalar node of a computational graph.

    Parameters
    ----------
    data : float
        The node's value (an ``int`` or ``float``; not a ``bool``).

    Attributes
    ----------
    data : float
        The forward value.
    grad : float
        dOut/d(this node) after ``out.backward()``; 0.0 before.

    Examples
    --------
    >>> w, x = Value(2.0), Value(3.0)
    >>> y = (w * x + 1.0).tanh()
    >>> y.backward()
    >>> round(w.grad, 12) == round(3.0 * (1 - math.tanh(7.0) ** 2), 12)
    True
    """

    def __init__(self, data: float, _children: tuple[Value, ...] = ()) -> None:
        if isinstance(data, bool) or not isinstance(data, Real):
            raise TypeError(f"data must be a real number (int or float), got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self._prev = _children
        self._backward = lambda: None

    def __add__(self, other: Value | float) -> Value:
        other = Value._as_value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward() -> None:  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = Value._as_value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """tanh(self); its derivative is 1 - tanh^2."""
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def _backward() -> None:
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """max(0, self); its derivative is 1 where self > 0, else 0 (also at 0)."""
        out = Value(max(0.0, self.data), (self,))

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, itself last, each after all of its inputs.

        The order of a recursive depth-first search (inputs in order, then the node), kept on an
        explicit stack so that a graph of any depth works (no ``RecursionError``).
        """
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))  # appended after everything pushed above it: its inputs
                stack.extend((child, False) for child in reversed(node._prev))
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with d(self)/d(node).

        Sets ``self.grad = 1`` and applies each node's chain rule in reverse
        topological order, so that a node's ``grad`` is complete before it is passed on.
        Gradients accumulate (``+=``), as in PyTorch: call ``backward`` once per graph.
        """
        self.grad = 1.0
        for node in reversed(self.topological_order()):
            node._backward()

    @staticmethod
    def _as_value(x: Value | float) -> Value:
        """Wrap a plain number; reject anything else with a TypeError that says what it was."""
        if isinstance(x, Value):
            return x
        if isinstance(x, bool) or not isinstance(x, Real):
            raise TypeError(f"a Value can be combined with a Value, int or float, not {type(x).__name__}")
        return Value(x)

    # the rest is built from + and * (or is them with the operands swapped)
    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-Value._as_value(other))

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rsub__(self, other: float) -> Value:
        return Value._as_value(other) + (-self)

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

