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
    requested by :func:`pytest_collection_modifyitems` when a collected test carries the mark
    ``background(NAME)``. Requested jobs start in the order of their ``order`` (then of declaration),
    at most :func:`_slots` at a time: one while tests run in the foreground (most of them use one of
    the 2 cores; the job uses the other), two while a test waits for a job. So the background
    work is spread over the whole session, and what is left of it when the last tests wait runs on
    both cores. ``after`` names a job whose output this one reads (the PDF is printed from the
    build): it starts only once that job has ended, whatever its exit status (the reading test
    reports it). ``env``: changes to this process's environment (see :func:`environment`), fixed
    when the job is requested. Output goes to ``stdout.log`` and ``stderr.log`` in :attr:`out`, a
    fresh folder that the command may write to.
    """

    def __init__(self, name: str, cmd, *, env: dict | None = None, after: str | None = None, order: int = 0) -> None:
        self.name, self.cmd, self.env, self.after, self.order = name, cmd, env, after, order
        self.out: Path | None = None
        self.popen: subprocess.Popen | None = None
        self.args: list[str] = []
        self.done = threading.Event()  # set when the command has ended, or will never start
        self.times: list[float] = []  # when it started and ended (time.monotonic())
        self._env: dict[str, str] = {}
        self._cancelled = False

    def request(self) -> None:
        """Queue the command (and the job it reads, first); it starts when a slot is free. At most once."""
        if self.out is not None:
            return
        if self.after:
            JOBS[self.after].request()
        # Fixed now, at collection: not whatever a test running when the job starts has put in os.environ.
        self.out = Path(tempfile.mkdtemp(prefix=f"mlp-lab-{self.name}-"))
        self.args = [str(a) for a in (self.cmd(self) if callable(self.cmd) else self.cmd)]
        self._env = environment({**(self.env or {}), "PYTHONUNBUFFERED": "1"})
        with _COND:
            _dispatch()

    def _launch(self) -> None:
        """Start the command now (called by :func:`_dispatch`, which holds the lock)."""
        try:
            with open(self.out / "stdout.log", "w") as out, open(self.out / "stderr.log", "w") as err:
                # its own process group, so that it can be stopped with every process it started
                self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self._env, stdout=out, stderr=err,
                                              process_group=0)
        except OSError as exc:
            (self.out / "stderr.log").write_text(f"the background job {self.name} could not start: {exc!r}\n")
            self.done.set()
            return
        self.times.append(time.monotonic())
        threading.Thread(target=self._watch, name=f"background {self.name}", daemon=True).start()

    def _watch(self) -> None:
        self.popen.wait()
        self.times.append(time.monotonic())
        with _COND:
            self.done.set()
            _dispatch()
            _COND.notify_all()

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        """Wait for the command (queueing it if no collected test did) and return its exit status and output.

        While a test waits, two jobs may run at a time. A command not finished after ``timeout``
        seconds (waiting in the queue included) is stopped: return code -9, or None if it never started.
        """
        global _WAITING
        self.request()
        with _COND:
            _WAITING += 1
            _dispatch()
            try:
                finished = _COND.wait_for(self.done.is_set, timeout)
            finally:
                _WAITING -= 1
        if not finished:
            self.stop()
        stdout, stderr = ((self.out / f"{name}.log").read_text(encoding="utf-8", errors="replace")
                          if (self.out / f"{name}.log").exists() else "" for name in ("stdout", "stderr"))
        code = self.popen.returncode if self.popen is not None else None
        return subprocess.CompletedProcess(self.args, code, stdout, stderr)

    def stop(self) -> None:
        """Stop the command and every process it started, or keep it from starting (the session ends, or time is up)."""
        with _COND:
            self._cancelled = True
            if self.popen is None:
                self.done.set()
                _COND.notify_all()
        if self.popen is not None and self.popen.poll() is None:  # still running: its process group is its own
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def environment(changes: dict[str, str | None]) -> dict[str, str]:
    """This process's environment with ``changes``: a value of None removes the variable."""
    return {k: v for k, v in {**os.environ, **changes}.items() if v is not None}


JOBS: dict[str, Background] = {}
_COND = threading.Condition()  # guards the jobs' start, end and cancellation, and _WAITING
_WAITING = 0  # tests waiting for a job right now


def _slots() -> int:
    """Background jobs at a time: 1 while tests run in the foreground, 2 while a test waits (2 cores)."""
    return 2 if _WAITING else 1


def _dispatch() -> None:
    """Start queued jobs, in order, while slots are free (called with _COND held)."""
    running = sum(job.popen is not None and not job.done.is_set() for job in JOBS.values())
    queued = [job for job in JOBS.values() if job.out is not None and job.popen is None and not job._cancelled
              and not job.done.is_set()]
    for job in sorted(queued, key=lambda job: job.order):  # stable: declaration order within an order
        if running >= _slots():
            break
        if job.after and not JOBS[job.after].done.is_set():
            continue
        job._launch()
        running += job.popen is not None


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
    """Queue the background jobs that the collected tests read (the first starts now); move those tests to the end.

    The jobs (the strict build, the PDF printed from it, the chapters under other CPU kernels) run
    beside the other tests, which mostly use one core, instead of holding up the session; the
    tests that read them run last, ordered by their jobs' ``order`` (the build first).
    """
    reads = {item: _reads(item) for item in items}
    readers = sorted((item for item in items if reads[item]), key=lambda item: max(j.order for j in reads[item]))
    if readers:
        items[:] = [item for item in items if not reads[item]] + readers
        if not config.option.collectonly:
            for job in sorted({j for item in readers for j in reads[item]}, key=lambda j: j.order):
                job.request()


_SESSION_START = time.monotonic()


def pytest_terminal_summary(terminalreporter) -> None:
    """When each background job ran, in seconds since the session started (where the suite's time goes)."""
    ran = [job for job in JOBS.values() if job.times]
    if ran:
        terminalreporter.write_sep("-", "background jobs (seconds since the session started)")
        for job in ran:
            start, end = job.times[0] - _SESSION_START, (job.times[1:] or [time.monotonic()])[0] - _SESSION_START
            state = f"exit {job.popen.returncode}" if len(job.times) > 1 else "still running, stopped"
            terminalreporter.write_line(f"{job.name}: {start:.0f} to {end:.0f} s ({end - start:.0f} s, {state})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop every background job still running (with the processes it started) and remove its folder."""
    with _COND:
        for job in JOBS.values():
            job._cancelled = True  # first, so that no job starts as another one is stopped
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
