"""How much does :func:`mlp_lab.train.fit` cost over a bare PyTorch loop (and over scikit-learn)?

Run ``python -m mlp_lab.bench fit`` (``--help`` for options). Two cases, same model,
same initial weights and same data for every contender:

``lab``
    The seed's 2-10-1 network on its 10 points, full batch, BCE with logits, Adam
    ``lr=0.01``, 100 epochs: 100 steps where per-step overhead is everything.
``digits``
    A 64-64-10 network on scikit-learn's ``load_digits`` (1797 x 64, pixels / 16),
    cross-entropy, Adam ``lr=1e-3``, batch 64, 50 epochs (29 steps per epoch).

Contenders:

* ``bare``: the loop one writes by hand for in-memory data, with the same optimizer
  (``torch.optim.Adam(..., fused=True)``): data converted once, one ``randperm`` per
  epoch, ``split`` into batches, ``zero_grad(set_to_none=True); loss.backward(); step()``,
  batch losses kept on the device and read once per epoch.
* ``fit``: :func:`~mlp_lab.train.fit` with ``metrics=()`` (what the bare loop computes);
  ``fit+acc`` adds its default per-epoch training accuracy (one extra forward pass per epoch).
* ``sklearn`` (digits only, unless ``--no-sklearn``): ``MLPClassifier(hidden_layer_sizes=(64,),
  solver="adam", learning_rate_init=1e-3, batch_size=64, max_iter=50, alpha=1e-4)``, set to run
  all 50 epochs; the torch contenders then use ``weight_decay = alpha / batch_size``, which
  is what sklearn's ``alpha / (2 |B|) * sum(W**2)`` per batch adds to the gradient.

Contenders are timed alternately (so each sees the same load on a shared machine) after a
warm-up, and the median over repeats is reported, as milliseconds per run and
microseconds per step, in wall-clock time and in CPU time of the process (the second is
steadier on a busy machine when torch runs one thread). Targets: ``fit / bare <= 1.1`` in both cases and, on digits,
``fit / sklearn <= 1.5``. Thread counts are left as they are unless ``--threads`` is given
(on a machine whose cores are busy with other work, PyTorch's second OpenMP thread makes
every kernel that enters a parallel region wait for a time slice, and steps become 10 to 50
times slower; with ``--threads 1`` models this small lose nothing and the timings are steady).
The last line printed is a JSON object of the results.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from mlp_lab._cli import positive_int

TARGET_FIT_OVER_BARE = 1.1
TARGET_FIT_OVER_SKLEARN = 1.5
SK_ALPHA = 1e-4


def bare_loop(model, X_t, y_t, *, loss_fn, lr: float, epochs: int, batch_size: int | None,
              weight_decay: float = 0.0, seed: int = 0) -> list[float]:
    """The hand-written reference loop; returns the per-epoch training loss."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    m = X_t.shape[0]
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        if batch_size is None:
            batches = ((X_t, y_t),)
        else:
            perm = torch.randperm(m, generator=gen)
            batches = zip(X_t[perm].split(batch_size), y_t[perm].split(batch_size), strict=True)
        step_losses = []
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step_losses.append(loss.detach())
        losses.append(float(torch.stack(step_losses).mean()))
    return losses


def _cases(quick: bool) -> list[dict]:
    import torch
    from torch import nn
    from torch.nn import functional as F

    from mlp_lab.data import rust_lab_dataset
    from mlp_lab.defaults import SEED_SETTINGS
    from mlp_lab.lab import build_seed_network

    X, y = rust_lab_dataset()
    lab = {
        "name": "lab",
        "model": build_seed_network(SEED_SETTINGS["hidden"], seed=0),
        "X": X, "y": y, "loss": "bce", "loss_fn": F.binary_cross_entropy_with_logits,
        "y_t": torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1),
        "lr": SEED_SETTINGS["lr"], "epochs": SEED_SETTINGS["epochs"], "batch_size": None,
    }
    from sklearn.datasets import load_digits

    Xd, yd = load_digits(return_X_y=True)
    Xd = Xd / 16.0
    torch.manual_seed(0)
    digits = {
        "name": "digits",
        "model": nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
        "X": Xd, "y": yd, "loss": "cross_entropy", "loss_fn": F.cross_entropy,
        "y_t": torch.as_tensor(yd, dtype=torch.int64),
        "lr": 1e-3, "epochs": 10 if quick else 50, "batch_size": 64,
    }
    return [lab, digits]


