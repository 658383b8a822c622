r"""The course's engines against scikit-learn's ``MLPClassifier``, same problem, same settings.

Run ``python -m benchmarks.bench_sklearn`` from the repository root (``--help`` for options). Two datasets that ship
with scikit-learn (nothing is downloaded), each split once, stratified, into 75% training
and 25% test data (:func:`mlp_lab.data.train_val_split`, seed 0), and standardised with a
:class:`mlp_lab.data.Standardizer` fitted on the training part only:

========================  ============  ===========  ======  ======================
dataset                   samples x n   classes      hidden  epochs
========================  ============  ===========  ======  ======================
``digits``                1797 x 64     10 (softmax)  (64,)   50 (22 steps each)
``breast_cancer``         569 x 30      2 (logistic)  (32,)   100 (7 steps each)
========================  ============  ===========  ======  ======================

Every contender trains a one-hidden-layer ReLU network with Adam (``lr = 1e-3``,
:math:`\beta = (0.9, 0.999)`, :math:`\epsilon = 10^{-8}`), mini-batches of 64 shuffled every
epoch, and scikit-learn's L2 strength ``alpha = 1e-4``, starting from the same initial
weights (scikit-learn's Glorot-uniform draw, :func:`sklearn_init`):

``sklearn``
    ``MLPClassifier(hidden_layer_sizes=(h,), solver="adam", learning_rate_init=1e-3,
    batch_size=64, alpha=1e-4, max_iter=epochs, tol=0, n_iter_no_change=epochs + 1,
    random_state=seed)``: the stopping rule can never fire, so every run does all its epochs.
    Float64 (the dtype of the input).
``numpy``
    The plain engine, :class:`mlp_lab.scratch.MLP` and :class:`mlp_lab.scratch.optim.Adam` (fresh
    temporaries, Adam as its five equations), in a hand-written epoch loop (:func:`fit_numpy`)
    that checks the data once and then runs the network's maths per batch, as
    :func:`mlp_lab.scratch.train` does. It reproduces scikit-learn's run *exactly* (to rounding):
    the same initial weights, the same batches (it replays scikit-learn's ``RandomState``
    shuffles), the same per-batch penalty (``l2 = alpha / (2 |B|)``, see below) and scikit-learn's
    placement of :math:`\epsilon` (see below). Float64.
``textbook``
    :func:`fit_numpy`'s run without the engine's classes (:func:`fit_textbook`): the forward and
    backward passes and Adam's five equations written inline, as a textbook would, on fresh
    temporaries. It has no target; it is the yardstick for ``numpy``: the gap between the two is
    what the plain engine's structure costs, and whatever ``numpy`` misses its target by, plain
    NumPy code written this way misses it too.
``inplace``
    The same loop with chapter 9's engine (:mod:`mlp_lab.scratch.inplace`): preallocated buffers,
    ``out=``, and the parameters as views of one flat vector so that
    :class:`~mlp_lab.scratch.inplace.InplaceAdam` updates a single array (with its bias corrections
    folded into the step size and :math:`\epsilon`). The same numbers to rounding.
``torch``
    :func:`mlp_lab.pytorch.fit` (the PyTorch side) on an ``nn.Sequential(Linear, ReLU, Linear)`` in float32 (PyTorch's
    default dtype; ``fit`` converts the data once) on the CPU, ``optimizer="adam"`` (fused),
    ``weight_decay = alpha / 64``, ``metrics=()`` (no per-epoch evaluation). Its batches
    come from its own ``torch.randperm``, so it follows a different (equally random) path.

What scikit-learn's ``alpha`` is. ``MLP._backprop`` adds ``0.5 * alpha * sum ||W||^2 / |B|`` to
the mean loss of each batch ``B``, and ``_compute_loss_grad`` adds ``alpha * W / |B|`` to each
weight gradient (biases are not penalised). In :meth:`mlp_lab.scratch.MLP.loss_and_grads`,
``l2`` adds ``l2 * sum ||W||^2``, so ``l2 = alpha / (2 |B|)`` is the same objective; in
PyTorch's coupled weight decay, which adds ``weight_decay * W`` to the gradient,
``weight_decay = alpha / |B|`` (exact for all batches but a smaller last one).

Adam's :math:`\epsilon`. scikit-learn's ``AdamOptimizer`` folds both bias corrections into the
step size, :math:`\theta \leftarrow \theta - \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
\frac{m_t}{\sqrt{v_t} + \epsilon}`, while PyTorch (and :class:`mlp_lab.scratch.optim.Adam`) add
:math:`\epsilon` to :math:`\sqrt{\hat v_t} = \sqrt{v_t / (1-\beta_2^t)}`. The two agree when
PyTorch's :math:`\epsilon` is :math:`\epsilon / \sqrt{1-\beta_2^t}`; :func:`fit_numpy` sets
that before every step (one float per step).

Each repeat ``r`` uses seed ``r`` for every contender (initial weights, shuffles). Fit times
are the median over the repeats, timed alternately after one warm-up round, from building
the model to the end of training (data already standardised; ``fit``'s float32 conversion
counted). Test accuracy is the mean over the repeats (each run is deterministic given its
seed). Targets, as ratios of fit time to scikit-learn's in the same process, each with test
accuracy no more than 0.5 points below scikit-learn's:

* ``numpy`` (the plain engine): at most 0.6x on both datasets;
* ``inplace`` (chapter 9's engine): at most 0.5x on both datasets.

``torch``'s ratio is printed, not a target: the per-step breakdown after the table (median
microseconds of the forward pass with the loss, the backward pass and ``Optimizer.step`` on one
batch of 64, for the plain NumPy engine and for PyTorch) explains it. On a network this small
every PyTorch operation costs a fixed few microseconds of dispatch, more than its arithmetic.

Threads. Thread counts are left as they are unless ``--threads N`` is given. A network this small
gains nothing from several threads, and on a machine busy with other work PyTorch's OpenMP
threads, which spin while they wait for each other at every operation, can make ``torch`` ten or
more times slower. For numbers that do not depend on the machine's load, use ``--threads 1``, or
set ``OMP_WAIT_POLICY=PASSIVE`` in the environment (idle threads then sleep instead of spinning).

The output is the environment (BLAS libraries and thread counts), a table, the targets, and
as its last line a JSON object
``{dataset: {impl: {"accuracy": a, "seconds": s, "ratio_to_sklearn": r}}}``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlp_lab._cli import positive_int
from mlp_lab.data import Standardizer, train_val_split
from mlp_lab.scratch import MLP
from mlp_lab.scratch.inplace import InplaceAdam, InplaceMLP
from mlp_lab.scratch.losses import LOSSES
from mlp_lab.scratch.optim import Adam
from mlp_lab.sklearn_twin import sklearn_init, torch_model

LR = 1e-3
BATCH = 64
ALPHA = 1e-4
BETAS = (0.9, 0.999)
EPS = 1e-8
TEST_FRACTION = 0.25
SPLIT_SEED = 0
IMPLS: tuple[str, ...] = ("sklearn", "numpy", "textbook", "inplace", "torch")
TARGET_RATIO = {"numpy": 0.6, "inplace": 0.5}
ACCURACY_TOLERANCE = 0.005  # 0.5 percentage points


@dataclass(frozen=True)
class Problem:
    """One benchmark dataset and its training settings."""

    name: str
    hidden: int
    epochs: int
    quick_epochs: int


PROBLEMS: tuple[Problem, ...] = (
    Problem("digits", hidden=64, epochs=50, quick_epochs=3),
    Problem("breast_cancer", hidden=32, epochs=100, quick_epochs=5),
)


@dataclass(frozen=True)
class Data:
    """A standardised, stratified train/test split."""

    X_train: np.ndarray  # (m, n_0), float64, C-contiguous
    X_test: np.ndarray  # (m_test, n_0)
    y_train: np.ndarray  # (m,), int64 labels 0..K-1
    y_test: np.ndarray  # (m_test,)
    n_classes: int


def load(name: str) -> Data:
    """Load ``name`` from scikit-learn, split it stratified 75/25 and standardise on the training part."""
    from sklearn.datasets import load_breast_cancer, load_digits

    loaders = {"digits": load_digits, "breast_cancer": load_breast_cancer}
    X, y = loaders[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_val_split(X, y, val_fraction=TEST_FRACTION, seed=SPLIT_SEED)
    scaler = Standardizer().fit(X_train)
    return Data(
        X_train=np.ascontiguousarray(scaler.transform(X_train)),
        X_test=np.ascontiguousarray(scaler.transform(X_test)),
        y_train=y_train.astype(np.int64),
        y_test=y_test.astype(np.int64),
        n_classes=int(np.unique(y).size),
    )


def layer_sizes(data: Data, hidden: int) -> list[int]:
    """``[n_0, hidden, n_out]``: one logit for two classes (as scikit-learn), else one per class."""
    n_out = 1 if data.n_classes == 2 else data.n_classes
    return [data.X_train.shape[1], hidden, n_out]


# ----------------------------------------------------------------------------- the contenders


def fit_sklearn(data: Data, *, hidden: int, epochs: int, seed: int):
    """scikit-learn's ``MLPClassifier``, set so that it runs exactly ``epochs`` epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(hidden,), activation="relu", solver="adam", learning_rate_init=LR,
        beta_1=BETAS[0], beta_2=BETAS[1], epsilon=EPS, batch_size=BATCH, alpha=ALPHA, max_iter=epochs,
        shuffle=True, tol=0.0, n_iter_no_change=epochs + 1, early_stopping=False, random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "max_iter reached": intended
        clf.fit(data.X_train, data.y_train)
    return clf


