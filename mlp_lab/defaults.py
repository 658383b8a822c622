"""The seed lab's settings, written once.

The seed tutorial trains a 2-10-1 network with Adam, learning rate 0.01, for 100 epochs, and
prints its loss every 20 epochs. :mod:`mlp_lab.pytorch.lab` (its defaults), the command line
``python -m mlp_lab lab`` and ``python -m benchmarks fit`` all read them from here. This
module imports nothing, so the command line can answer ``--help`` without importing torch.
"""

__all__ = ["SEED_SETTINGS"]

#: The seed program's settings: hidden units, Adam's learning rate, epochs, epochs between log lines.
SEED_SETTINGS: dict[str, int | float] = {"hidden": 10, "lr": 0.01, "epochs": 100, "log_every": 20}
