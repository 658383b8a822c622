r"""The course's two engines against scikit-learn's ``MLPClassifier``, same problem, same settings.

Run ``python -m mlp_lab.bench sklearn`` (``--help`` for options). Two datasets that ship
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
    :class:`mlp_lab.scratch.MLP` and :class:`mlp_lab.optim.Adam` (``check_finite=False``) in a
    hand-written epoch loop (:func:`fit_numpy`) over the network's unchecked fast path
    :meth:`~mlp_lab.scratch.MLP.loss_and_grads_unchecked`. It reproduces scikit-learn's run
    *exactly* (to rounding): the same initial weights, the same batches (it replays
    scikit-learn's ``RandomState`` shuffles), the same per-batch penalty
    (``l2 = alpha / (2 |B|)``, see below) and scikit-learn's placement of :math:`\epsilon`
    (see below). Float64.
``torch``
    :func:`mlp_lab.train.fit` on an ``nn.Sequential(Linear, ReLU, Linear)`` in float32 (PyTorch's
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
\frac{m_t}{\sqrt{v_t} + \epsilon}`, while PyTorch (and :class:`mlp_lab.optim.Adam`) add
:math:`\epsilon` to :math:`\sqrt{\hat v_t} = \sqrt{v_t / (1-\beta_2^t)}`. The two agree when
PyTorch's :math:`\epsilon` is :math:`\epsilon / \sqrt{1-\beta_2^t}`; :func:`fit_numpy` sets
that before every step (one float per step).

Each repeat ``r`` uses seed ``r`` for every contender (initial weights, shuffles). Fit times
are the median over the repeats, timed alternately after one warm-up round, from building
the model to the end of training (data already standardised; ``fit``'s float32 conversion
counted). Test accuracy is the mean over the repeats (each run is deterministic given its
seed). Targets, as ratios of fit time to scikit-learn's in the same process:

* ``numpy``: at most 0.5x, with test accuracy no more than 0.5 points below scikit-learn's;
* ``torch``: at most 1.5x, same accuracy condition.

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

LR = 1e-3
BATCH = 64
ALPHA = 1e-4
BETAS = (0.9, 0.999)
EPS = 1e-8
TEST_FRACTION = 0.25
SPLIT_SEED = 0
IMPLS: tuple[str, ...] = ("sklearn", "numpy", "torch")
TARGET_RATIO = {"numpy": 0.5, "torch": 1.5}
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


def sklearn_init(sizes: Sequence[int], seed: int) -> tuple[list[np.ndarray], list[np.ndarray], np.random.RandomState]:
    r"""scikit-learn's initial weights for ``MLPClassifier(random_state=seed)`` with ReLU, in the book's layout.

    ``MLP._init_coef`` draws, layer by layer, ``coef`` of shape ``(n_in, n_out)`` then the
    ``intercept``, both uniform on :math:`[-a, a]` with :math:`a = \sqrt{6 / (n_{in} + n_{out})}`
    (Glorot & Bengio's uniform bound), from ``np.random.RandomState(seed)``.

    Returns
    -------
    weights : list of ndarray, shapes ``(n_l, n_{l-1})`` (scikit-learn's ``coefs_`` transposed)
    biases : list of ndarray, shapes ``(n_l,)``
    random_state : numpy.random.RandomState
        The generator after the draws; scikit-learn goes on to shuffle with it.
    """
    rs = np.random.RandomState(seed)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = np.sqrt(6.0 / (n_in + n_out))
        weights.append(np.ascontiguousarray(rs.uniform(-bound, bound, (n_in, n_out)).T))  # (n_l, n_{l-1})
        biases.append(rs.uniform(-bound, bound, n_out))  # (n_l,)
    return weights, biases, rs


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


def fit_numpy(data: Data, *, hidden: int, epochs: int, seed: int, sklearn_eps: bool = True):
    r"""The NumPy engine in a lean loop that replays scikit-learn's run.

    Per epoch: the index order is shuffled with scikit-learn's ``RandomState`` (as
    ``sklearn.utils.shuffle`` does), the training data are gathered once in that order, and
    each batch is a contiguous slice. Per batch: ``loss_and_grads_unchecked`` (writing into ``out=``) with
    ``l2 = alpha / (2 |B|)``, then one Adam step with :math:`\epsilon_t = \epsilon/\sqrt{1-\beta_2^t}`.

    The network's ``weights`` and ``biases`` are views into one flat vector ``theta``, and the
    gradients are written straight into views of one flat ``grad``, so that :class:`~mlp_lab.optim.Adam` updates
    one array with about a dozen NumPy calls per step instead of a dozen per parameter array
    (the idea of PyTorch's "foreach"/fused optimizers). Adam is element-wise, so the result is
    the same, bit for bit, as stepping each array separately.

    With ``sklearn_eps=False`` the optimizer keeps PyTorch's fixed :math:`\epsilon` (the runs
    then agree closely but not to rounding).
    """
    from mlp_lab.optim import Adam
    from mlp_lab.scratch import MLP

    sizes = layer_sizes(data, hidden)
    net = MLP(sizes, activation="relu", seed=seed)
    weights, biases, rs = sklearn_init(sizes, seed)
    shapes = [p.shape for pair in zip(weights, biases, strict=True) for p in pair]  # W1, b1, W2, b2, ...
    bounds = np.cumsum([0] + [int(np.prod(shape)) for shape in shapes])
    theta = np.empty(bounds[-1])  # (n_params,) every parameter, in the order of net.parameters()
    grad = np.empty_like(theta)  # (n_params,)
    views = [theta[a:b].reshape(shape) for a, b, shape in zip(bounds[:-1], bounds[1:], shapes, strict=True)]
    grad_views = [grad[a:b].reshape(shape) for a, b, shape in zip(bounds[:-1], bounds[1:], shapes, strict=True)]
    for l, (W0, b0) in enumerate(zip(weights, biases, strict=True)):
        views[2 * l][...] = W0
        views[2 * l + 1][...] = b0
        net.weights[l], net.biases[l] = views[2 * l], views[2 * l + 1]
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    X = data.X_train  # (m, n_0)
    X, Y = net.check_data(X, data.y_train, loss=loss)  # (m, n_0); (m, 1) floats or (m,) labels
    grad_out = (grad_views[0::2], grad_views[1::2])  # (dW_list, db_list) as views of ``grad``
    opt = Adam([theta], lr=LR, betas=BETAS, eps=EPS, check_finite=False)
    m = X.shape[0]
    idx = np.arange(m)
    starts = range(0, m, BATCH)
    l2 = [ALPHA / (2 * min(BATCH, m - s)) for s in starts]
    beta2 = BETAS[1]
    for _ in range(epochs):
        perm = np.arange(m)
        rs.shuffle(perm)
        idx = idx[perm]  # sklearn.utils.shuffle(sample_idx, random_state=rs)
        Xe, Ye = X[idx], Y[idx]  # (m, n_0): one gather per epoch, then contiguous slices
        for k, s in enumerate(starts):
            # the gradients land directly in the flat ``grad`` (views), so no copy is needed
            net.loss_and_grads_unchecked(Xe[s:s + BATCH], Ye[s:s + BATCH], loss=loss, l2=l2[k], out=grad_out,
                                         with_loss=False)  # sklearn's loss value is not needed to train
            if sklearn_eps:
                opt.eps = EPS / math.sqrt(1.0 - beta2 ** (opt.t + 1))  # sklearn's epsilon, in torch's formula
            opt.step([grad])
    return net


def torch_model(sizes: Sequence[int], seed: int, *, dtype=None):
    """``nn.Sequential(Linear, ReLU, Linear)`` holding :func:`sklearn_init`'s weights (float32 by default)."""
    import torch
    from torch import nn

    dtype = dtype or torch.float32
    weights, biases, _ = sklearn_init(sizes, seed)
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2])).to(dtype)
    with torch.no_grad():
        for layer, W, b in zip((model[0], model[2]), weights, biases, strict=True):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    return model