def _sklearn_batches(X: np.ndarray, Y: np.ndarray, rs: np.random.RandomState, epochs: int):
    """Per epoch, scikit-learn's shuffle (``sklearn.utils.shuffle(idx, random_state=rs)``), then the
    batches of ``BATCH`` rows as contiguous slices of one gather, with ``l2 = alpha / (2 |B|)``."""
    m = X.shape[0]
    idx = np.arange(m)
    for _ in range(epochs):
        perm = np.arange(m)
        rs.shuffle(perm)
        idx = idx[perm]
        Xe, Ye = X[idx], Y[idx]  # (m, n_0): one gather per epoch
        for s in range(0, m, BATCH):
            yield Xe[s:s + BATCH], Ye[s:s + BATCH], ALPHA / (2 * min(BATCH, m - s))


def _sklearn_eps(opt: Adam) -> float:
    """scikit-learn's epsilon in PyTorch's formula for the coming step: eps / sqrt(1 - beta2^t)."""
    return EPS / math.sqrt(1.0 - BETAS[1] ** (opt.t + 1))


def fit_numpy(data: Data, *, hidden: int, epochs: int, seed: int, sklearn_eps: bool = True) -> MLP:
    r"""The plain engine in a loop that replays scikit-learn's run: per batch the network's maths
    (``_loss_and_grads``, the data checked once before the loop, as :func:`mlp_lab.scratch.train`
    does), then one :class:`~mlp_lab.scratch.optim.Adam` step with :math:`\epsilon_t = \epsilon/\sqrt{1-\beta_2^t}`.

    With ``sklearn_eps=False`` Adam keeps PyTorch's fixed :math:`\epsilon` (the runs then agree
    closely but not to rounding).
    """
    sizes = layer_sizes(data, hidden)
    net = MLP(sizes, activation="relu", seed=seed)
    net.weights, net.biases, rs = sklearn_init(sizes, seed)
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    X, Y = net.check_data(data.X_train, data.y_train, loss=loss)  # (m, n_0); (m, 1) floats or (m,) labels
    opt = Adam(net.parameters(), lr=LR, betas=BETAS, eps=EPS, check_finite=False)
    for Xb, Yb, l2 in _sklearn_batches(X, Y, rs, epochs):
        _, dW, db = net._loss_and_grads(Xb, Yb, loss, l2)
        if sklearn_eps:
            opt.eps = _sklearn_eps(opt)
        opt.step(MLP.flat_grads(dW, db))
    return net


