"""The PyTorch side of the course: :func:`fit` (:mod:`.fit`), the seed tutorial's lab (:mod:`.lab`)
and data-parallel training (:mod:`.distributed`).

``from mlp_lab.pytorch import fit, History`` gives the trainer; the lab and the distributed
runner are imported as modules (``from mlp_lab.pytorch import lab``).
"""

from mlp_lab.pytorch.fit import History, TrainingDiverged, fit, make_optimizer, resolve_device

__all__ = ["History", "TrainingDiverged", "fit", "make_optimizer", "resolve_device"]