def fit_torch(data: Data, *, hidden: int, epochs: int, seed: int):
    """:func:`mlp_lab.train.fit` with fused Adam and ``weight_decay = alpha / batch``, float32, CPU."""
    from mlp_lab.train import fit

    sizes = layer_sizes(data, hidden)
    model = torch_model(sizes, seed)
    loss = "bce" if sizes[-1] == 1 else "cross_entropy"
    fit(model, data.X_train, data.y_train, loss=loss, optimizer="adam", lr=LR, epochs=epochs, batch_size=BATCH,
        weight_decay=ALPHA / BATCH, metrics=(), seed=seed, device="cpu")
    return model


FITTERS: dict[str, Callable[..., object]] = {"sklearn": fit_sklearn, "numpy": fit_numpy, "torch": fit_torch}


def predict(impl: str, model: object, X: np.ndarray) -> np.ndarray:
    """Predicted labels ``(m,)`` of a fitted contender."""
    if impl in ("sklearn", "numpy"):
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


def check_targets(results: dict[str, dict[str, dict[str, float]]]) -> dict[str, bool]:
    """Whether each contender meets its time ratio and stays within 0.5 accuracy points of sklearn."""
    targets = {}
    for dataset, row in results.items():
        acc_sk = row["sklearn"]["accuracy"]
        for impl, limit in TARGET_RATIO.items():
            ok_time = row[impl]["ratio_to_sklearn"] <= limit
            ok_acc = row[impl]["accuracy"] >= acc_sk - ACCURACY_TOLERANCE - 1e-12
            targets[f"{dataset}_{impl}_ratio_le_{limit}_and_accuracy_within_0.5pt"] = bool(ok_time and ok_acc)
    return targets


