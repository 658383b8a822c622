"""How much does :func:`mlp_lab.pytorch.fit` cost over the bare PyTorch loop one writes by hand?

Run ``python -m benchmarks fit`` (``--help`` for options). Two cases, the same model, initial
weights and data for every contender:

``lab``
    The seed's 2-10-1 network on its 10 points, full batch, BCE with logits, Adam ``lr=0.01``,
    100 epochs: 100 steps where per-step overhead is everything.
``digits``
    A 64-64-10 network on scikit-learn's ``load_digits`` (1797 x 64, pixels / 16), cross-entropy,
    Adam ``lr=1e-3``, batch 64, 50 epochs (29 steps per epoch).

Contenders:

* ``bare``: :func:`bare_loop`, the loop for in-memory data with the same optimizer
  (``torch.optim.Adam(..., fused=True)``): data converted once, one ``randperm`` per epoch,
  ``split`` into batches, ``zero_grad(set_to_none=True); loss.backward(); step()``, batch losses
  kept on the device and read once per epoch.
* ``fit``: :func:`~mlp_lab.pytorch.fit` with ``metrics=()`` (what the bare loop computes);
* ``fit+acc``: ``fit`` with its default per-epoch training accuracy (one more forward pass per epoch).

Each contender is timed with :mod:`timeit` (one run per measurement, garbage collection off), the
contenders alternating so that each sees the same load on a shared machine, after a warm-up run.
The best of ``--repeats`` is the figure (timeit's advice: slower runs measure other processes) and
the median is shown beside it. Target: ``fit / bare <= 1.1`` in both cases. Thread counts are left
as they are unless ``--threads`` is given (on a machine whose cores are busy, PyTorch's second
thread makes small kernels wait for a time slice; ``--threads 1`` loses nothing at these sizes).
The output is the environment, a table, the ratios, a ``targets:`` line and, last, a JSON object.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence

from benchmarks.environment import environment, environment_lines
from mlp_lab._cli import positive_int

TARGET_FIT_OVER_BARE = 1.1


def bare_loop(model, X_t, y_t, *, loss_fn, lr: float, epochs: int, batch_size: int | None, seed: int = 0):
    """The hand-written reference loop; returns the per-epoch mean of the batch losses."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        if batch_size is None:
            batches = [(X_t, y_t)]
        else:
            perm = torch.randperm(len(X_t), generator=gen)
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


def cases(quick: bool) -> list[dict]:
    """The two cases: the seed's lab and the digits (10 epochs with ``quick``)."""
    import torch
    from sklearn.datasets import load_digits
    from torch import nn
    from torch.nn import functional as F

    from mlp_lab.data import rust_lab_dataset
    from mlp_lab.defaults import SEED_SETTINGS
    from mlp_lab.pytorch.lab import build_seed_network

    X, y = rust_lab_dataset()
    lab = {"name": "lab", "model": build_seed_network(SEED_SETTINGS["hidden"], seed=0), "X": X, "y": y,
           "loss": "bce", "loss_fn": F.binary_cross_entropy_with_logits,
           "y_t": torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1),
           "lr": SEED_SETTINGS["lr"], "epochs": SEED_SETTINGS["epochs"], "batch_size": None}
    Xd, yd = load_digits(return_X_y=True)
    torch.manual_seed(0)
    digits = {"name": "digits", "model": nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
              "X": Xd / 16.0, "y": yd, "loss": "cross_entropy", "loss_fn": F.cross_entropy,
              "y_t": torch.as_tensor(yd, dtype=torch.int64), "lr": 1e-3, "epochs": 10 if quick else 50,
              "batch_size": 64}
    return [lab, digits]


