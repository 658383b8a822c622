"""Shared fixtures: the repository layout and one strict build of the book per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
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


class Background:
    """A command that runs beside the tests from collection on; the tests that read it run last.

    Declared with :func:`background` (here, or at import by the test module that reads it), and
    started by :func:`pytest_collection_modifyitems` when a collected test carries the mark
    ``background(NAME)``. ``env``: changes to this process's environment (see :func:`environment`).
    ``after`` names a job that must end first (the PDF is printed from the
    build): the command then starts, in a thread, as soon as that job ends, whatever its exit
    status (the reading test reports it). ``nice`` lowers the command's CPU priority, so that it fills
    the cores the tests in the foreground leave idle instead of slowing them down. Output goes to
    ``stdout.log`` and ``stderr.log`` in :attr:`out`, a fresh folder that the command may write to.
    """

    def __init__(self, name: str, cmd, *, env: dict | None = None, nice: int = 0, after: str | None = None,
                 order: int = 0) -> None:
        self.name, self.cmd, self.env, self.nice, self.after, self.order = name, cmd, env, nice, after, order
        self.out: Path | None = None
        self.popen: subprocess.Popen | None = None
        self.args: list[str] = []
        self.done = threading.Event()  # set when the command has ended, or will never start
        self._thread: threading.Thread | None = None
        self._cancelled = False
        self.times: list[float] = []  # when it started and ended (time.monotonic())

    def start(self) -> None:
        """Start the command (after its ``after`` job ends); at most once per session.

        The command line and the environment are fixed now, when the tests are collected: not by
        whatever a test running at the moment a chained job starts has changed in ``os.environ``.
        """
        if self._thread is not None:
            return
        if self.after:
            JOBS[self.after].start()
        self.out = Path(tempfile.mkdtemp(prefix=f"mlp-lab-{self.name}-"))
        self.args = [str(a) for a in (self.cmd(self) if callable(self.cmd) else self.cmd)]
        env = environment({**(self.env or {}), "PYTHONUNBUFFERED": "1"})
        self._thread = threading.Thread(target=self._run, args=(env,), name=f"background {self.name}", daemon=True)
        self._thread.start()

    def _run(self, env: dict[str, str]) -> None:
        try:
            if self.after:
                JOBS[self.after].done.wait()
            with _LOCK:
                if self._cancelled:
                    return
                nice = shutil.which("nice") if self.nice else None
                with open(self.out / "stdout.log", "w") as out, open(self.out / "stderr.log", "w") as err:
                    # its own process group, so that it can be stopped with every process it started
                    self.popen = subprocess.Popen([nice, "-n", str(self.nice), *self.args] if nice else self.args,
                                                  cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
                self.times.append(time.monotonic())
            self.popen.wait()
            self.times.append(time.monotonic())
        except BaseException as exc:  # noqa: BLE001 - reported by the test that reads the job
            (self.out / "stderr.log").write_text(f"the background job {self.name} could not start: {exc!r}\n")
        finally:
            self.done.set()

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        """Wait for the command (starting it if no collected test did) and return its exit status and output.

        A command not finished after ``timeout`` seconds (waiting included) is stopped: return code -9,
        or None if it never started.
        """
        self.start()
        if not self.done.wait(timeout):
            self.stop()
        stdout, stderr = ((self.out / f"{name}.log").read_text(encoding="utf-8", errors="replace")
                          if (self.out / f"{name}.log").exists() else "" for name in ("stdout", "stderr"))
        code = self.popen.returncode if self.popen is not None else None
        return subprocess.CompletedProcess(self.args, code, stdout, stderr)

    def stop(self) -> None:
        """Stop the command and every process it started, or keep it from starting (the session ends, or time is up)."""
        with _LOCK:
            self._cancelled = True
        if self.popen is not None and self.popen.poll() is None:  # still running: its process group is its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        self.done.set()


def environment(changes: dict[str, str | None]) -> dict[str, str]:
    """This process's environment with ``changes``: a value of None removes the variable."""
    return {k: v for k, v in {**os.environ, **changes}.items() if v is not None}


