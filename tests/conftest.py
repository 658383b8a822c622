"""Shared fixtures: the repository layout and one strict build of the book per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"


def jupyter_book_command() -> list[str]:
    """The `jupyter-book` executable of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed: run `python -m pip install -r requirements.txt`")
    return [found]


@pytest.fixture(scope="session")
def strict_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the book once, strictly (`-W -n --keep-going`), into a temporary folder.

    Returns the process result and the path of the built HTML. Tests that need the site
    (the zero-warning test, the browser test) share this one build.
    """
    out = tmp_path_factory.mktemp("book-build")
    cmd = [*jupyter_book_command(), "build", "book/", "-W", "-n", "--keep-going", "--path-output", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=1500)
    return {"cmd": cmd, "proc": proc, "html": out / "_build" / "html"}