DTYPES = {"sklearn": "float64", "numpy": "float64", "torch": "float32"}


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
        prog="python -m mlp_lab.bench sklearn",
        description="Fit time and test accuracy of scikit-learn's MLPClassifier, the NumPy engine and "
        "mlp_lab.train.fit (PyTorch) on digits and breast_cancer, same architecture, Adam lr 1e-3, "
        "batch 64, alpha 1e-4, same initial weights.",
    )
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed runs per contender (seeds 0..N-1), median time reported (default 5; --quick: 1)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="limit BLAS/OpenMP pools (threadpoolctl) and torch to N threads (default: leave as is)")
    parser.add_argument("--quick", action="store_true",
                        help="a few-second smoke run: 3 resp. 5 epochs, 1 repeat (timings meaningless)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print the environment, the table, the targets and a final JSON line."""
    args = parse_args(argv)
    import torch

    from mlp_lab.bench.engine import environment, environment_lines

    limiter = None
    torch_threads = torch.get_num_threads()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(limits=args.threads)
        torch.set_num_threads(args.threads)
    try:
        repeats = args.repeats or (1 if args.quick else 5)
        env = environment()
        print(f"mlp_lab sklearn benchmark: MLPClassifier vs NumPy engine vs mlp_lab.train.fit; adam lr {LR:g}, "
              f"batch {BATCH}, alpha {ALPHA:g}, {repeats} repeat(s) (median time, mean accuracy)"
              + (" [--quick: few epochs, timings meaningless]" if args.quick else ""))
        print("\n".join(environment_lines(env)))
        print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; "
              "dtypes: " + ", ".join(f"{impl} {dt}" for impl, dt in DTYPES.items()))
        results = {p.name: bench_problem(p, repeats=repeats, quick=args.quick) for p in PROBLEMS}
    finally:
        if limiter is not None:  # leave the process as it was (main may be called in-process)
            limiter.restore_original_limits()
            torch.set_num_threads(torch_threads)
    print(format_table(results))
    targets = check_targets(results)
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    print(json.dumps(results))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