def fit_textbook(data: Data, *, hidden: int, epochs: int, seed: int) -> MLP:
    r""":func:`fit_numpy`'s run with the network and Adam written inline, as a textbook would: chapter
    3's equations and Adam's five equations on fresh temporaries, no classes, no checks (the loss
    from :data:`~mlp_lab.scratch.losses.LOSSES`). No target: its time against ``numpy``'s is what the
    plain engine's structure (classes, tables, the optimizer's checks) costs over the bare equations.
    """
    sizes = layer_sizes(data, hidden)
    net = MLP(sizes, activation="relu", seed=seed)  # holds the trained weights, for predict
    net.weights, net.biases, rs = sklearn_init(sizes, seed)
    (W1, W2), (b1, b2) = net.weights, net.biases
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    X, Y = net.check_data(data.X_train, data.y_train, loss=loss)
    (beta1, beta2), params = BETAS, [W1, b1, W2, b2]
    m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    for t, (Xb, Yb, l2) in enumerate(_sklearn_batches(X, Y, rs, epochs), start=1):
        Z1 = Xb @ W1.T + b1  # (batch, hidden)
        A1 = np.maximum(Z1, 0.0)
        Z2 = A1 @ W2.T + b2  # (batch, n_out)
        J, dZ2 = LOSSES[loss].value_and_grad(Z2, Yb)
        J += l2 * (np.vdot(W1, W1) + np.vdot(W2, W2))  # the loss, computed as every contender does
        dW2, db2 = dZ2.T @ A1 + 2 * l2 * W2, dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2) * (Z1 > 0)  # (batch, hidden); m and v below are Adam's moments
        dW1, db1 = dZ1.T @ Xb + 2 * l2 * W1, dZ1.sum(axis=0)
        eps = EPS / math.sqrt(1.0 - beta2**t)  # scikit-learn's epsilon, as in fit_numpy
        for i, g in enumerate((dW1, db1, dW2, db2)):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g**2
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            params[i] -= LR * m_hat / (np.sqrt(v_hat) + eps)
    return net


