"""Shared fixtures: the repository layout and one strict build of the book per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))  # the tools' modules (browser.py: Chromium and the local server; build_pdf.py)


def jupyter_book_command() -> list[str]:
    """The `jupyter-book` executable of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed: run `python -m pip install -r requirements.txt`")
    return [found]


_build: dict = {}


def _reads_the_build(item: pytest.Item) -> bool:
    """Whether ``item`` is marked ``book_build`` (and not pointed at another build by the marker's ``unless``)."""
    mark = item.get_closest_marker("book_build")
    return mark is not None and not os.environ.get(mark.kwargs.get("unless", ""))


def start_strict_build() -> None:
    """Start the strict build of the book (`-W -n --keep-going`) in the background, once per session."""
    if _build:
        return
    out = Path(tempfile.mkdtemp(prefix="mlp-lab-book-build-"))
    cmd = [*jupyter_book_command(), "build", "book/", "-W", "-n", "--keep-going", "--path-output", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logs = [open(out / f"{name}.log", "w+", encoding="utf-8") for name in ("stdout", "stderr")]
    # its own process group, so that the kernels it starts can be stopped with it
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=logs[0], stderr=logs[1], text=True, env=env, start_new_session=True)
    _build.update(cmd=cmd, popen=proc, logs=logs, out=out)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the tests marked ``book_build`` to the end, and start the build now.

    The build executes every chapter on one core for about two minutes; started at the
    beginning, it runs beside the other tests (most of them use one core too) instead of
    holding up the session.
    """
    readers = [item for item in items if _reads_the_build(item)]
    if readers:
        items[:] = [item for item in items if not _reads_the_build(item)] + readers
        if not config.option.collectonly:
            start_strict_build()


def _stop_build() -> None:
    """Stop the build and every process it started (a session that ends early, or a build past its time)."""
    if _build["popen"].poll() is None:  # still running, so its process group is its own
        with contextlib.suppress(ProcessLookupError):
            os.killpg(_build["popen"].pid, signal.SIGKILL)
        _build["popen"].wait()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _build:
        _stop_build()
        for log in _build["logs"]:
            log.close()
        shutil.rmtree(_build["out"], ignore_errors=True)


@pytest.fixture(scope="session")
def strict_build() -> dict:
    """The strict build of the book (`-W -n --keep-going`) into a temporary folder, once per session.

    Started in the background when the tests were collected (:func:`pytest_collection_modifyitems`);
    this waits for it. Returns the command, its result (a :class:`subprocess.CompletedProcess` with
    the output) and the path of the built HTML. Tests that need the site (the zero-warning test,
    the browser test, the PDF test) share this one build.
    """
    start_strict_build()  # if a test asks for it without the book_build mark
    proc = _build["popen"]
    try:
        proc.wait(timeout=1500)
    except subprocess.TimeoutExpired:
        _stop_build()
    for log in _build["logs"]:
        log.seek(0)
    stdout, stderr = (log.read() for log in _build["logs"])
    result = subprocess.CompletedProcess(_build["cmd"], proc.returncode, stdout, stderr)
    return {"cmd": _build["cmd"], "proc": result, "html": _build["out"] / "_build" / "html"}


def make_blobs(n_samples: int, *, n_classes: int, std: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around centres on a circle of radius 2 (test data)."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (K, 2)
    y = np.repeat(np.arange(n_classes), -(-n_samples // n_classes))[:n_samples]
    X = centres[y] + std * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return X[order], y[order]
