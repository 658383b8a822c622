r"""Data-parallel training with PyTorch's own ``torch.distributed``, checked against one process.

Data parallelism in one equation. With a mean loss over a global batch :math:`B` split into
shards :math:`B_1, \dots, B_N` (one per process, a *rank*),

.. math:: \nabla_\theta \frac{1}{|B|} \sum_{i \in B} \ell_i
          = \sum_{r=1}^{N} \frac{|B_r|}{|B|} \nabla_\theta \frac{1}{|B_r|} \sum_{i \in B_r} \ell_i ,

so when every rank holds the same weights, computes its shard's gradient and the ranks average
those gradients (an *all-reduce*), every rank takes exactly the single-process step, up to
floating-point summation order. :class:`~torch.nn.parallel.DistributedDataParallel` (DDP) does the
averaging during ``backward()``; :func:`mlp_lab.pytorch.fit` (the course's one trainer) wraps the model
in it whenever a process group is initialised, and weights each rank's loss by :math:`N |B_r| / |B|`
so that the average is exact even when the shards differ in size (the last batch of an epoch).
This module only starts the ranks, runs :func:`fit_digits` (that ``fit`` on the digits) in each, and
compares with one process.

This module holds what a notebook cannot: the worker that each rank runs must be importable, because
``spawn`` starts fresh interpreters that import it by name. Each local worker calls
``torch.set_num_threads(1)``: the ranks share this machine's cores, and ranks of several threads each
would wait for one another's time slices. On the PyTorch side this is the only change of the thread
count, and only in the processes started here (:func:`~mlp_lab.pytorch.fit` never changes it; the
learner checkers of :mod:`mlp_lab.check` run their tiny references on one thread for the duration of
a check and then restore the setting).

Command line (each prints ``Epoch: e, Loss: x`` lines and, last, one JSON object)::

    python -m mlp_lab ddp --world-size 2            # starts 2 local ranks itself, then 1 process
    torchrun --standalone --nproc-per-node 2 -m mlp_lab.pytorch.distributed --epochs 5   # as real jobs start
    # two machines: run on each, with its own --node-rank (0 on the machine at HOST)
    torchrun --nnodes 2 --node-rank 0 --nproc-per-node 2 --rdzv-backend c10d \
        --rdzv-endpoint HOST:29400 --rdzv-id mlp-lab -m mlp_lab.pytorch.distributed

Exit status: 0 on success; 1 when a rank fails (its error is printed; the other ranks are stopped);
2 for bad arguments.
"""

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from mlp_lab._cli import nonnegative_int, positive_float, positive_int

__all__ = ["Config", "RankFailed", "build_model", "digits_data", "fit_digits", "launch", "main", "run"]

TIMEOUT = timedelta(seconds=60)  # a collective that waits longer than this fails instead of hanging


@dataclass(frozen=True)
class Config:
    """One data-parallel run: the same float64 MLP on scikit-learn's digits, as one process or ``world_size``."""

    world_size: int = 2  # ranks started on this machine
    epochs: int = 5
    batch_size: int = 64  # the global batch; each rank gets batch_size / world_size of it
    lr: float = 0.01  # Adam's learning rate
    seed: int = 0  # initial weights and the order of the batches: the same on every rank
    hidden: int = 32
    backend: str = "gloo"  # runs on CPUs; "nccl" is for CUDA GPUs
    fail_rank: int | None = None  # for tests: this rank raises before training

    def __post_init__(self) -> None:
        if self.batch_size % self.world_size:
            raise ValueError(f"batch_size must be a multiple of world_size so that every rank gets an equal shard "
                             f"of each global batch: got batch_size={self.batch_size}, world_size={self.world_size}")


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits (no download): standardised float64 features (1797, 64), labels (1797,)."""
    from sklearn.datasets import load_digits

    from mlp_lab.data import Standardizer

    X, y = load_digits(return_X_y=True)
    return Standardizer().fit_transform(X.astype(np.float64)), y.astype(np.int64)


def build_model(config: Config, n_in: int = 64, n_out: int = 10) -> nn.Sequential:
    """The float64 MLP ``n_in - hidden - n_out`` with PyTorch's default initialisation, seeded."""
    with torch.random.fork_rng():  # the same weights on every rank, the caller's RNG untouched
        torch.manual_seed(config.seed)
        model = nn.Sequential(nn.Linear(n_in, config.hidden), nn.ReLU(), nn.Linear(config.hidden, n_out))
    return model.double()