def fit_inplace(data: Data, *, hidden: int, epochs: int, seed: int) -> InplaceMLP:
    """:func:`fit_numpy` with chapter 9's engine: buffers, ``out=``, and one flat parameter vector.

    The weights and biases are views into one flat ``theta`` and the gradients are written into
    views of one flat ``grad``, so :class:`~mlp_lab.scratch.inplace.InplaceAdam` updates one array
    with a dozen NumPy calls per step instead of a dozen per parameter array (the idea of
    PyTorch's "foreach"/fused optimizers). Adam is elementwise: the same numbers to rounding.
    """
    sizes = layer_sizes(data, hidden)
    net = InplaceMLP(sizes, activation="relu", seed=seed)
    weights, biases, rs = sklearn_init(sizes, seed)
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]  # W1, b1, W2, b2
    bounds = np.cumsum([0] + [p.size for p in params])
    theta, grad = np.concatenate([p.ravel() for p in params]), np.empty(bounds[-1])  # (n_params,) each
    views = [theta[a:b].reshape(p.shape) for a, b, p in zip(bounds[:-1], bounds[1:], params, strict=True)]
    grad_views = [grad[a:b].reshape(p.shape) for a, b, p in zip(bounds[:-1], bounds[1:], params, strict=True)]
    net.weights, net.biases = views[0::2], views[1::2]
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    X, Y = net.check_data(data.X_train, data.y_train, loss=loss)
    opt = InplaceAdam([theta], lr=LR, betas=BETAS, eps=EPS, check_finite=False)
    for Xb, Yb, l2 in _sklearn_batches(X, Y, rs, epochs):
        net.loss_and_grads_into(Xb, Yb, loss=loss, l2=l2, out=(grad_views[0::2], grad_views[1::2]))
        opt.eps = _sklearn_eps(opt)
        opt.step([grad])
    return net


def fit_torch(data: Data, *, hidden: int, epochs: int, seed: int):
    """:func:`mlp_lab.pytorch.fit` with fused Adam and ``weight_decay = alpha / batch``, float32, CPU."""
    from mlp_lab.pytorch.fit import fit

    sizes = layer_sizes(data, hidden)
    model = torch_model(sizes, seed)
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    fit(model, data.X_train, data.y_train, loss=loss, optimizer="adam", lr=LR, epochs=epochs, batch_size=BATCH,
        weight_decay=ALPHA / BATCH, metrics=(), seed=seed, device="cpu")
    return model


FITTERS: dict[str, Callable[..., object]] = {"sklearn": fit_sklearn, "numpy": fit_numpy, "textbook": fit_textbook,
                                            "inplace": fit_inplace, "torch": fit_torch}


def predict(impl: str, model: object, X: np.ndarray) -> np.ndarray:
    """Predicted labels ``(m,)`` of a fitted contender."""
    if impl != "torch":
        return model.predict(X)
    import torch

    with torch.no_grad():
        Z = model(torch.as_tensor(X, dtype=next(model.parameters()).dtype))  # (m, n_out)
    if Z.shape[1] == 1:
        return (Z[:, 0] > 0).to(torch.int64).numpy()
    return Z.argmax(dim=1).numpy()


# ----------------------------------------------------------------------------- measuring