def contenders(case: dict) -> dict[str, Callable[[], object]]:
    """``bare``, ``fit`` and ``fit+acc`` on ``case``, each from a fresh copy of the same initial model."""
    import torch

    from mlp_lab.pytorch import fit

    common = {"lr": case["lr"], "epochs": case["epochs"], "batch_size": case["batch_size"]}

    def run_bare():
        X_t = torch.as_tensor(case["X"], dtype=torch.float32)  # the conversion is counted, as in fit
        return bare_loop(copy.deepcopy(case["model"]), X_t, case["y_t"], loss_fn=case["loss_fn"], **common)

    def run_fit(**options):
        return lambda: fit(copy.deepcopy(case["model"]), case["X"], case["y"], loss=case["loss"], device="cpu",
                           **common, **options)

    return {"bare": run_bare, "fit": run_fit(metrics=()), "fit+acc": run_fit()}


def bench_case(case: dict, *, repeats: int) -> dict[str, object]:
    """Seconds per run of each contender on ``case`` (best and median of ``repeats``), alternated."""
    timers = {name: timeit.Timer(fn) for name, fn in contenders(case).items()}
    for timer in timers.values():  # warm-up: imports, allocator, thread pools
        timer.timeit(number=1)
    times: dict[str, list[float]] = {name: [] for name in timers}
    for r in range(repeats):
        for name in list(timers) if r % 2 == 0 else reversed(timers):
            times[name].append(timers[name].timeit(number=1))
    steps = case["epochs"] * (1 if case["batch_size"] is None else -(-len(case["X"]) // case["batch_size"]))
    best = {name: min(ts) for name, ts in times.items()}
    return {"case": case["name"], "steps": steps, "epochs": case["epochs"], "batch_size": case["batch_size"],
            "ms": {name: 1e3 * s for name, s in best.items()},
            "median_ms": {name: 1e3 * statistics.median(ts) for name, ts in times.items()},
            "us_per_step": {name: 1e6 * s / steps for name, s in best.items()},
            "fit_over_bare": best["fit"] / best["bare"], "fit_acc_over_bare": best["fit+acc"] / best["bare"]}


def format_table(results: Sequence[dict[str, object]]) -> str:
    """Fixed-width text table of :func:`bench_case` results."""
    header = f"{'case':<8} {'contender':<9} {'best ms':>9} {'median ms':>10} {'us/step':>9} {'vs bare':>8}"
    lines = [header, "-" * len(header)]
    for r in results:
        for name, ms in r["ms"].items():
            lines.append(f"{r['case']:<8} {name:<9} {ms:>9.1f} {r['median_ms'][name]:>10.1f} "
                         f"{r['us_per_step'][name]:>9.1f} {ms / r['ms']['bare']:>8.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the environment, the table, the ratios, the targets and a JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks fit",
        description="Time mlp_lab.pytorch.fit against a bare PyTorch loop (same model, data, optimizer) "
        "on the seed's lab and on scikit-learn's digits.")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed runs per contender (default 7; --quick: 3)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="call torch.set_num_threads(N) first (default: leave torch's setting)")
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run: 10 digits epochs, 3 repeats")
    args = parser.parse_args(argv)
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 7)
    env = environment()
    print("fit benchmark: mlp_lab.pytorch.fit vs a bare PyTorch loop (fused Adam, float32, CPU)")
    print("\n".join(environment_lines(env)))
    print(f"{repeats} timed runs per contender, alternated; best (and median) shown")
    results = [bench_case(case, repeats=repeats) for case in cases(args.quick)]
    print(format_table(results))
    for r in results:
        print(f"{r['case']}: fit/bare = {r['fit_over_bare']:.3f}, fit+acc/bare = {r['fit_acc_over_bare']:.3f}")
    targets = {f"{r['case']}_fit_over_bare_le_{TARGET_FIT_OVER_BARE}": r["fit_over_bare"] <= TARGET_FIT_OVER_BARE
               for r in results}
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    print(json.dumps({"benchmark": "fit", "quick": args.quick, "repeats": repeats, "environment": env,
                      "results": results, "targets": targets}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
