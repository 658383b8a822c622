"""The NumPy engine the chapters derive, one idea per module.

==================  =====================================================================
``activations``     :math:`g` and :math:`g'` in one table (chapters 1, 3)
``losses``          softmax, cross-entropy, binary cross-entropy, MSE and their gradients (2)
``mlp``             :class:`MLP`: forward pass and backpropagation as their equations (1, 3)
``gradcheck``       central differences and the relative error (3)
``value``           :class:`~mlp_lab.scratch.value.Value`, scalar autograd in a few lines (3)
``optim``           :class:`~mlp_lab.scratch.optim.SGD` and :class:`~mlp_lab.scratch.optim.Adam` (4)
``train``           :func:`train`, the one NumPy training loop (4-8)
``schedules``       learning-rate schedules and gradient clipping (4)
``dropout``         inverted dropout (6)
``inplace``         chapter 9's lesson: the same engine with preallocated buffers
==================  =====================================================================

``from mlp_lab.scratch import MLP, train`` gives the two names most chapters use.
"""

from mlp_lab.scratch.mlp import MLP
from mlp_lab.scratch.train import Curves, train

__all__ = ["MLP", "Curves", "train"]
