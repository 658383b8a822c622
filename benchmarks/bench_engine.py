r"""How fast is the NumPy engine? One training step of the plain engine, chapter 9's in-place one, and PyTorch.

Run ``python -m benchmarks.bench_engine`` from the repository root (``--help`` for options). For
each width ``w`` the network is ``w -> w -> w -> 10`` (``layer_sizes = [w, w, w, 10]``: two ReLU
hidden layers and 10 output logits, He init), on a batch of ``m = 256`` random inputs with random
labels, everything in float64. One *step* is

* ``plain``: :meth:`mlp_lab.scratch.MLP.loss_and_grads` (input checks, forward, softmax
  cross-entropy, backward; fresh arrays for every intermediate);
* ``inplace``: :meth:`mlp_lab.scratch.inplace.InplaceMLP.loss_and_grads_into` on data checked
  once, with ``out=`` gradient arrays: chapter 9's buffer-reusing engine;
* ``torch``: PyTorch eager, same weights (:meth:`~mlp_lab.scratch.MLP.to_torch`):
  ``model.zero_grad(); F.cross_entropy(model(X), y).backward()``.

Each engine is timed with :mod:`timeit` in its own block of repeats (after two warm-up steps and a
short pause, so that the worker threads of one library, which spin for a while after each call,
do not steal cores from the other); the median is reported (the minimum is in the JSON too). The
step's work is counted as its matrix products only (:func:`mlp_lab.scratch.inplace.step_flops`).
Dividing by the time gives GFLOP/s, reported as a fraction of the *peak*: the median rate of
``np.matmul`` on two 1024 x 1024 float64 matrices in the same process, measured before and after
the widths (the larger of the two, so that a burst of load from other processes during one
measurement does not inflate the fractions).

Targets: at ``w >= 512`` the in-place step reaches at least 60% of the peak, and the plain step is
never slower than PyTorch eager. The last line printed is a JSON object of the results.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks.environment import environment, environment_lines
from mlp_lab._cli import positive_int
from mlp_lab.scratch import MLP
from mlp_lab.scratch.inplace import InplaceMLP, step_flops

BATCH = 256
N_CLASSES = 10
DEFAULT_WIDTHS = (64, 128, 256, 512, 1024)
QUICK_WIDTHS = (16, 32)
TARGET_FRACTION = 0.6
TARGET_MIN_WIDTH = 512


def layer_sizes(width: int) -> list[int]:
    """The benchmarked architecture: ``[width, width, width, 10]``."""
    return [width, width, width, N_CLASSES]


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


def _times(fn: Callable[[], object], repeats: int, warmup: int = 2, clock: str = "wall") -> list[float]:
    """Seconds (of ``CLOCKS[clock]``) of ``repeats`` calls of ``fn``, after ``warmup`` untimed calls."""
    timer = timeit.Timer(fn, timer=CLOCKS[clock])
    timer.repeat(repeat=1, number=warmup)
    return timer.repeat(repeat=repeats, number=1)


def matmul_peak_gflops(n: int, repeats: int, clock: str = "wall") -> float:
    """Median GFLOP/s of ``np.matmul`` on two ``n x n`` float64 matrices."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, n))
    out = np.empty((n, n))
    seconds = statistics.median(_times(lambda: np.matmul(A, B, out=out), repeats, clock=clock))
    return 2 * n**3 / seconds / 1e9


ENGINES = ("plain", "inplace", "torch")


def bench_width(
    width: int, *, batch: int, repeats: int, peak: float, pause: float = 0.1, clock: str = "wall"
) -> dict[str, object]:
    """Time one step of each engine for ``layer_sizes(width)``."""
    import torch
    import torch.nn.functional as F

    sizes = layer_sizes(width)
    rng = np.random.default_rng(width)
    net = MLP(sizes, activation="relu", init="he", seed=0)
    fast = InplaceMLP(sizes, activation="relu", init="he", seed=0)
    X = rng.standard_normal((batch, width))  # (m, n_0)
    y = rng.integers(0, N_CLASSES, size=batch)  # (m,)
    X_checked, Y_checked = fast.check_data(X, y, loss="cross_entropy")
    _, dW, db = net.loss_and_grads(X, y)  # gradient arrays the in-place step writes into
    model = net.to_torch()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def torch_step() -> None:
        model.zero_grad()
        F.cross_entropy(model(X_t), y_t).backward()

    steps = {
        "plain": lambda: net.loss_and_grads(X, y, loss="cross_entropy"),
        "inplace": lambda: fast.loss_and_grads_into(X_checked, Y_checked, loss="cross_entropy", out=(dW, db)),
        "torch": torch_step,
    }
    flops = step_flops(sizes, batch)
    result: dict[str, object] = {"width": width, "layer_sizes": sizes, "n_params": net.n_params, "flops": flops}
    for engine, step in steps.items():
        times = _times(step, repeats, clock=clock)
        time.sleep(pause)  # let spinning BLAS/OpenMP worker threads of one engine go idle
        seconds = statistics.median(times)
        result[f"{engine}_ms"] = seconds * 1e3
        result[f"{engine}_ms_min"] = min(times) * 1e3
        result[f"{engine}_gflops"] = flops / seconds / 1e9
        result[f"{engine}_frac_peak"] = flops / seconds / 1e9 / peak
    result["torch_over_plain"] = result["torch_ms"] / result["plain_ms"]
    result["plain_over_inplace"] = result["plain_ms"] / result["inplace_ms"]
    return result


