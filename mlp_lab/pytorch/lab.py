"""The seed tutorial's lab, in PyTorch: its network, its training run, and its log format.

The seed's Rust program (tch-rs) trains a 2-10-1 network (ReLU hidden layer) with Adam,
``lr = 0.01``, for 100 full-batch epochs on :func:`mlp_lab.data.rust_lab_dataset`,
printing ``Epoch: N, Loss: x`` every 20 epochs and ``Accuracy: a`` at the end.

Two versions are provided:

* **corrected** (default): the network outputs one logit per sample and the loss is
  binary cross-entropy with logits, :math:`\\ell(z, y) = \\log(1 + e^{z}) - y z`;
  a point is predicted as class 1 when :math:`z \\ge 0`, i.e. :math:`\\sigma(z) \\ge 0.5`.
* **faithful** (``faithful=True``): the seed's program as written, whose network ends in
  a sigmoid whose output :math:`s = \\sigma(z)` is then passed to the *with-logits* loss,
  so the sigmoid is applied twice and the loss optimised is :math:`\\ell(\\sigma(z), y)`.
  Its accuracy is computed as the seed does, :math:`s \\ge 0.5`. The seed's program would
  stop before training (a flat input tensor, float64 data in a float32 network, targets
  of shape (10,) against outputs (10, 1)); those are fixed here so that it runs.

Nothing here prints; :func:`format_lab_log` returns the lines the command line prints.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from mlp_lab._validation import POSITIVE_INT, SEED, Options, validate
from mlp_lab.data import Standardizer, rust_lab_dataset
from mlp_lab.defaults import SEED_SETTINGS
from mlp_lab.pytorch.fit import History, fit, resolve_device

__all__ = ["FAITHFUL_NOTE", "SEED_EXPECTED", "SEED_SETTINGS", "LabResult", "build_seed_network", "format_lab_log",
           "lab_accuracy", "run_lab", "tch_linear_init_"]


#: The seed's "expected output (approximate)": loss at epochs 20..100 and the final accuracy.
SEED_EXPECTED = {"losses": {20: 0.45, 40: 0.30, 60: 0.22, 80: 0.18, 100: 0.15}, "accuracy": 0.90}

#: First line printed by ``python -m mlp_lab lab --faithful``.
FAITHFUL_NOTE = (
    "Faithful reproduction of the seed's program, bug included: the network ends in a sigmoid "
    "and its output is passed to binary_cross_entropy_with_logits (sigmoid applied twice). "
    "Fixed only so that it runs: X reshaped to (10, 2), data cast to float32, y shaped (10, 1)."
)


def tch_linear_init_(layer: nn.Linear) -> nn.Linear:
    """Re-initialise ``layer`` as tch-rs's ``nn::linear(.., Default::default())`` does.

    tch-rs draws the weights from Kaiming-uniform with the ReLU gain,
    :math:`W \\sim U(-\\sqrt{6/n_{in}}, \\sqrt{6/n_{in}})`, and the bias from
    :math:`U(-1/\\sqrt{n_{in}}, 1/\\sqrt{n_{in}})`. PyTorch's :class:`torch.nn.Linear` uses
    the same bias range but :math:`U(-1/\\sqrt{n_{in}}, 1/\\sqrt{n_{in}})` for the weights too,
    a range :math:`\\sqrt 6 \\approx 2.45` times narrower.
    """
    n_in = layer.in_features
    with torch.no_grad():
        layer.weight.uniform_(-math.sqrt(6.0 / n_in), math.sqrt(6.0 / n_in))
        if layer.bias is not None:
            layer.bias.uniform_(-1.0 / math.sqrt(n_in), 1.0 / math.sqrt(n_in))
    return layer


def build_seed_network(hidden: int = SEED_SETTINGS["hidden"], *, faithful: bool = False, init: str = "tch",
                       seed: int = 0) -> nn.Sequential:
    """The seed's 2-``hidden``-1 network: ``Linear(2, hidden) -> ReLU -> Linear(hidden, 1)``.

    Parameters
    ----------
    hidden : int
        Hidden units (the seed uses 10).
    faithful : bool
        Append the seed's final ``Sigmoid`` (then the output is a probability, not a logit).
    init : {"tch", "torch"}
        ``"tch"`` mirrors tch-rs's default initialisation (:func:`tch_linear_init_`), the
        library the seed used; ``"torch"`` keeps PyTorch's default.
    seed : int
        Seeds the initial weights (inside :func:`torch.random.fork_rng`, so the caller's
        global RNG is untouched).

    Returns
    -------
    torch.nn.Sequential
        float32, on the CPU; the output has shape (m, 1).
    """
    validate({"hidden": POSITIVE_INT, "seed": SEED, "init": [Options(("tch", "torch"))]}, hidden=hidden, seed=seed,
             init=init)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        first, last = nn.Linear(2, hidden), nn.Linear(hidden, 1)
        if init == "tch":
            tch_linear_init_(first), tch_linear_init_(last)
    return nn.Sequential(first, nn.ReLU(), last, *([nn.Sigmoid()] if faithful else []))


def lab_accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, faithful: bool) -> float:
    """Fraction of points classified correctly, as the seed computes it.

    ``faithful=True``: the output is a sigmoid probability, class 1 when it is ``>= 0.5``
    (the seed's ``.ge(0.5)``). Otherwise the output is a logit, class 1 when it is ``>= 0``.
    ``X`` (m, 2) and ``y`` (m, 1) must be on the model's device and dtype.
    """
    with torch.no_grad():
        out = model(X)  # (m, 1)
        pred = (out >= (0.5 if faithful else 0.0)).to(y.dtype)  # (m, 1)
        return float((pred == y).sum()) / y.shape[0]


@dataclass(frozen=True)
class LabResult:
    """What :func:`run_lab` returns.

    Attributes
    ----------
    losses : list of float
        Training loss of every epoch (computed in the epoch's forward pass, before the step),
        as the seed prints it.
    accuracy : float
        Final training accuracy, computed the seed's way (see :func:`lab_accuracy`).
    history : History
        The full :class:`~mlp_lab.pytorch.History` from :func:`~mlp_lab.pytorch.fit`.
    model : torch.nn.Sequential
        The trained network.
    faithful : bool
        Whether this was the faithful (buggy) program.
    device : str
        Where it ran.
    """

    losses: list[float]
    accuracy: float
    history: History
    model: nn.Sequential
    faithful: bool
    device: str


def run_lab(*, epochs: int = SEED_SETTINGS["epochs"], lr: float = SEED_SETTINGS["lr"], seed: int = 0,
            device: str | torch.device = "auto", hidden: int = SEED_SETTINGS["hidden"], faithful: bool = False,
            standardize: bool = False, init: str = "tch") -> LabResult:
    """Train the seed's network on the seed's data with the seed's settings (by default).

    Full-batch Adam (Kingma & Ba, 2015; PyTorch's defaults besides ``lr``), float32, through
    :func:`mlp_lab.pytorch.fit` with ``loss="bce"`` (which checks ``epochs`` and ``lr``).

    Parameters
    ----------
    epochs, lr, hidden : int, float, int
        The seed's 100, 0.01 and 10 by default (:data:`mlp_lab.defaults.SEED_SETTINGS`).
    seed : int
        Seeds the initial weights (:func:`build_seed_network`) and ``fit``.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
        Where to train; ``"auto"`` picks CUDA when available.
    faithful : bool
        Run the seed's program as written (sigmoid output into the with-logits loss).
    standardize : bool
        Scale the features with :class:`~mlp_lab.data.Standardizer` first (the seed does not).
    init : {"tch", "torch"}
        Initial weights as tch-rs draws them (default) or as PyTorch does.

    Returns
    -------
    LabResult
        Per-epoch losses, the final accuracy computed the seed's way, the History and the model.
    """
    dev = resolve_device(device)
    X, y = rust_lab_dataset()  # (10, 2), (10,) float64
    if standardize:
        X = Standardizer().fit_transform(X)
    model = build_seed_network(hidden, faithful=faithful, init=init, seed=seed)
    # The faithful network's output is a probability, so fit's logit-based accuracy would
    # be meaningless for it; the seed's accuracy is computed below for both versions.
    history = fit(model, X, y, loss="bce", optimizer="adam", lr=lr, epochs=epochs,
                  metrics=() if faithful else ("accuracy",), seed=seed, device=dev)
    X_t = torch.as_tensor(X, dtype=torch.float32, device=dev)  # (10, 2)
    y_t = torch.as_tensor(y, dtype=torch.float32, device=dev).reshape(-1, 1)  # (10, 1)
    accuracy = lab_accuracy(model, X_t, y_t, faithful=faithful)
    return LabResult(losses=history["loss"], accuracy=accuracy, history=history, model=model, faithful=faithful,
                     device=str(dev))


def format_lab_log(result: LabResult, *, log_every: int = SEED_SETTINGS["log_every"], note: bool = True) -> list[str]:
    """The lines the seed's program prints: ``Epoch: N, Loss: x`` every ``log_every`` epochs, then ``Accuracy: a``.

    Losses are shown to 3 decimals and the accuracy to 2 (the seed's expected output shows
    2 for both; a 4th decimal of a float32 loss can differ between CPUs' kernels). A faithful
    run is preceded by :data:`FAITHFUL_NOTE` when ``note`` is true.
    """
    validate({"log_every": POSITIVE_INT}, log_every=log_every)
    epochs = [f"Epoch: {e}, Loss: {J:.3f}" for e, J in enumerate(result.losses, start=1) if e % log_every == 0]
    return [FAITHFUL_NOTE] * (result.faithful and note) + epochs + [f"Accuracy: {result.accuracy:.2f}"]