def bench_problem(problem: Problem, *, repeats: int, quick: bool) -> dict[str, dict[str, float]]:
    """Median fit seconds and mean test accuracy of every contender on ``problem``."""
    data = load(problem.name)
    epochs = problem.quick_epochs if quick else problem.epochs
    kwargs = {"hidden": problem.hidden, "epochs": epochs}
    for impl in IMPLS:  # warm-up: imports, allocator, thread pools
        FITTERS[impl](data, seed=0, **kwargs)
    seconds: dict[str, list[float]] = {impl: [] for impl in IMPLS}
    accuracy: dict[str, list[float]] = {impl: [] for impl in IMPLS}
    for r in range(repeats):
        order = IMPLS if r % 2 == 0 else IMPLS[::-1]  # alternate: each sees the same machine load
        for impl in order:
            t0 = time.perf_counter()
            model = FITTERS[impl](data, seed=r, **kwargs)
            seconds[impl].append(time.perf_counter() - t0)
            accuracy[impl].append(float(np.mean(predict(impl, model, data.X_test) == data.y_test)))
    t_sk = statistics.median(seconds["sklearn"])
    out = {}
    for impl in IMPLS:
        s = statistics.median(seconds[impl])
        out[impl] = {"accuracy": float(np.mean(accuracy[impl])), "seconds": s, "ratio_to_sklearn": s / t_sk}
    return out


def _phase_us(step: Callable[[], tuple[int, int, int, int]], steps: int) -> dict[str, float]:
    """Median microseconds of the three phases of ``step`` (it returns four clock readings), and their sum."""
    for _ in range(5):  # warm-up
        step()
    ns: dict[str, list[int]] = {"forward": [], "backward": [], "step": []}
    for _ in range(steps):
        t = step()
        for i, phase in enumerate(ns):
            ns[phase].append(t[i + 1] - t[i])
    out = {phase: statistics.median(samples) / 1e3 for phase, samples in ns.items()}
    return {**out, "total": sum(out.values())}


def step_breakdown(problem: Problem, *, steps: int) -> dict[str, dict[str, float]]:
    """Median microseconds of one training step on a batch of ``BATCH`` rows, by phase.

    ``forward`` (logits and loss), ``backward`` (the gradients) and ``step`` (the optimizer), for the
    plain NumPy engine and for PyTorch (float32, ``torch.optim.Adam(fused=True)``), same network.
    Each engine runs its own loop: timed step by step in alternation, the first phase of one
    engine would pay for the caches and clocks the other left behind (the NumPy forward pass
    measured twice its own time that way).
    """
    import torch
    import torch.nn.functional as F

    data = load(problem.name)
    sizes = layer_sizes(data, problem.hidden)
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    net = MLP(sizes, activation="relu", seed=0)
    X, Y = net.check_data(data.X_train[:BATCH], data.y_train[:BATCH], loss=loss)
    opt = Adam(net.parameters(), lr=LR, check_finite=False)
    model = torch_model(sizes, 0)
    t_opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    X_t = torch.as_tensor(X, dtype=torch.float32)
    Y_t = torch.as_tensor(Y, dtype=torch.float32) if loss == "bce" else torch.as_tensor(data.y_train[:BATCH])
    t_loss = F.binary_cross_entropy_with_logits if loss == "bce" else F.cross_entropy
    clock = time.perf_counter_ns

    def numpy_step() -> tuple[int, int, int, int]:
        t0 = clock()
        net._cache = net._layers(X)
        _, dZ = LOSSES[loss].value_and_grad(net._cache[1][-1], Y)
        t1 = clock()
        dW, db = net._backward(dZ)
        t2 = clock()
        opt.step(MLP.flat_grads(dW, db))
        return t0, t1, t2, clock()

    def torch_step() -> tuple[int, int, int, int]:
        t0 = clock()
        J_t = t_loss(model(X_t), Y_t)
        t1 = clock()
        t_opt.zero_grad()
        J_t.backward()
        t2 = clock()
        t_opt.step()
        return t0, t1, t2, clock()

    return {"numpy": _phase_us(numpy_step, steps), "torch": _phase_us(torch_step, steps)}