def format_table(results: Sequence[dict[str, object]]) -> str:
    """Fixed-width text table of :func:`bench_width` results (medians)."""
    header = (f"{'width':>6} {'params':>9} {'plain ms':>9} {'inpl ms':>9} {'torch ms':>9} {'plain/inpl':>10} "
              f"{'torch/plain':>11} {'plain %pk':>9} {'inpl %pk':>9} {'torch %pk':>9}")
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r['width']:>6} {r['n_params']:>9} {r['plain_ms']:>9.3f} {r['inplace_ms']:>9.3f} {r['torch_ms']:>9.3f} "
            f"{r['plain_over_inplace']:>10.2f} {r['torch_over_plain']:>11.2f} {100 * r['plain_frac_peak']:>8.1f}% "
            f"{100 * r['inplace_frac_peak']:>8.1f}% {100 * r['torch_frac_peak']:>8.1f}%"
        )
    return "\n".join(lines)


def check_targets(results: Sequence[dict[str, object]]) -> dict[str, bool | None]:
    """Whether the targets hold (``None`` when no width >= 512 was run)."""
    large = [r for r in results if r["width"] >= TARGET_MIN_WIDTH]
    return {
        f"inplace_frac_peak_ge_{TARGET_FRACTION}_at_width_ge_{TARGET_MIN_WIDTH}": (
            all(r["inplace_frac_peak"] >= TARGET_FRACTION for r in large) if large else None
        ),
        "plain_not_slower_than_torch": all(r["torch_over_plain"] >= 1.0 for r in results),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_engine",
        description="Time one forward+backward step of the NumPy engines (plain, in-place) and PyTorch eager, "
        "float64, network width->width->width->10, and compare with the matmul peak.",
    )
    parser.add_argument("--widths", type=positive_int, nargs="+", default=None,
                        help=f"hidden widths (default {' '.join(map(str, DEFAULT_WIDTHS))}; "
                        f"--quick: {' '.join(map(str, QUICK_WIDTHS))})")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed steps per width, median reported (default 25; --quick: 3)")
    parser.add_argument("--batch", type=positive_int, default=BATCH, help=f"batch size m (default {BATCH})")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="limit both NumPy's BLAS (via threadpoolctl) and torch to this many threads "
                        "(default: each library's own default)")
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall",
                        help="wall: elapsed time (default); cpu: CPU time of the process, meaningful "
                        "with --threads 1 on a machine shared with other work")
    parser.add_argument("--quick", action="store_true",
                        help="a few-second smoke run: small widths, few repeats, 256x256 peak")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the environment, the table and a final JSON line."""
    args = parse_args(argv)
    import torch  # imported before reading the thread pools

    if args.threads is not None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print("--threads needs threadpoolctl (it comes with scikit-learn)", file=sys.stderr)
            return 2
        torch_threads = torch.get_num_threads()
        torch.set_num_threads(args.threads)
        try:
            with threadpool_limits(limits=args.threads, user_api="blas"):
                return _run(args)
        finally:
            torch.set_num_threads(torch_threads)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    widths = args.widths or list(QUICK_WIDTHS if args.quick else DEFAULT_WIDTHS)
    repeats = args.repeats or (3 if args.quick else 25)
    peak_n = 256 if args.quick else 1024
    env = environment()
    print("mlp_lab engine benchmark: one forward+backward step, float64, "
          f"layer_sizes [w, w, w, {N_CLASSES}], ReLU, cross-entropy, batch {args.batch}, {args.clock} clock")
    print("\n".join(environment_lines(env)))
    clock = args.clock
    peak_before = matmul_peak_gflops(peak_n, repeats=max(repeats, 5), clock=clock)
    pause = 0.0 if args.quick else 0.1
    results = [bench_width(w, batch=args.batch, repeats=repeats, peak=1.0, pause=pause, clock=clock) for w in widths]
    peak_after = matmul_peak_gflops(peak_n, repeats=max(repeats, 5), clock=clock)
    peak = max(peak_before, peak_after)
    for r in results:  # bench_width gave GFLOP/s over a peak of 1
        for key in [f"{engine}_frac_peak" for engine in ENGINES]:
            r[key] /= peak
    print(f"peak: np.matmul {peak_n}x{peak_n} @ {peak_n}x{peak_n} float64 = {peak:.1f} GFLOP/s "
          f"(median; {peak_before:.1f} before, {peak_after:.1f} after the widths)")
    print("plain = MLP.loss_and_grads(X, y); inpl = InplaceMLP.loss_and_grads_into(..., out=(dW, db)); "
          "torch = zero_grad + forward + cross_entropy + backward; medians, %pk = share of the matmul peak")
    print(format_table(results))
    targets = check_targets(results)
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    summary = {
        "benchmark": "engine",
        "batch": args.batch,
        "architecture": f"[w, w, w, {N_CLASSES}], relu, cross_entropy, float64",
        "repeats": repeats,
        "threads": args.threads,
        "clock": clock,
        "peak_matmul_n": peak_n,
        "peak_gflops": peak,
        "peak_gflops_before_after": [peak_before, peak_after],
        "environment": env,
        "results": results,
        "targets": targets,
    }
    print(json.dumps(summary))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