def fit_digits(config: Config, data: tuple[np.ndarray, np.ndarray] | None = None):
    """:func:`mlp_lab.pytorch.fit` on the digits: data-parallel if a process group is up, else one process.

    ``data``: the ``(X, y)`` of :func:`digits_data`, when the caller has them already (a local job's
    ranks receive them from the process that starts them); by default, loaded here.

    Returns
    -------
    history : mlp_lab.pytorch.History
        The per-epoch global training loss, the same on every rank.
    weights : list of numpy.ndarray
        The trained parameters (every rank holds the same).
    """
    from mlp_lab.pytorch.fit import fit

    X, y = digits_data() if data is None else data
    model = build_model(config, X.shape[1], int(y.max()) + 1)
    history = fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=config.lr, epochs=config.epochs,
                  batch_size=config.batch_size, metrics=(), seed=config.seed, device="cpu")
    return history, [p.detach().numpy().copy() for p in model.parameters()]


def _rank(config: Config, data: tuple[np.ndarray, np.ndarray] | None = None,
          **init) -> tuple[int, object, list[np.ndarray], float]:
    """One rank: join the process group (``init``: how to find it), train on ``data`` (default: load the
    digits); rank, history, weights, seconds."""
    dist.init_process_group(config.backend, timeout=TIMEOUT, **init)
    try:
        rank = dist.get_rank()
        if rank == config.fail_rank:
            raise RuntimeError(f"rank {rank} failed on purpose (fail_rank={rank})")
        start = time.perf_counter()
        history, weights = fit_digits(config, data)
        return rank, history, weights, time.perf_counter() - start
    finally:
        dist.destroy_process_group()


def _worker(rank: int, config: Config, rendezvous: str, out: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    """What each spawned rank runs: :func:`_rank` on ``data``, then rank 0 saves the result to ``out``."""
    torch.set_num_threads(1)  # the ranks share this machine's cores (see the module docstring)
    _, history, weights, seconds = _rank(config, data, init_method=f"file://{rendezvous}", rank=rank,
                                         world_size=config.world_size)
    if rank == 0:
        torch.save({"loss": history["loss"], "weights": weights, "seconds": seconds}, out)
    # The rank's work is done. Its interpreter now exits; without this line that exit ends with a
    # garbage collection over every object of torch and of the compiler that DDP imports,
    # which takes longer than the training itself. Nothing of this process is used afterwards.
    gc.freeze()


class RankFailed(RuntimeError):
    """A rank of a local data-parallel job raised; the message carries its traceback."""


def launch(config: Config) -> dict:
    """Start ``config.world_size`` local ranks (``spawn``), train, and return rank 0's result.

    If any rank raises, the others are terminated and :class:`RankFailed` carries that rank's
    error: the job ends within :data:`TIMEOUT` at worst, never hangs, and leaves no process behind.
    The ranks meet through a file in a temporary folder (no port to pick). The digits are loaded
    here, once, and handed to the ranks with their arguments, so that no rank imports scikit-learn
    (about a second of start-up per process).
    """
    data = digits_data()  # (1797, 64), (1797,): pickled to each rank with its arguments
    with tempfile.TemporaryDirectory(prefix="mlp-lab-ddp-") as tmp:
        out = str(Path(tmp) / "rank0.pt")
        try:
            mp.start_processes(_worker, args=(config, str(Path(tmp) / "rendezvous"), out, data),
                               nprocs=config.world_size, join=True, start_method="spawn")
        except (mp.ProcessRaisedException, mp.ProcessExitedException) as exc:
            raise RankFailed(f"rank {exc.error_index} failed:\n{exc}") from None
        return torch.load(out, weights_only=False)


def run(config: Config) -> dict:
    """Train with ``world_size`` ranks and in one process; compare; return the summary.

    The summary holds the per-epoch losses of both runs and the largest absolute difference
    between their trained weights.
    """
    start = time.perf_counter()
    ddp = launch(config)
    seconds, start = time.perf_counter() - start, time.perf_counter()
    single, single_weights = fit_digits(config)
    single_seconds = time.perf_counter() - start
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ddp["weights"], single_weights, strict=True))
    return {**_settings(config), "final_loss": ddp["loss"][-1], "single_process_final_loss": single["loss"][-1],
            "max_abs_weight_diff": diff, "seconds": round(seconds, 3),
            "single_process_seconds": round(single_seconds, 3), "loss": ddp["loss"],
            "single_process_loss": single["loss"], "weights": ddp["weights"], "single_process_weights": single_weights,
            "train_seconds": ddp["seconds"]}


