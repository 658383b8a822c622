r"""A right answer for each learner checker: plain NumPy functions, written as a learner would.

They are what ``tests/test_check_*.py`` pass to each checker to see it pass, and what
``benchmarks/bench_check.py`` times. They use nothing of :mod:`mlp_lab` (and nothing of the
checkers' own references), so a checker's reference and its right answer are two independent
implementations of the same formula.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["ACTIVATIONS", "right_answers"]


def sigmoid(Z):
    E = np.exp(-np.abs(Z))  # e^{-|z|} in (0, 1], never overflows
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_grad(Z):
    A = sigmoid(Z)
    return A * (1.0 - A)


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z: (Z > 0).astype(np.float64)),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (np.tanh, lambda Z: 1.0 - np.tanh(Z) ** 2),
}


def dense_forward(A_prev, W, b):
    return A_prev @ W.T + b  # (m, n_out)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # (m, K), entries in (0, 1]
    return E / E.sum(axis=1, keepdims=True)


def log_softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)  # (m, K)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(Z, y):
    return -np.mean(log_softmax(Z)[np.arange(len(y)), y])


def bce_with_logits(z, y):
    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))


def dense_backward(dZ, A_prev, W):
    return dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W  # dW (n_out, n_in), db (n_out,), dA_prev (m, n_in)


def backprop(weights, biases, X, y):
    m, A, As, Zs = len(X), X, [X], []
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Zs.append(A @ W.T + b)  # (m, n_l)
        A = np.maximum(Zs[-1], 0.0) if l < len(weights) - 1 else Zs[-1]
        As.append(A)
    dZ = softmax(Zs[-1])
    dZ[np.arange(m), y] -= 1.0
    dZ /= m  # (m, K)
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        dWs[l], dbs[l] = dZ.T @ As[l], dZ.sum(axis=0)
        if l > 0:
            dZ = (dZ @ weights[l]) * (Zs[l - 1] > 0)  # (m, n_{l-1})
    return dWs, dbs


def numerical_gradient(f, x, eps):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f()
        x[idx] = old - eps
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def precision_recall_f1(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    predicted, actual = np.sum(y_pred == 1), np.sum(y_true == 1)
    p = tp / predicted if predicted else 0.0
    r = tp / actual if actual else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def momentum_step(w, g, b, lr, mu, nesterov):
    b = mu * b + g  # PyTorch's buffer
    return w - lr * (g + mu * b if nesterov else b), b


def warmup_cosine(step, total_steps, base_lr, warmup_steps):
    if step < warmup_steps:  # linear warm-up from 0.1 base_lr
        return base_lr * (0.1 + 0.9 * step / warmup_steps)
    return 0.5 * base_lr * (1 + np.cos(np.pi * (step - warmup_steps) / (total_steps - warmup_steps)))


def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


def dropout(A, p, rng, training):
    if not training:
        return A, None
    mask = (rng.random(A.shape) >= p) / (1 - p)  # D = M / (1 - p)
    return A * mask, mask


def right_answers() -> dict[str, Callable]:
    """A correct learner's function for each checker that takes one function."""
    return {
        "dense_forward": dense_forward,
        "softmax": softmax,
        "cross_entropy": cross_entropy,
        "bce_with_logits": bce_with_logits,
        "dense_backward": dense_backward,
        "backprop": backprop,
        "numerical_gradient": numerical_gradient,
        "adam_step": adam_step,
        "precision_recall_f1": precision_recall_f1,
        "momentum_step": momentum_step,
        "clip_grad_norm": clip_grad_norm,
        "dropout": dropout,
    }
