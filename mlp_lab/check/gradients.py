r"""Learner-facing checkers for gradients (chapter 3): a dense layer's backward pass, the whole
network's backward pass ("backprop ninja"), and a central-difference gradient.

References are :mod:`torch.autograd` in float64 (imported on first use) and
:func:`mlp_lab.scratch.gradcheck.numerical_gradient`.
"""

from __future__ import annotations

import numpy as np

from mlp_lab.check._engine import (
    BadOutput,
    Case,
    Mistake,
    Spec,
    call_with,
    checker,
    one_torch_thread,
    run_check,
    several,
    value_problem,
)
from mlp_lab.check.result import CheckResult
from mlp_lab.scratch import losses
from mlp_lab.scratch.gradcheck import numerical_gradient as _reference_numerical_gradient

__all__ = ["backprop", "dense_backward", "numerical_gradient"]


# ---------------------------------------------------------------- dense backward


def _autograd_dense(dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, ...]:
    """dW, db, dA_prev of Z = A_prev W^T + b with upstream gradient dZ, by torch.autograd."""
    import torch

    with one_torch_thread():
        A = torch.tensor(A_prev, requires_grad=True)
        Wt = torch.tensor(W, requires_grad=True)
        b = torch.zeros(W.shape[0], dtype=torch.float64, requires_grad=True)
        Z = A @ Wt.T + b  # (m, n_out)
        # J = sum(Z * dZ) has dJ/dZ = dZ; a scalar backward() avoids Z.backward(dZ)'s first-call
        # import of torch.fx's symbolic shapes (about 2 s).
        (Z * torch.tensor(dZ)).sum().backward()
    return Wt.grad.numpy(), b.grad.numpy(), A.grad.numpy()


@checker
def dense_backward(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(dZ, A_prev, W) -> (dW, db, dA_prev)`` for a dense layer :math:`Z = A_{prev} W^\top + b`.

    ``dZ`` (m, n_out) is :math:`\partial J / \partial Z`, already divided by m, so
    ``dW = dZ.T @ A_prev`` (n_out, n_in), ``db = dZ.sum(axis=0)`` (n_out,), ``dA_prev = dZ @ W``
    (m, n_in). Reference: :mod:`torch.autograd`.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        out = []
        for what, (m, n_in, n_out), kind in (("random", (4, 3, 5), "ordinary"), ("random", (5, 6, 2), "ordinary"),
                                             ("square", (3, 3, 3), "square"), ("batch of 1", (1, 4, 3), "batch of 1"),
                                             ("zero dZ", (3, 2, 4), "zeros")):
            dZ = rng.standard_normal((m, n_out)) / m if what != "zero dZ" else np.zeros((m, n_out))
            A, W = rng.standard_normal((m, n_in)), rng.standard_normal((n_out, n_in))
            run = call_with([("dZ", dZ), ("A_prev", A), ("W", W)])
            labels = ("dW", "db", "dA_prev")
            out.append(Case(f"{what}: m={m}, n_in={n_in}, n_out={n_out}", run, _autograd_dense(dZ, A, W), labels,
                            several(*labels), kind=kind))
        return out

    mistakes = [
        Mistake("dW_transposed", "dW is transposed: A_prev.T @ dZ is (n_in, n_out). Hint: dW has the shape of W, "
                "(n_out, n_in): dW = dZ.T @ A_prev.", lambda dZ, A, W: (A.T @ dZ, dZ.sum(0), dZ @ W)),
        Mistake("db_averaged_again", "db is averaged again (dZ.mean(axis=0)): dZ is already divided by m. Hint: "
                "db = dZ.sum(axis=0).", lambda dZ, A, W: (dZ.T @ A, dZ.mean(0), dZ @ W)),
        Mistake("db_wrong_axis", "db is summed over the wrong axis (axis=1 sums over units, giving one number per "
                "sample). Hint: db = dZ.sum(axis=0), one entry per unit.",
                lambda dZ, A, W: (dZ.T @ A, dZ.sum(1), dZ @ W)),
        Mistake("db_keepdims", "db keeps a summed axis, shape (1, n_out), but b is (n_out,). Hint: "
                "dZ.sum(axis=0) without keepdims=True.", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0, keepdims=True), dZ @ W)),
        Mistake("db_total", "db is summed over everything (a single number). Hint: db = dZ.sum(axis=0).",
                lambda dZ, A, W: (dZ.T @ A, dZ.sum(), dZ @ W)),
        Mistake("dA_prev_W_transposed", "dA_prev uses W.T: dZ @ W.T only fits when n_in = n_out. Hint: "
                "dA_prev = dZ @ W, shape (m, n_in).", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0), dZ @ W.T)),
        Mistake("outputs_out_of_order", "the three results come in another order. Hint: return dW, db, dA_prev, "
                "in that order.", lambda dZ, A, W: (dZ.T @ A, dZ @ W, dZ.sum(0))),
        Mistake("divided_by_m_again", "dW and db are divided by m again: dZ already contains the 1/m. Hint: "
                "dW = dZ.T @ A_prev.", lambda dZ, A, W: (dZ.T @ A / len(A), dZ.sum(0) / len(A), dZ @ W)),
    ]
    return run_check(Spec("dense_backward", "dense_backward(dZ, A_prev, W)"), fn, cases, mistakes)