def _settings(config: Config) -> dict:
    return {k: v for k, v in asdict(config).items() if k not in ("hidden", "fail_rank")}


def _backend(text: str) -> str:
    cuda_ok = text != "nccl" or torch.cuda.is_available()
    if not (dist.is_available() and dist.is_backend_available(text) and cuda_ok):
        raise argparse.ArgumentTypeError(f"backend {text!r} is not available in this PyTorch build or on this machine "
                                         "(use 'gloo' on CPUs, 'nccl' needs CUDA GPUs)")
    return text


#: The command line's flags: the fields of :class:`Config`, each with its type and help.
_FLAGS = {"world-size": (positive_int, "local ranks to start, >= 1"),
          "epochs": (positive_int, "passes over the data, >= 1"),
          "batch-size": (positive_int, "global batch size, a multiple of --world-size"),
          "lr": (positive_float, "Adam's learning rate, > 0"),
          "seed": (nonnegative_int, "seed of weights and batch order, >= 0"),
          "backend": (_backend, "torch.distributed backend"), "fail-rank": (nonnegative_int, argparse.SUPPRESS)}


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m mlp_lab.pytorch.distributed") -> int:
    """``python -m mlp_lab.pytorch.distributed`` (and ``python -m mlp_lab ddp``): one rank under ``torchrun``
    (it sets RANK, WORLD_SIZE, MASTER_ADDR/PORT), else the local job and then one process; exit status."""
    parser = argparse.ArgumentParser(prog=prog, description="Train an MLP on scikit-learn's digits data-parallel "
                                     "(torch.distributed) and, unless started by torchrun, once more in one process, "
                                     "and compare the two.")
    for flag, (kind, help) in _FLAGS.items():
        parser.add_argument(f"--{flag}", type=kind, default=getattr(Config(), flag.replace("-", "_")), help=help)
    options = vars(parser.parse_args(argv))
    torchrun = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    try:
        config = Config(**{**options, **({"world_size": int(os.environ["WORLD_SIZE"])} if torchrun else {})})
    except ValueError as exc:
        parser.error(str(exc))  # a bad combination is a usage error (exit 2)
    if torchrun:
        rank, history, _, seconds = _rank(config)
        summary = {**_settings(config), "final_loss": history["loss"][-1], "seconds": round(seconds, 3)}
    else:
        try:
            summary = run(config)
        except RankFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        rank, history, arrays = 0, summary, ("loss", "single_process_loss", "weights", "single_process_weights")
        summary = {k: v for k, v in summary.items() if k not in (*arrays, "train_seconds")}
    if rank == 0:
        for epoch, loss in enumerate(history["loss"], start=1):
            print(f"Epoch: {epoch}, Loss: {loss:.4f}")
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
