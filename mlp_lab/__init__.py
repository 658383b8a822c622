"""mlp_lab: the tested helper library behind the mlp-lab course.

Conventions used everywhere (see the book's notation page):

* arrays are NumPy, float64 unless stated; **rows are samples**: ``X`` has shape ``(m, n_0)``;
* layer ``l`` computes ``Z = A_prev @ W.T + b`` with ``W`` of shape ``(n_l, n_{l-1})`` and
  ``b`` of shape ``(n_l,)``, which is the book's per-sample ``z = W a + b`` applied to each row
  and the same layout as :class:`torch.nn.Linear`.

Importing the package has no side effects: submodules are imported on use
(``from mlp_lab.scratch import losses`` or ``import mlp_lab.scratch.losses``).
"""

__version__ = "0.1.0"