# ---------------------------------------------------------------------- backprop


def _autograd_backprop(weights, biases, X, y) -> tuple[np.ndarray, ...]:
    """Flat (dW1, db1, dW2, db2, ...) of a ReLU MLP with mean softmax cross-entropy, by torch.autograd."""
    import torch

    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    A = torch.tensor(X)
    with one_torch_thread():
        for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            Z = A @ W.T + b  # (m, n_l)
            A = torch.relu(Z) if l < len(Ws) - 1 else Z
        torch.nn.functional.cross_entropy(A, torch.tensor(y)).backward()
    return tuple(t.grad.numpy() for pair in zip(Ws, bs, strict=True) for t in pair)


def _backprop_variant(weights, biases, X, y, *, mistake: str = ""):
    """The course's backward pass, or one mistaken variant of it (for the diagnosis)."""
    L, m = len(weights), X.shape[0]
    As, Zs = [X], []
    for l in range(L):
        Zs.append(As[-1] @ weights[l].T + biases[l])  # (m, n_l)
        if l < L - 1:
            As.append(np.maximum(Zs[-1], 0.0))
    Y = np.eye(Zs[-1].shape[1])[y]  # (m, K) one-hot
    P = losses.softmax(Zs[-1])
    dZ = {"missing_1_over_m": P - Y, "forgot_minus_Y": P / m}.get(mistake, (P - Y) / m)  # (m, K)
    if mistake == "output_activation_derivative":
        dZ = dZ * (Zs[-1] > 0)
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        A_in = As[l + 1] if mistake == "dW_uses_layer_output" and l < L - 1 else As[l]
        dWs[l] = A_in.T @ dZ if mistake == "dW_transposed" else dZ.T @ A_in
        keep = mistake == "db_keepdims"
        dbs[l] = dZ.mean(axis=0) if mistake == "db_averaged_again" else dZ.sum(axis=0, keepdims=keep)
        if l > 0:
            W = weights[l - 1] if mistake == "dA_uses_previous_W" else weights[l]
            dA = dZ @ W.T if mistake == "dA_W_transposed" else dZ @ W  # (m, n_{l-1})
            mask = {"mask_from_next_layer": Zs[l], "mask_from_previous_layer": Zs[max(l - 2, 0)]}.get(mistake,
                                                                                                    Zs[l - 1])
            dZ = {"no_relu_derivative": dA, "relu_value_as_derivative": dA * As[l]}.get(mistake, dA * (mask > 0))
    if mistake == "reversed_lists":
        return dWs[::-1], dbs[::-1]
    return dWs, dbs


