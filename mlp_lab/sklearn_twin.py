r"""scikit-learn's ``MLPClassifier`` initial weights, for the NumPy engine and a PyTorch twin (chapter 8).

Chapter 8 trains the same network three ways (scikit-learn, :class:`mlp_lab.scratch.MLP`,
PyTorch) from the same starting point; these two functions give that starting point.
"""

from collections.abc import Sequence

import numpy as np

__all__ = ["sklearn_init", "torch_model"]


def sklearn_init(sizes: Sequence[int], seed: int) -> tuple[list[np.ndarray], list[np.ndarray], np.random.RandomState]:
    r"""scikit-learn's initial weights for ``MLPClassifier(random_state=seed)`` with ReLU, in the book's layout.

    ``MLP._init_coef`` draws, layer by layer, ``coef`` ``(n_in, n_out)`` then the ``intercept``, both
    uniform on :math:`[-a, a]` with :math:`a = \sqrt{6 / (n_{in} + n_{out})}` (Glorot & Bengio's
    uniform bound), from ``np.random.RandomState(seed)``.

    Returns
    -------
    weights : list of ndarray, shapes ``(n_l, n_{l-1})`` (scikit-learn's ``coefs_`` transposed)
    biases : list of ndarray, shapes ``(n_l,)``
    random_state : numpy.random.RandomState
        The generator after the draws; scikit-learn goes on to shuffle with it.
    """
    rs = np.random.RandomState(seed)
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = np.sqrt(6.0 / (n_in + n_out))
        weights.append(np.ascontiguousarray(rs.uniform(-bound, bound, (n_in, n_out)).T))  # (n_l, n_{l-1})
        biases.append(rs.uniform(-bound, bound, n_out))  # (n_l,)
    return weights, biases, rs


def torch_model(sizes: Sequence[int], seed: int):
    """``nn.Sequential(Linear, ReLU, Linear)`` in float32 (PyTorch's default) with :func:`sklearn_init`'s weights."""
    import torch
    from torch import nn

    weights, biases, _ = sklearn_init(sizes, seed)
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))
    with torch.no_grad():
        for layer, W, b in zip((model[0], model[2]), weights, biases, strict=True):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    return model