def format_breakdown(breakdowns: dict[str, dict[str, dict[str, float]]]) -> str:
    """The per-step table: microseconds of forward, backward and ``Optimizer.step`` per engine."""
    header = f"{'dataset':<14} {'engine':<8} {'forward':>8} {'backward':>8} {'opt.step':>8} {'total us':>8}"
    lines = [header, "-" * len(header)]
    for dataset, rows in breakdowns.items():
        for engine, r in rows.items():
            lines.append(f"{dataset:<14} {engine:<8} {r['forward']:>8.1f} {r['backward']:>8.1f} {r['step']:>8.1f} "
                         f"{r['total']:>8.1f}")
    return "\n".join(lines)


def check_targets(results: dict[str, dict[str, dict[str, float]]]) -> dict[str, bool]:
    """Whether each NumPy engine meets its time ratio and stays within 0.5 accuracy points of sklearn."""
    targets = {}
    for dataset, row in results.items():
        acc_sk = row["sklearn"]["accuracy"]
        for impl, limit in TARGET_RATIO.items():
            ok_time = row[impl]["ratio_to_sklearn"] <= limit
            ok_acc = row[impl]["accuracy"] >= acc_sk - ACCURACY_TOLERANCE - 1e-12
            targets[f"{dataset}_{impl}_ratio_le_{limit}_and_accuracy_within_0.5pt"] = bool(ok_time and ok_acc)
    return targets


DTYPES = {"sklearn": "float64", "numpy": "float64", "textbook": "float64", "inplace": "float64", "torch": "float32"}


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Fixed-width table: accuracy (and its difference to sklearn in points), seconds, ratio."""
    header = f"{'dataset':<14} {'impl':<8} {'dtype':<8} {'accuracy':>8} {'vs sk pt':>8} {'seconds':>8} {'ratio':>6}"
    lines = [header, "-" * len(header)]
    for dataset, row in results.items():
        acc_sk = row["sklearn"]["accuracy"]
        for impl, r in row.items():
            lines.append(
                f"{dataset:<14} {impl:<8} {DTYPES[impl]:<8} {r['accuracy']:>8.4f} "
                f"{100 * (r['accuracy'] - acc_sk):>+8.2f} {r['seconds']:>8.3f} {r['ratio_to_sklearn']:>6.2f}"
            )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_sklearn",
        description="Fit time and test accuracy of scikit-learn's MLPClassifier, the NumPy engines and "
        "mlp_lab.pytorch.fit (PyTorch) on digits and breast_cancer, same architecture, Adam lr 1e-3, "
        "batch 64, alpha 1e-4, same initial weights.",
    )
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed runs per contender (seeds 0..N-1), median time reported (default 11; --quick: 1)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="limit BLAS/OpenMP pools (threadpoolctl) and torch to N threads (default: leave as is)")
    parser.add_argument("--quick", action="store_true",
                        help="a few-second smoke run: 3 resp. 5 epochs, 1 repeat (timings meaningless)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print the environment, the table, the targets and a final JSON line."""
    args = parse_args(argv)
    import torch

    from benchmarks.environment import environment, environment_lines

    limiter = None
    torch_threads = torch.get_num_threads()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(limits=args.threads)
        torch.set_num_threads(args.threads)
    try:
        repeats = args.repeats or (1 if args.quick else 11)
        env = environment()
        print("mlp_lab sklearn benchmark: MLPClassifier vs NumPy engines (plain, textbook, in-place) vs "
              f"mlp_lab.pytorch.fit; adam lr {LR:g}, "
              f"batch {BATCH}, alpha {ALPHA:g}, {repeats} repeat(s) (median time, mean accuracy)"
              + (" [--quick: few epochs, timings meaningless]" if args.quick else ""))
        print("\n".join(environment_lines(env)))
        print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; "
              "dtypes: " + ", ".join(f"{impl} {dt}" for impl, dt in DTYPES.items()))
        results = {p.name: bench_problem(p, repeats=repeats, quick=args.quick) for p in PROBLEMS}
        breakdowns = {p.name: step_breakdown(p, steps=20 if args.quick else 500) for p in PROBLEMS}
    finally:
        if limiter is not None:  # leave the process as it was (main may be called in-process)
            limiter.restore_original_limits()
            torch.set_num_threads(torch_threads)
    print(format_table(results))
    print("per training step on one batch of 64, median microseconds (why torch's ratio is what it is: "
          "each PyTorch operation costs a few microseconds of dispatch, more than this network's arithmetic):")
    print(format_breakdown(breakdowns))
    targets = check_targets(results)
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    print(json.dumps({**results, "per_step_us": breakdowns}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