_BACKPROP_MISTAKES = {
    "output_activation_derivative": "the ReLU derivative is applied to the output layer too: the last layer is "
    "linear (its Z are the logits), so dZ_L = (P - Y) / m as it is.",
    "missing_1_over_m": "the 1/m is missing: the loss is averaged over the batch, so dZ_L = (P - Y) / m.",
    "forgot_minus_Y": "dZ_L = P / m: the one-hot labels are not subtracted. Hint: dZ_L = (P - Y) / m.",
    "dW_transposed": "dW is transposed in every layer. Hint: dW has the shape of W: dW = dZ.T @ A_prev.",
    "db_averaged_again": "db is averaged again (mean over the batch) although dZ already contains 1/m. Hint: "
    "db = dZ.sum(axis=0).",
    "db_keepdims": "db keeps a summed axis, shape (1, n_l), but each bias is (n_l,). Hint: dZ.sum(axis=0) "
    "without keepdims=True.",
    "no_relu_derivative": "the hidden layers' ReLU derivative is missing: dZ = dA * (Z > 0), with that layer's Z.",
    "dA_W_transposed": "dA_prev uses W.T. Hint: dA_prev = dZ @ W, shape (m, n_{l-1}).",
    "mask_from_next_layer": "a hidden layer's ReLU mask is taken from the next layer's pre-activation. Hint: "
    "dZ_l = dA_l * (Z_l > 0), with the Z_l of the same layer as A_l = relu(Z_l): keep each layer's Z from the forward "
    "pass (only square layers let the wrong one run without a shape error).",
    "mask_from_previous_layer": "a hidden layer's ReLU mask is taken from the layer before it: dZ of layer l needs "
    "(Z_l > 0), that layer's own pre-activation.",
    "relu_value_as_derivative": "dA is multiplied by ReLU's value A = max(Z, 0) instead of its derivative "
    "(Z > 0). Hint: dZ = dA * (Z > 0).",
    "dW_uses_layer_output": "dW of a hidden layer uses that layer's output A_l instead of its input A_{l-1}. Hint: "
    "dW_l = dZ_l.T @ A_{l-1}, with the activation that entered the layer.",
    "dA_uses_previous_W": "dA_prev is computed with the previous layer's W instead of this layer's. Hint: "
    "dA_{l-1} = dZ_l @ W_l.",
    "reversed_lists": "the lists are in reverse order (output layer first). Hint: dW_list[0] is layer 1's, the "
    "order of weights; fill a list by index or reverse it at the end.",
}


_BACKPROP_CASES = (
    # (what, layer sizes, m, kind). Square hidden layers (and a square input) let a learner's layer
    # mix-up run without a shape error, so that it shows as wrong values; 8 samples make the ReLU
    # masks of different layers differ; every hidden layer has pre-activations of both signs.
    ("3 layers", (4, 6, 5, 3), 8, "ordinary"),
    ("4 layers, square", (5, 5, 5, 5, 3), 8, "square"),
    ("3 layers, all square", (4, 4, 4, 4), 6, "square"),
    ("batch of 1", (2, 4, 3), 1, "batch of 1"),
    ("one class in y", (3, 4, 2), 4, "edge"),
)


def _backprop_unpack(L: int):
    def unpack(out: object) -> tuple[object, ...]:
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise BadOutput("expected a tuple (dW_list, db_list)")
        for name, lst in zip(("dW_list", "db_list"), out, strict=True):
            if not isinstance(lst, tuple | list) or len(lst) != L:
                n = len(lst) if isinstance(lst, tuple | list) else type(lst).__name__
                raise BadOutput(f"{name} has {n} entries, expected {L} (one per layer)")
        return tuple(t for pair in zip(out[0], out[1], strict=True) for t in pair)

    return unpack


def _backprop_runner(weights, biases, X, y):
    def run(fn):
        Wc, bc, Xc, yc = [W.copy() for W in weights], [b.copy() for b in biases], X.copy(), y.copy()
        out = fn(Wc, bc, Xc, yc)
        changed = [n for n, a, b in (("weights", Wc, weights), ("biases", bc, biases), ("X", [Xc], [X]))
                   if not all(u.shape == v.shape and np.array_equal(u, v) for u, v in zip(a, b, strict=True))]
        return out, tuple(changed)

    return run


