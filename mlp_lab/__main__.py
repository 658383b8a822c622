"""Command line: ``python -m mlp_lab COMMAND [options]``.

Commands
--------
``lab``
    Run the seed tutorial's lab (corrected, or ``--faithful`` to the seed's program) and
    print its log in the seed's format. The logic lives in :mod:`mlp_lab.pytorch.lab`.
``ddp``
    Train on scikit-learn's digits with N local ranks (``torch.distributed``, gloo) and in one
    process, and compare. The logic and the options live in :mod:`mlp_lab.pytorch.distributed`.

Exit status: 0 on success; 2 for a bad command, flag or value (argparse's convention).
"""

import argparse
import sys
from collections.abc import Sequence

from mlp_lab._cli import nonnegative_int, positive_float, positive_int
from mlp_lab.defaults import SEED_SETTINGS

# The defaults of `lab` are the seed program's settings; mlp_lab.defaults imports no torch, so
# --help and flag errors answer at once.


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with the sub-commands ``lab`` and ``ddp`` (``ddp`` parses its own options)."""
    parser = argparse.ArgumentParser(prog="python -m mlp_lab", description="Programs of the mlp-lab course.",
                                     epilog="Options of a command: python -m mlp_lab COMMAND --help")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = commands.add_parser(
        "lab", help="the seed tutorial's lab: a 2-10-1 network trained with Adam on 10 points",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Train the seed tutorial's network (Linear(2, H) -> ReLU -> Linear(H, 1)) with full-batch "
        "Adam on its 10-point dataset and print its log in the seed's format: "
        f"'Epoch: N, Loss: x' every {SEED_SETTINGS['log_every']} epochs (--log-every), then 'Accuracy: a'. "
        "By default the corrected program runs (logit output, binary cross-entropy with logits); "
        "--faithful runs the seed's program as written, whose sigmoid output is fed to a with-logits loss.")
    s = SEED_SETTINGS
    p.add_argument("--epochs", type=positive_int, default=s["epochs"], help="training epochs (full batch), >= 1")
    p.add_argument("--lr", type=positive_float, default=s["lr"], help="Adam learning rate, > 0")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed for the initial weights, >= 0")
    p.add_argument("--device", default="auto", help="'auto' (CUDA when available, else CPU), 'cpu', 'cuda' or 'cuda:N'")
    p.add_argument("--hidden", type=positive_int, default=s["hidden"], help="hidden units, >= 1")
    p.add_argument("--log-every", type=positive_int, default=s["log_every"], help="epochs between log lines")
    p.add_argument("--faithful", action="store_true", help="reproduce the seed's program as written (sigmoid "
                   "output fed to binary_cross_entropy_with_logits); the first line printed says so")
    p.set_defaults(subparser=p)
    # Listed for --help only: main() hands `ddp` and its options to mlp_lab.pytorch.distributed.
    commands.add_parser("ddp", add_help=False, help="data-parallel training with torch.distributed on N local "
                        "ranks, compared with one process (python -m mlp_lab ddp --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ddp"]:
        from mlp_lab.pytorch import distributed  # imports torch

        return distributed.main(argv[1:], prog="python -m mlp_lab ddp")
    parser = build_parser()
    args = parser.parse_args(argv)  # the command is `lab`: `ddp` was handed over above
    from mlp_lab.pytorch import lab  # imports torch: only once the flags are known to be good
    from mlp_lab.pytorch.fit import resolve_device

    try:
        device = resolve_device(args.device)
    except (TypeError, ValueError) as exc:
        args.subparser.error(f"argument --device: {exc}")  # exits with status 2
    result = lab.run_lab(epochs=args.epochs, lr=args.lr, seed=args.seed, device=device, hidden=args.hidden,
                         faithful=args.faithful)
    print("\n".join(lab.format_lab_log(result, log_every=args.log_every)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
