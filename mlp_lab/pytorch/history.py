"""The per-epoch record of a training run: :class:`History`, returned by :func:`mlp_lab.pytorch.fit`."""

from typing import Any

from mlp_lab._validation import Options, validate_one

__all__ = ["History"]


class History(dict):
    """Per-epoch record of a :func:`~mlp_lab.pytorch.fit` run.

    Columns (lists with one value per epoch, epochs numbered from 1):

    ``epoch``
        1, 2, ..., ``epochs``.
    ``loss``
        Mean training loss over the epoch's batches, each computed before its step.
    ``val_loss``
        Validation loss after the epoch's last step (only with validation data).
    ``<metric>`` / ``val_<metric>``
        Each requested metric on the training / validation data after the epoch.

    ``params`` holds the settings of the run (loss, optimizer, lr, device, dtype, ...).
    ``history["loss"]`` is a column, :meth:`plot` draws the curves, and
    ``pandas.DataFrame(history.as_dict())`` makes a table.
    """

    def __init__(self, columns: dict[str, list[float]], *, params: dict[str, Any]) -> None:
        super().__init__((name, list(values)) for name, values in columns.items())
        self.params = dict(params)

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers, ``[1, 2, ..., epochs]``."""
        return [int(e) for e in self["epoch"]]

    def keys(self) -> list[str]:
        """Column names, ``"epoch"`` first."""
        return list(super().keys())

    def __missing__(self, name: str) -> list[float]:
        raise KeyError(f"History has no column {name!r}; it has {', '.join(map(repr, self.keys()))}")

    def __len__(self) -> int:
        """The number of epochs."""
        return len(self["epoch"])

    @property
    def final(self) -> dict[str, float]:
        """The last epoch's values, e.g. ``{"loss": 0.12, "accuracy": 1.0}`` (no ``epoch``)."""
        return {name: values[-1] for name, values in self.items() if name != "epoch"}

    def as_dict(self) -> dict[str, list[float]]:
        """A copy of all columns as plain lists."""
        return {name: list(values) for name, values in self.items()}

    def plot(self, ax=None, *, metric: str = "loss", title: str | None = None):
        """Draw the training (and validation) curve of ``metric`` against the epoch.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when omitted.
        metric : str
            ``"loss"`` (default) or a recorded metric such as ``"accuracy"``.
        title : str, optional
            The axes title; a default naming the metric is used when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        validate_one("metric", metric, [Options(k for k in self.keys()[1:] if not k.startswith("val_"))])
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.epochs, self[metric], label=f"train {metric}")
        if f"val_{metric}" in self:
            ax.plot(self.epochs, self[f"val_{metric}"], label=f"validation {metric}")
        ax.set(xlabel="epoch", ylabel=metric, title=title if title is not None else f"{metric} per epoch")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.final.items())
        return f"History(epochs={len(self)}, {last})"
