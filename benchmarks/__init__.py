"""Benchmarks of mlp_lab, outside the package: ``python -m benchmarks COMMAND`` (see README.md here)."""
