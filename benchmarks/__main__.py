"""``python -m benchmarks {engine,sklearn,fit,check} [options]``: run one benchmark (README.md lists them).

Each command is the module ``benchmarks.bench_<command>``; its ``main(argv)`` gets the options.
Exit status: what the benchmark returns (0 on success); 2 for an unknown or missing command, or
when the benchmark's module cannot be imported.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, str] = {
    "engine": "the NumPy engine's training step against PyTorch eager and the matmul peak (bench_engine.py)",
    "sklearn": "the NumPy engine and fit against scikit-learn's MLPClassifier (bench_sklearn.py)",
    "fit": "mlp_lab.pytorch.fit against a bare hand-written PyTorch loop (bench_fit.py)",
    "check": "how long each learner checker of mlp_lab.check takes on a right and a wrong answer (bench_check.py)",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``argv[0]`` to ``benchmarks.bench_<command>.main(argv[1:])``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of mlp_lab. Commands: " + "; ".join(f"{k}: {v}" for k, v in COMMANDS.items()),
        epilog="Options of a command: python -m benchmarks COMMAND --help",
    )
    parser.add_argument("command", choices=list(COMMANDS), help="which benchmark to run")
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv[:1])  # prints usage and exits: 2 on error, 0 for --help
    try:
        module = importlib.import_module(f"benchmarks.bench_{argv[0]}")
    except ImportError as exc:
        print(f"python -m benchmarks {argv[0]}: cannot import benchmarks.bench_{argv[0]} ({exc})", file=sys.stderr)
        return 2
    status = module.main(argv[1:])
    return 0 if status is None else int(status)


if __name__ == "__main__":
    sys.exit(main())
