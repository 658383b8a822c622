"""Benchmarks of the course's engines, run from the command line (never on import).

``python -m mlp_lab.bench engine``
    One forward + backward step of :class:`mlp_lab.scratch.MLP` against the same network
    in PyTorch eager mode, as a fraction of the machine's large-matmul rate
    (:mod:`mlp_lab.bench.engine`).
``python -m mlp_lab.bench sklearn``
    The comparison with scikit-learn (:mod:`mlp_lab.bench.sklearn`).

Add ``--help`` after a command for its options.
"""
