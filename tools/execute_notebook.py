"""Execute a chapter and store it in the form JupyterLab saves (the documented regeneration command).

    python tools/execute_notebook.py book/NN-name.md [book/MM-name.md ...]

For each chapter: `jupytext --sync --execute book/NN-name.md` (runs the text notebook, writes the
paired notebooks/NN-name.ipynb with outputs), then `tools/normalize_notebooks.py` on the pair, so
that a learner who opens it in JupyterLab, runs all and saves changes nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    if not argv or any(not a.endswith(".md") for a in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    jupytext = Path(sys.executable).with_name("jupytext")
    for md in argv:
        subprocess.run([str(jupytext) if jupytext.exists() else "jupytext", "--sync", "--execute", md],
                       cwd=ROOT, check=True)
    return subprocess.run([sys.executable, str(ROOT / "tools" / "normalize_notebooks.py"), *argv], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
