"""`ruff check` is clean over the code (library, tests, tools, benchmarks) and over the chapters' code cells.

The chapters are linted as the paired notebooks (``notebooks/*.ipynb``, whose code cells are the
text notebooks' ``book/*.md`` cells, kept identical by the pairing check): ruff reads notebooks
natively, and a path named on the command line is linted although the settings exclude
``notebooks`` from a plain ``ruff check``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize("paths", [["mlp_lab", "tests", "tools", "benchmarks"],
                                   sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))],
                         ids=["code", "chapters"])
def test_ruff_is_clean(paths):
    cmd = [str(RUFF) if RUFF.exists() else "ruff", "check", "--output-format", "concise", *paths]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