JOBS: dict[str, Background] = {}
_LOCK = threading.Lock()  # a job is started, or cancelled, never both at once


def background(name: str, cmd, **options) -> Background:
    """Declare the background job ``name`` (once; a second declaration returns the first). See :class:`Background`."""
    return JOBS.setdefault(name, Background(name, cmd, **options))


# For jobs that share the 2 cores with the tests in the foreground: OpenMP's idle threads (PyTorch's)
# sleep instead of spinning, which would take CPU time from every other process. It changes no result
# (the order of every floating-point operation stays the same); the thread counts stay this machine's.
QUIET_THREADS = {"OMP_WAIT_POLICY": "PASSIVE"}

# The strict build of the book (`-W -n --keep-going`): it executes every chapter and is read by the
# zero-warning test (tests/test_book.py), the site test and the PDF (printed from it in the background).
BUILD = background(
    "build", lambda job: [*jupyter_book_command(), "build", "book/", "-W", "-n", "--keep-going",
                          "--path-output", job.out], env=QUIET_THREADS, order=0)


def _reads(item: pytest.Item) -> list[Background]:
    """The background jobs ``item`` reads: its ``background`` marks, less those whose ``unless`` variable is set."""
    names = [name for mark in item.iter_markers("background") if not os.environ.get(mark.kwargs.get("unless", ""))
             for name in mark.args]
    unknown = [name for name in names if name not in JOBS]
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: no background job named {unknown} (declare it with background())")
    return [JOBS[name] for name in names]


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the background jobs that the collected tests read, now; move those tests to the end.

    The jobs (the strict build, the PDF printed from it, the chapters under other CPU kernels) run
    beside the other tests, which mostly use one core, instead of holding up the session; the
    tests that read them run last, ordered by their jobs' ``order`` (the build first, the
    cross-kernel runs, which yield the CPU to everything else, last).
    """
    reads = {item: _reads(item) for item in items}
    readers = sorted((item for item in items if reads[item]), key=lambda item: max(j.order for j in reads[item]))
    if readers:
        items[:] = [item for item in items if not reads[item]] + readers
        if not config.option.collectonly:
            for job in sorted({j for item in readers for j in reads[item]}, key=lambda j: j.order):
                job.start()


_SESSION_START = time.monotonic()


def pytest_terminal_summary(terminalreporter) -> None:
    """When each background job ran, in seconds since the session started (where the suite's time goes)."""
    ran = [job for job in JOBS.values() if job.times]
    if ran:
        terminalreporter.write_sep("-", "background jobs (seconds since the session started)")
        for job in ran:
            start, end = job.times[0] - _SESSION_START, (job.times[1:] or [time.monotonic()])[0] - _SESSION_START
            state = f"exit {job.popen.returncode}" if len(job.times) > 1 else "still running, stopped"
            terminalreporter.write_line(f"{job.name}: {start:.0f} to {end:.0f} s ({end - start:.0f} s, nice "
                                        f"{job.nice}, {state})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop every background job still running (with the processes it started) and remove its folder."""
    for job in JOBS.values():
        job.stop()
        if job.out is not None:
            shutil.rmtree(job.out, ignore_errors=True)


@pytest.fixture(scope="session")
def strict_build() -> dict:
    """The strict build of the book (`-W -n --keep-going`) into a temporary folder, once per session.

    Started in the background when the tests were collected (:func:`pytest_collection_modifyitems`);
    this waits for it. Returns the command, its result (a :class:`subprocess.CompletedProcess` with
    the output) and the path of the built HTML. Tests that need the site (the zero-warning test,
    the browser test, the PDF test) share this one build.
    """
    proc = BUILD.result(timeout=1500)
    return {"cmd": proc.args, "proc": proc, "html": BUILD.out / "_build" / "html"}


def make_blobs(n_samples: int, *, n_classes: int, std: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around centres on a circle of radius 2 (test data)."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (K, 2)
    y = np.repeat(np.arange(n_classes), -(-n_samples // n_classes))[:n_samples]
    X = centres[y] + std * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return X[order], y[order]