def _n_steps(case: dict) -> int:
    m = len(case["X"])
    per_epoch = 1 if case["batch_size"] is None else -(-m // case["batch_size"])
    return per_epoch * case["epochs"]


def _contenders(case: dict, *, weight_decay: float, with_sklearn: bool) -> dict[str, Callable[[], object]]:
    import torch

    from mlp_lab.train import fit

    init = copy.deepcopy(case["model"].state_dict())
    common = {"lr": case["lr"], "epochs": case["epochs"], "batch_size": case["batch_size"]}

    def fresh():
        model = copy.deepcopy(case["model"])
        model.load_state_dict(init)
        return model

    def run_bare():
        X_t = torch.as_tensor(case["X"], dtype=torch.float32)  # conversion counted, as in fit
        return bare_loop(fresh(), X_t, case["y_t"], loss_fn=case["loss_fn"], weight_decay=weight_decay, **common)

    def run_fit():
        return fit(fresh(), case["X"], case["y"], loss=case["loss"], metrics=(), device="cpu",
                   weight_decay=weight_decay, **common)

    def run_fit_acc():
        return fit(fresh(), case["X"], case["y"], loss=case["loss"], device="cpu", weight_decay=weight_decay, **common)

    out = {"bare": run_bare, "fit": run_fit, "fit+acc": run_fit_acc}
    if with_sklearn:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        def run_sklearn():
            clf = MLPClassifier(
                hidden_layer_sizes=(64,), solver="adam", learning_rate_init=case["lr"], batch_size=case["batch_size"],
                max_iter=case["epochs"], alpha=SK_ALPHA, tol=0.0, n_iter_no_change=case["epochs"] + 1,
                shuffle=True, random_state=0,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return clf.fit(case["X"], case["y"])

        out["sklearn"] = run_sklearn
    return out


def bench_case(case: dict, *, repeats: int, with_sklearn: bool) -> dict[str, object]:
    """Median seconds of each contender on ``case``, timed alternately."""
    sk = with_sklearn and case["name"] == "digits"
    weight_decay = SK_ALPHA / case["batch_size"] if sk else 0.0
    runs = _contenders(case, weight_decay=weight_decay, with_sklearn=sk)
    for fn in runs.values():  # warm-up: imports, allocator, thread pools
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu_times: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(repeats):
        order = list(runs) if r % 2 == 0 else list(reversed(runs))
        for name in order:
            c0, t0 = time.process_time(), time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - t0)
            cpu_times[name].append(time.process_time() - c0)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    cpu = {name: statistics.median(ts) for name, ts in cpu_times.items()}
    steps = _n_steps(case)
    result: dict[str, object] = {
        "case": case["name"],
        "steps": steps,
        "epochs": case["epochs"],
        "batch_size": case["batch_size"],
        "weight_decay": weight_decay,
        "ms": {name: 1e3 * s for name, s in med.items()},
        "cpu_ms": {name: 1e3 * s for name, s in cpu.items()},
        "us_per_step": {name: 1e6 * s / steps for name, s in med.items()},
        "fit_over_bare": med["fit"] / med["bare"],
        "fit_acc_over_bare": med["fit+acc"] / med["bare"],
        "cpu_fit_over_bare": cpu["fit"] / cpu["bare"],
    }
    if "sklearn" in med:
        result["fit_over_sklearn"] = med["fit"] / med["sklearn"]
        result["fit_acc_over_sklearn"] = med["fit+acc"] / med["sklearn"]
        result["bare_over_sklearn"] = med["bare"] / med["sklearn"]
        result["cpu_fit_over_sklearn"] = cpu["fit"] / cpu["sklearn"]
    return result


def format_table(results: Sequence[dict[str, object]]) -> str:
    """Fixed-width text table of :func:`bench_case` results."""
    header = (
        f"{'case':<8} {'contender':<9} {'ms/run':>9} {'us/step':>9} {'vs bare':>8} {'cpu ms':>9} {'cpu vs bare':>11}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        bare, cpu_bare = r["ms"]["bare"], r["cpu_ms"]["bare"]
        for name, ms in r["ms"].items():
            cpu_ms = r["cpu_ms"][name]
            lines.append(
                f"{r['case']:<8} {name:<9} {ms:>9.1f} {r['us_per_step'][name]:>9.1f} {ms / bare:>8.2f} "
                f"{cpu_ms:>9.1f} {cpu_ms / cpu_bare:>11.2f}"
            )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mlp_lab.bench fit",
        description="Time mlp_lab.train.fit against a bare PyTorch loop (same model, data, optimizer) "
        "on the seed's lab and on digits, and against scikit-learn's MLPClassifier on digits.",
    )
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed runs per contender, median reported (default 7; --quick: 3)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="call torch.set_num_threads(N) first (default: leave torch's setting)")
    parser.add_argument("--no-sklearn", action="store_true", help="skip the scikit-learn comparison")
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run: 10 digits epochs, 3 repeats")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print a table, the targets and a final JSON line."""
    args = parse_args(argv)
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 7)
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    print("mlp_lab fit benchmark: fit() vs a bare PyTorch loop (fused Adam, float32, CPU)"
          + ("" if args.no_sklearn else " and sklearn MLPClassifier on digits"))
    print(f"torch {env['torch']}, {env['torch_threads']} threads, {env['cpu_count']} CPUs, "
          f"load average {env['load_average_1min']}, {repeats} repeats (median)")
    results = [bench_case(case, repeats=repeats, with_sklearn=not args.no_sklearn) for case in _cases(args.quick)]
    print(format_table(results))
    targets: dict[str, bool] = {}
    for r in results:
        targets[f"{r['case']}_fit_over_bare_le_{TARGET_FIT_OVER_BARE}"] = r["fit_over_bare"] <= TARGET_FIT_OVER_BARE
        if "fit_over_sklearn" in r:
            targets[f"{r['case']}_fit_over_sklearn_le_{TARGET_FIT_OVER_SKLEARN}"] = (
                r["fit_over_sklearn"] <= TARGET_FIT_OVER_SKLEARN
            )
    for r in results:
        line = f"{r['case']}: fit/bare = {r['fit_over_bare']:.3f}, fit+acc/bare = {r['fit_acc_over_bare']:.3f}"
        if "fit_over_sklearn" in r:
            line += (f", fit/sklearn = {r['fit_over_sklearn']:.3f}, fit+acc/sklearn = {r['fit_acc_over_sklearn']:.3f}"
                     f", bare/sklearn = {r['bare_over_sklearn']:.3f}")
        print(line)
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    print(json.dumps({"benchmark": "fit", "quick": args.quick, "repeats": repeats, "environment": env,
                      "results": results, "targets": targets}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
