"""Command-line entry point: ``python -m mlp_lab.bench {engine,sklearn,fit,check} [options]``.

Exit status: what the benchmark returns (0 on success); 2 for an unknown or missing
command, or when a benchmark's module cannot be imported.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, str] = {
    "engine": "NumPy scratch.MLP step vs PyTorch eager, against the matmul peak",
    "sklearn": "comparison with scikit-learn's MLPClassifier",
    "fit": "mlp_lab.train.fit's per-step overhead against a bare hand-written PyTorch loop",
    "check": "how long each learner checker of mlp_lab.check takes on a right and a wrong answer",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``argv[0]`` to ``mlp_lab.bench.<command>.main(argv[1:])``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m mlp_lab.bench",
        description="Benchmarks of mlp_lab. Commands: "
        + "; ".join(f"{name}: {what}" for name, what in COMMANDS.items()),
        epilog="Options of a command: python -m mlp_lab.bench COMMAND --help",
    )
    parser.add_argument("command", choices=list(COMMANDS), help="which benchmark to run")
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv[:1])  # prints usage and exits: 2 on error, 0 for --help
        return 2  # pragma: no cover (parse_args exits above)
    command, rest = argv[0], argv[1:]
    try:
        module = importlib.import_module(f"mlp_lab.bench.{command}")
    except ImportError as exc:
        print(
            f"python -m mlp_lab.bench {command}: cannot import mlp_lab.bench.{command} ({exc}); "
            "this benchmark is not available in this installation",
            file=sys.stderr,
        )
        return 2
    status = module.main(rest)
    return 0 if status is None else int(status)


if __name__ == "__main__":
    sys.exit(main())
