"""The course's Python kernel: ipykernel, ending without a last garbage collection.

The course's kernelspec (``jupyter-config/share/jupyter/kernels/python3/kernel.json``) starts
``python -m mlp_lab.course.kernel`` where ipykernel's own starts ``python -m ipykernel_launcher``;
everything else is ipykernel's. When a kernel is shut down, Python's finalisation runs a garbage
collection over every object still alive: with PyTorch, matplotlib and scikit-learn loaded, about
a second per chapter (a kernel with them loaded shuts down in 1.4 s, in 0.3 s with this), paid by
the book's build, by every test run and by JupyterLab once per chapter. A kernel's objects are
thrown away with its process anyway, so nothing needs that collection: ``gc.freeze`` at exit moves
them all out of the collector's reach, and the operating system takes the memory back.
"""

from __future__ import annotations

import atexit
import gc
import sys
from pathlib import Path


def main() -> None:
    """Launch an ipykernel (its command-line arguments, e.g. ``-f connection_file``), as ipykernel_launcher does."""
    # As ipykernel_launcher: the working directory leaves sys.path while ipykernel loads (the kernel
    # puts it back), so that a file named like a module there cannot shadow one.
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]
    from ipykernel import kernelapp

    atexit.register(gc.freeze)
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
