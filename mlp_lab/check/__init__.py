"""Checking numbers the way the course does: verdicts against stated tolerances.

Two kinds of check live here.

* :func:`compare` and :class:`Comparison` (this package's ``compare`` module): the chapters'
  own checks, "our result against a reference". A comparison prints a *verdict* (``agrees``
  or ``WRONG``) against a stated tolerance, never the size of a rounding-level difference,
  whose digits (even its decade) depend on the CPU's floating-point kernels. That is what
  keeps the committed notebooks' outputs the same on every machine.
* The learner-facing checkers (``check.dense_forward(fn)`` and friends), which run a
  learner's function on cases it has not seen and name the likely mistake. Each returns a
  :class:`CheckResult` that prints (and displays in a notebook) as a short report:

  ===========================================  =====================================================
  ``activation(name, g, g_prime)``             ``g(Z) -> A``, ``g_prime(Z) -> g'(Z)``; relu, sigmoid, tanh
  ``dense_forward(fn)``                        ``fn(A_prev, W, b) -> Z``
  ``softmax(fn)``                              ``fn(Z) -> P``, rows are samples
  ``cross_entropy(fn)``                        ``fn(Z, y) -> J``, mean over samples
  ``bce_with_logits(fn)``                      ``fn(z, y) -> J``, mean over samples
  ``dense_backward(fn)``                       ``fn(dZ, A_prev, W) -> (dW, db, dA_prev)``
  ``backprop(fn)``                             ``fn(weights, biases, X, y) -> (dW_list, db_list)``
  ``numerical_gradient(fn)``                   ``fn(f, x, eps) -> grad``, central differences
  ``adam_step(fn)``                            ``fn(w, g, m, v, t, lr, beta1, beta2, eps) -> (w, m, v)``
  ``precision_recall_f1(fn)``                  ``fn(y_true, y_pred) -> (precision, recall, f1)``
  ``value(cls)``                               chapter 3's ``Value`` class with ``exp()`` and ``log()`` added
  ``momentum_step(fn)``                        ``fn(w, g, b, lr, mu, nesterov) -> (w, b)``
  ``lr_schedule(name, fn)``                    ``fn(step, total_steps, base_lr, warmup_steps) -> lr``; cosine, step
  ``clip_grad_norm(fn)``                       ``fn(grads, max_norm) -> (clipped_grads, total_norm)``
  ``dropout(fn)``                              ``fn(A, p, rng, training) -> (A_out, mask)``, inverted dropout
  ===========================================  =====================================================

  What every checker shares (``fn``, ``seed=0``, the result, which outputs are accepted, the
  time limit of each call) is written once, in ``mlp_lab.check._engine.SHARED_DOC``, and
  appended to each checker's docstring, so ``help(check.softmax)`` shows it.
"""

from mlp_lab.check.autograd import value
from mlp_lab.check.compare import Comparison, compare, report
from mlp_lab.check.exercises import activation, bce_with_logits, cross_entropy, dense_forward, softmax
from mlp_lab.check.gradients import backprop, dense_backward, numerical_gradient
from mlp_lab.check.regularisation import dropout
from mlp_lab.check.result import CaseResult, CheckResult
from mlp_lab.check.steps import clip_grad_norm, lr_schedule, momentum_step
from mlp_lab.check.training import adam_step, precision_recall_f1

__all__ = [
    "CaseResult",
    "CheckResult",
    "Comparison",
    "activation",
    "adam_step",
    "backprop",
    "bce_with_logits",
    "clip_grad_norm",
    "compare",
    "cross_entropy",
    "dense_backward",
    "dense_forward",
    "dropout",
    "lr_schedule",
    "momentum_step",
    "numerical_gradient",
    "precision_recall_f1",
    "report",
    "softmax",
    "value",
]