@checker
def backprop(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(weights, biases, X, y) -> (dW_list, db_list)``, the whole backward pass.

    The network is :class:`mlp_lab.scratch.MLP`'s layout: ``weights[l]`` (n_l, n_{l-1}),
    ``biases[l]`` (n_l,), ReLU hidden layers, a linear last layer whose output are the logits
    of a softmax cross-entropy averaged over the batch; ``y`` holds integer labels (m,).
    Reference: :mod:`torch.autograd`. The result's table gives the verdict of every tensor of
    the first failing case's network (of the first case when all pass). The cases include
    square hidden layers, so that taking a ReLU mask, an activation or a weight matrix from
    the wrong layer runs, and shows as wrong values.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        out = []
        for what, sizes, m, kind in _BACKPROP_CASES:
            weights = [rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
                       for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
            biases = [0.1 * rng.standard_normal(n) for n in sizes[1:]]
            X = rng.standard_normal((m, sizes[0]))
            if what.startswith("one class"):
                y = np.zeros(m, dtype=np.int64)
            else:  # every class when m allows it, in a random order
                y = rng.permutation(np.arange(m) % sizes[-1])
            L = len(weights)
            labels = tuple(f"{t}[{l}]" for l in range(1, L + 1) for t in ("dW", "db"))
            out.append(Case(f"{what} {list(sizes)}, m={m}", _backprop_runner(weights, biases, X, y),
                            _autograd_backprop(weights, biases, X, y), labels, _backprop_unpack(L), kind=kind))
        return out

    mistakes = [Mistake(key, text, lambda *a, k=key: _backprop_variant(*a, mistake=k))
                for key, text in _BACKPROP_MISTAKES.items()]
    spec = Spec("backprop", "backprop(weights, biases, X, y)")
    return run_check(spec, fn, cases, mistakes, table=lambda cs, os: _tensor_table(*_first_failing(cs, os, spec), spec))


def _first_failing(cases, outcomes, spec: Spec):
    """The first case (and its outcome) with a wrong tensor, else the first case."""
    for case, outcome in zip(cases, outcomes, strict=True):
        if outcome.status != "ran" or any(value_problem(label, value, ref, spec, case) for label, value, ref in
                                          zip(case.labels, outcome.values, case.expected, strict=True)):
            return case, outcome
    return cases[0], outcomes[0]


def _tensor_table(case: Case, outcome, spec: Spec) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """(layer, tensor, verdict) for every tensor of one case, and the table's title."""
    L = len(case.labels) // 2
    rows = []
    for i, (label, ref) in enumerate(zip(case.labels, case.expected, strict=True)):
        l = i // 2 + 1
        layer = f"{l} (output)" if l == L else str(l)
        tensor = f"{label[:2]} {tuple(ref.shape)}"
        if outcome.status != "ran":
            verdict = "not computed"
        else:
            verdict = "ok" if not value_problem(label, outcome.values[i], ref, spec, case) else "WRONG"
        rows.append((layer, tensor, verdict))
    return tuple(rows), f"per tensor, case '{case.name}'"


# ------------------------------------------------------------ numerical gradient


def _f_vector(x):
    return float(np.sum(np.sin(x) * x**2) + 0.5 * np.sum(x) ** 2)


def _f_single(x):
    return float(np.sum(np.exp(x) * np.cos(3.0 * x)))


def _f_zeros(x):
    return float(np.log1p(np.sum(x**2)) + np.sum(x**3) + np.sum(x) + x[0] * x[-1])


def _numgrad_runner(func, x0: np.ndarray, eps: float):
    def run(fn):
        x = x0.copy()

        def f(*args):
            """The scalar function: f() reads x (perturbed in place), f(x_new) evaluates at x_new."""
            if len(args) > 1:
                raise TypeError("f takes no argument (it reads x) or one argument (the point)")
            return func(np.asarray(args[0] if args else x, dtype=np.float64))

        grad = fn(f, x, eps)
        same = x.shape == x0.shape and np.allclose(x, x0, rtol=1e-12, atol=1e-14)
        return grad, (() if same else ("x",))

    return run


def _numgrad_variant(f, x, eps, *, mistake: str = "", step: float | None = None):
    """Central differences in place, or one mistaken variant of them (for the diagnosis)."""
    h = eps if step is None else step
    grad = np.zeros(x.shape)
    index = [(i,) for i in range(x.shape[0])] if mistake == "rows_only" else list(np.ndindex(*x.shape))
    for idx in index:
        old = x[idx].copy() if isinstance(x[idx], np.ndarray) else x[idx]
        x[idx] = old + h
        f_plus = f()
        x[idx] = old if mistake == "forward" else old - h
        f_minus = f()
        if mistake != "not_restored":
            x[idx] = old
        else:
            x[idx] = old - h
        denominator = {"forward": h, "no_two": h}.get(mistake, 2 * h)
        grad[idx] = (f_plus - f_minus) / denominator
    return grad


_NUMGRAD_MISTAKES = [
    ("forward", "forward differences (f(x + eps) - f(x)) / eps: their error is O(eps), not O(eps**2). Hint: "
     "central differences, (f(x + eps) - f(x - eps)) / (2 * eps)."),
    ("no_two", "the central difference is divided by eps instead of 2 * eps (the two points are 2 * eps apart)."),
    ("not_restored", "x is left modified: each entry must be put back after its two evaluations. Hint: save "
     "old = x[i], then x[i] = old after computing f(x + eps) and f(x - eps)."),
    ("rows_only", "only the first axis is looped over (for i in range(len(x))), so x[i] perturbs a whole row of a "
     "matrix. Hint: loop over every entry, for idx in np.ndindex(*x.shape)."),
]


@checker
def numerical_gradient(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(f, x, eps) -> grad``, the central-difference gradient of a scalar ``f`` at array ``x``.

    .. math:: \frac{\partial f}{\partial x_j} \approx
              \frac{f(x + \varepsilon e_j) - f(x - \varepsilon e_j)}{2\varepsilon}

    ``f`` may be called either with no argument, in which case it reads ``x`` (perturbed in
    place, the convention of :func:`mlp_lab.scratch.gradcheck.numerical_gradient`), or with one
    argument, the point at which to evaluate. ``x`` must be unchanged afterwards (up to
    rounding). Reference: :func:`mlp_lab.scratch.gradcheck.numerical_gradient` with the same ``eps``.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        Xf, yf = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)

        def f_weights(W):
            return float(losses.cross_entropy(Xf @ W.T, yf))

        data = [("vector (5,), eps 1e-3", _f_vector, rng.standard_normal(5), 1e-3, "ordinary"),
                ("matrix W (3, 4) of a loss, eps 2e-3", f_weights, rng.standard_normal((3, 4)), 2e-3, "ordinary"),
                ("single entry (1, 1), eps 5e-4", _f_single, rng.standard_normal((1, 1)), 5e-4, "edge"),
                ("zero vector (4,), eps 1e-3", _f_zeros, np.zeros(4), 1e-3, "zeros")]
        out = []
        for what, func, x, eps, kind in data:
            xr = x.copy()
            ref = _reference_numerical_gradient(lambda func=func, xr=xr: func(xr), xr, eps=eps)
            out.append(Case(what, _numgrad_runner(func, x, eps), (ref,), ("grad",), lambda g: (g,), kind=kind))
        return out

    mistakes = [Mistake(k, t, lambda f, x, eps, k=k: _numgrad_variant(f, x, eps, mistake=k))
                for k, t in _NUMGRAD_MISTAKES]
    mistakes.insert(0, Mistake("f_never_saw_change", "grad is 0 everywhere, although f changes with x: f never saw "
                               "your change. f() evaluates at x itself, so perturbing a copy (x_plus = x.copy(); "
                               "x_plus[idx] += eps) and calling f() changes nothing. Hint: pass the copy, f(x_plus), "
                               "or change x in place (x[idx] = old + eps), call f(), and put x[idx] = old back.",
                               lambda f, x, eps: np.zeros(x.shape)))
    mistakes.append(Mistake("returns_input", "the function returns x itself, not the gradient. Hint: grad = "
                            "np.zeros(x.shape), then fill each entry.", lambda f, x, eps: x))
    mistakes.append(Mistake("all_at_once", "every entry of x is perturbed at once (x + eps), so every entry of grad is "
                            "the same directional derivative. Hint: perturb one entry at a time, for idx in "
                            "np.ndindex(*x.shape).", lambda f, x, eps: np.full(x.shape, (f(x + eps) - f(x - eps))
                                                                              / (2 * eps))))
    mistakes += [Mistake("eps_ignored", f"the step eps is ignored (a fixed {h:g} is used instead). Hint: use the "
                         "eps argument.", lambda f, x, eps, h=h: _numgrad_variant(f, x, eps, step=h))
                 for h in (1e-4, 1e-5, 1e-6, 1e-7)]
    hint = "put every entry back after its two evaluations (old = x[idx]; ...; x[idx] = old), or work on copies."
    spec = Spec("numerical_gradient", "numerical_gradient(f, x, eps)", rtol=1e-8, atol=1e-10, hints={"modified": hint})
    return run_check(spec, fn, cases, mistakes)
