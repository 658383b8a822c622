"""The one place for what the PDF tool and the browser tests share: the pages, Chromium, a local server.

* :func:`toc_pages`: every page of ``_toc.yml`` in reading order.
* :data:`CHROMIUM`: the browser executable, the Debian ``chromium`` package at ``/usr/bin/chromium``
  unless ``MLP_LAB_CHROMIUM`` names another. Never a downloaded browser (no ``playwright install``).
* :data:`CHROMIUM_ARGS`: how every headless Chromium of the project is launched (no sandbox, no GPU,
  no background traffic, no first-run or sync prompts, no QUIC).
* :func:`chromium_problem`: ``None`` when the executable is there, else the sentence that says how to
  install it.
* :func:`serve`: a folder served from 127.0.0.1 on a free port by a thread of :mod:`http.server`,
  with the types a built site needs (fonts, notebooks), and no request log on the terminal.
* :func:`free_port`: a TCP port on 127.0.0.1 that is free now, for a server started in another process
  (JupyterLab in ``tests/test_jupyterlab.py``). The project's one free-port helper.

``tools/build_pdf.py`` imports it from its own folder; the tests put ``tools/`` on ``sys.path``
(``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml

CHROMIUM = Path(os.environ.get("MLP_LAB_CHROMIUM", "/usr/bin/chromium"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def toc_pages(toc_file: Path) -> list[str]:
    """Every page ``toc_file`` lists, in reading order: the root, then the parts' chapters and their sections."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return pages


def chromium_problem(chromium: Path = CHROMIUM) -> str | None:
    """``None`` if ``chromium`` is an executable file, else what to do about it."""
    if chromium.is_file() and os.access(chromium, os.X_OK):
        return None
    return (
        f"no Chromium at {chromium}. Install the Debian/Ubuntu packages: "
        "`sudo apt-get install chromium chromium-driver` (.ci/run does this), or set MLP_LAB_CHROMIUM "
        "to a Chromium executable. Do not run `playwright install`: only the system browser is used."
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".ipynb": "application/x-ipynb+json",
        ".md": "text/markdown; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # the browser side keeps the request log


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` from 127.0.0.1 on a free port while the block runs; yields the base URL.

    The URL has no trailing slash (``http://127.0.0.1:PORT``). The server runs in a daemon
    thread and is shut down and closed when the block ends.
    """
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
