"""The chapters in JupyterLab, as a learner uses them: rendered MyST, a clean run, a clean repository.

The slow test starts JupyterLab (the project's settings, installed into the environment by the
README's set-up) on 127.0.0.1 with a free port and a token, on a throw-away git copy of the working
tree, and drives it with the system Chromium through Playwright (never a downloaded browser). In the
copy every chapter's `.ipynb` is first made newer than its `.md` twin, half of them by `touch`, half
by `git checkout` of the notebook (what a learner's `git checkout`/`git pull` does): Jupytext must
still open them. For each chapter it opens `notebooks/NN-name.ipynb`, checks that it opened without
the unsaved-changes mark once its kernel has started, that the MyST of every markdown cell rendered
(no role, directive fence, option line or `$$` left as text), that every glued number shows, in
its place, the value the site shows for it (myst-nb's own formatting of the value stored in the
chapter's outputs; `[not stored]` where the output is not kept) and that gated solutions are folded;
for the chapters it runs (`RUN`, see below) it runs all cells and checks that none printed an
error; it saves every chapter, then opens the `.md` twin as a Jupytext notebook (in a background
tab) and saves it too.
Afterwards `git status --porcelain` of the copy must be empty, with no exemption: the committed
files are in the form JupyterLab writes, and the timing cells' outputs are not stored (the pre-save
hook drops them). The server and every kernel it started are stopped at the end.

Which chapters run: executing a chapter is evidence about JupyterLab's form of outputs and about the
pre-save hook, which do not depend on the chapter; whether every chapter's outputs are reproducible
is nbval's and tests/test_kernels.py's evidence (text and figures). So by default the test runs
three chapters that between them hold every kind of output the course stores (stream text, HTML
checker verdicts, figures, glue records, timing cells, folded solutions) and opens, checks and saves
all of them.

The fast tests check that the set-up installed the project's Jupyter settings and that every
chapter pair is normalised (`python tools/normalize_notebooks.py`).

Environment overrides: MLP_LAB_CHROMIUM (the browser), MLP_LAB_SCREENSHOTS (where a screenshot of
each chapter's first exercise, of the first glued numbers of chapters 01 and 09, and the run-all times
are written, default /tmp/mlp-lab-screenshots),
MLP_LAB_JUPYTERLAB_CHAPTERS (comma-separated name prefixes, e.g. `01,03`, to check only those),
MLP_LAB_JUPYTERLAB_RUN (name prefixes of the chapters to run, default `00,01,03`; `all` for every one),
MLP_LAB_JUPYTERLAB_JOBS (chapters open at a time, default 3).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from playwright.async_api import async_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, chromium_problem, free_port
from conftest import NOTEBOOKS, ROOT

SCREENSHOTS = Path(os.environ.get("MLP_LAB_SCREENSHOTS", "/tmp/mlp-lab-screenshots"))
JOBS = max(1, int(os.environ.get("MLP_LAB_JUPYTERLAB_JOBS", "3")))
PROJECT_CONFIG = ROOT / "jupyter-config"
RUN_TIMEOUT_MS = 240_000
RUN = os.environ.get("MLP_LAB_JUPYTERLAB_RUN", "00,01,03")
GLUE_PROBLEMS: list[str] | None = None  # what test_chapters_in_jupyterlab found about glued numbers

# A glue role in a markdown cell's source. jupyterlab-myst alone shows its content (the glued name,
# e.g. `fwd_random_acc:.1f`); the course's contents manager hands JupyterLab the value instead.
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")
GLUE_SCREENSHOTS = ("01", "09")  # chapters whose first glued paragraph is shot: values; [not stored]
UNESCAPE = re.compile(r"\\([!-/:-@[-`{-~])")  # a backslash before ASCII punctuation: Markdown's escape
NOT_STORED = "[not stored]"  # as rendered (mlp_lab.course.glue_prose.NOT_STORED is its Markdown)
# Text that reads as MyST markup, searched in the rendered markdown with code and maths removed.
RAW_MYST = ["{ref}", "{doc}", "{eq}", "{cite}", "{glue", "{term}", "{numref}", "{exercise}", "{solution",
            "```", ":::", ":class:", ":label:", "$$", "(label)="]

PROBE = r"""
async ([path, factory, scroll, activate]) => {
  const app = window.jupyterapp;
  // activate false: a tab in the background, whose cells need not render (nothing reads them).
  const panel = await app.commands.execute("docmanager:open", { path, factory, options: { activate } });
  await panel.context.ready;
  await panel.sessionContext.ready;
  // Cells render as they come into view: bring each markdown cell there once.
  for (const cell of scroll ? panel.content.widgets : []) {
    if (cell.model.type === "markdown" && !cell.inputHidden) {
      cell.node.scrollIntoView();
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }
  return panel.content.widgets.length;
}
"""

RENDERED = r"""
([path]) => {
  const panel = window.jupyterapp.shell.widgets("main").find((w) => w.context && w.context.path === path);
  return panel.content.widgets.every((c) => c.model.type !== "markdown" || c.inputHidden
    || c.node.querySelector(".myst, .jp-RenderedMarkdown") !== null);
}
"""

# Per cell: what the learner sees. Markdown text excludes code, maths and the solutions' bodies.
CELLS = r"""
([path]) => {
  const app = window.jupyterapp;
  const panel = app.shell.widgets("main").find((w) => w.context && w.context.path === path);
  return panel.content.widgets.map((cell) => {
    // jupyterlab-myst renders into div.myst; JupyterLab's own renderer into .jp-RenderedMarkdown.
    const md = cell.model.type === "markdown" ? cell.node.querySelector(".myst, .jp-RenderedMarkdown") : null;
    let text = null;
    if (md) {
      const copy = md.cloneNode(true);
      copy.querySelectorAll("code, pre, .katex, .math, mjx-container, script, style").forEach((e) => e.remove());
      text = copy.textContent;
    }
    const outputs = cell.model.type === "code" ? cell.model.outputs.toJSON() : [];
    return {
      type: cell.model.type,
      rendered: cell.model.type === "markdown" ? cell.rendered : null,
      byMyst: md !== null && md.classList.contains("myst"),
      inputHidden: cell.inputHidden,
      outputHidden: cell.model.type === "code" ? cell.outputHidden : null,
      count: cell.model.type === "code" ? cell.model.executionCount : null,
      state: cell.model.type === "code" ? cell.model.executionState : null,
      errors: outputs.filter((o) => o.output_type === "error").map((o) => o.ename + ": " + o.evalue),
      text,
      source: cell.model.type === "markdown" ? cell.model.sharedModel.getSource() : null,
      openDropdowns: md ? md.querySelectorAll("details[open]").length : 0,
    };
  });
}
"""

RUN_ALL = r"""
async ([path]) => {
  // "Run All" acts on the notebook in front: bring this one there first, then start it (the
  // command's promise settles only when the whole run has finished, so it is not awaited).
  const app = window.jupyterapp;
  const panel = app.shell.widgets("main").find((w) => w.context && w.context.path === path);
  while (app.shell.currentWidget !== panel) {  // again if a tab opened meanwhile took the front
    app.shell.activateById(panel.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  app.commands.execute("notebook:run-all-cells");
  // Wait until this notebook's run has begun (a cell queued or counted), so that no other
  // notebook comes to the front before the command has read which one is current.
  const begun = () => panel.content.widgets.some(
    (c) => c.model.type === "code" && c.model.executionState === "running");
  for (let waited = 0; !begun() && waited < 10000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
"""

ALL_RAN = r"""
([path]) => {
  const panel = window.jupyterapp.shell.widgets("main").find((w) => w.context && w.context.path === path);
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel && kernel.status === "idle" && panel.content.widgets.every((c) => c.model.type !== "code"
    || (c.model.executionCount !== null && c.model.executionState !== "running"));
}
"""

NEWS_SETTING = r"""
async () => {
  const id = "@jupyterlab/apputils-extension:notification";
  const plugin = await window.jupyterapp.serviceManager.settings.fetch(id);
  // Overrides replace the schema's defaults; a user value would win, and there is none here.
  return plugin.schema.properties.fetchNews.default;
}
"""

SHOW_CELL = r"""
([path, index]) => {
  const app = window.jupyterapp;
  const panel = app.shell.widgets("main").find((w) => w.context && w.context.path === path);
  app.shell.activateById(panel.id);
  panel.content.widgets[index].node.scrollIntoView({ block: "center" });
}
"""

SHOW_EXERCISE = r"""
([path]) => {
  const app = window.jupyterapp;
  const panel = app.shell.widgets("main").find((w) => w.context && w.context.path === path);
  app.shell.activateById(panel.id);
  const exercise = panel.content.node.querySelector(".myst aside.myst-exercise");
  if (exercise) { exercise.scrollIntoView({ block: "start" }); }
  return exercise !== null;
}
"""

# Once the kernel has answered (JupyterLab then writes its language_info and kernelspec into the
# notebook), is the notebook marked modified?
OPENED_CLEAN = r"""
async ([path]) => {
  const panel = window.jupyterapp.shell.widgets("main").find((w) => w.context && w.context.path === path);
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (kernel) { await kernel.info; }
  await new Promise((resolve) => setTimeout(resolve, 500));
  return !panel.context.model.dirty;
}
"""

SAVE = r"""
async ([path]) => {
  const panel = window.jupyterapp.shell.widgets("main").find((w) => w.context && w.context.path === path);
  await panel.context.save();
  return panel.context.model.dirty;
}
"""

CLOSE = r"""
async ([path]) => {
  const panel = window.jupyterapp.shell.widgets("main").find((w) => w.context && w.context.path === path);
  await panel.sessionContext.shutdown();
  panel.dispose();
}
"""


def chapters() -> list[str]:
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    wanted = [w for w in os.environ.get("MLP_LAB_JUPYTERLAB_CHAPTERS", "").split(",") if w]
    return [n for n in names if not wanted or any(n.startswith(w) for w in wanted)]


def runs(name: str) -> bool:
    """Whether the test runs all cells of this chapter (MLP_LAB_JUPYTERLAB_RUN)."""
    return RUN == "all" or any(name.startswith(w) for w in RUN.split(",") if w)


def expected_glue(nb: dict) -> dict[int, list[tuple[str, str]]]:
    """Per markdown cell of a stored chapter: (role, the text the site shows for it) for each glue role.

    The text is myst-nb's own formatting of the value the chapter's outputs hold (the function the
    site's build calls); a value whose output is not stored (a timing) shows `NOT_STORED`.
    """
    from myst_nb.core.variables import format_plain_text

    from mlp_lab.course.glue_prose import glued_values

    values = glued_values(nb)  # {key: stored text/plain}
    expected = {}
    for i, cell in enumerate(nb["cells"]):
        roles = GLUE_ROLE.finditer("".join(cell["source"])) if cell["cell_type"] == "markdown" else []
        for role in roles:
            key, fmt = role.group(1).rsplit(":", 1) if ":" in role.group(1) else (role.group(1), "s")
            shown = format_plain_text(values[key], fmt) if key in values else NOT_STORED
            expected.setdefault(i, []).append((role.group(0), shown))
    return expected


def glue_problems(where: str, text: str, expected: list[tuple[str, str]]) -> list[str]:
    """Whether the rendered ``text`` shows each expected value, in order, as a whole number."""
    text, found, at = " ".join(text.split()), [], 0
    for role, shown in expected:
        match = re.compile(r"(?<![\w.])" + re.escape(shown) + r"(?![\w]|\.\d)").search(text, at)
        if match is None:
            found.append(f"{where} shows no {shown!r} for {role} (after ...{text[max(0, at - 60) : at]!r})")
        else:
            at = match.end()
    return found


def installed_config_problems() -> list[str]:
    """Files of jupyter-config/ that Jupyter does not find as they are here.

    The set-up copies them into the environment (sys.prefix); Jupyter reads the first of its
    configuration or data folders that holds a file (JUPYTER_CONFIG_PATH / JUPYTER_PATH first, then
    the user's, then the environment's), so a user's own `python3` kernelspec would hide the course's.
    """
    from jupyter_core.paths import jupyter_config_path, jupyter_path

    problems = []
    for src in sorted(p for p in PROJECT_CONFIG.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = src.relative_to(PROJECT_CONFIG)
        if rel.parts[:2] == ("etc", "jupyter"):
            dirs = [Path(d) for d in jupyter_config_path()]
        else:
            dirs = [Path(d) for d in jupyter_path()]
        tail = Path(*rel.parts[2:])
        found = next((d / tail for d in dirs if (d / tail).is_file()), Path(sys.prefix) / rel)
        if not found.exists() or found.read_bytes() != src.read_bytes():
            problems.append(str(found))
    return problems


def test_project_jupyter_settings_are_installed():
    problems = installed_config_problems()
    assert not problems, (
        f"the project's JupyterLab settings are not installed in {sys.prefix}: {problems}; "
        "run the README's set-up step `cp -R jupyter-config/. .venv/`"
    )


def test_jupyterlab_myst_is_enabled_and_compatible():
    jupyter = Path(sys.executable).with_name("jupyter")
    proc = subprocess.run([str(jupyter) if jupyter.exists() else "jupyter", "labextension", "list"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    listing = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    line = next((ln for ln in listing.splitlines() if "jupyterlab-myst" in ln), "")
    assert "enabled" in line and " OK" in line and "not compatible" not in listing, listing


def test_chapters_are_in_the_form_jupyterlab_saves():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "normalize_notebooks.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        f"{proc.stdout}{proc.stderr}run `python tools/normalize_notebooks.py` and commit the result"
    )


def repository_copy(dest: Path) -> Path:
    """A git repository holding the working tree's files (tracked and untracked, not ignored), committed.

    Then every chapter's `.ipynb` is made newer than its `.md`: by `touch` for every other chapter,
    by `git checkout` of the notebook (after changing it) for the rest.
    """
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    now = time.time()
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest / rel)
            os.utime(dest / rel, (now, now))  # one time for all, as in a fresh clone
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], cwd=dest, check=True)
    for i, md in enumerate(sorted((dest / "book").glob("*.md"))):
        ipynb = dest / "notebooks" / f"{md.stem}.ipynb"
        if ipynb.exists():
            os.utime(md, (now - 100, now - 100))
            if i % 2:
                ipynb.write_text("changed", encoding="utf-8")
                subprocess.run(["git", "checkout", "-q", "--", str(ipynb.relative_to(dest))], cwd=dest, check=True)
            else:
                os.utime(ipynb, (now, now))
    return dest


def repository_changes(repo: Path) -> list[str]:
    """What JupyterLab's saves changed in the copy: `git status --porcelain` and the diff, if anything."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    if not status.strip():
        return []
    diff = subprocess.run(["git", "diff", "--stat", "-p"], cwd=repo, capture_output=True, text=True).stdout
    return ["JupyterLab's saves changed the repository:\n" + status + diff[:4000]]


def start_lab(root: Path, state: Path) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab on 127.0.0.1 with the environment's (project) settings and an empty user state."""
    port, token = free_port(), secrets.token_hex(16)
    settings = state / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Render every cell at once (the default renders cells as they scroll into view).
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(state / "config"),  # the user's ~/.jupyter plays no part
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
    }
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(state / "server.log", "w")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return server, base, token
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    server.kill()
    pytest.fail(f"JupyterLab did not start: {(state / 'server.log').read_text()[-3000:]}")


def stop_lab(server: subprocess.Popen, base: str, token: str, seen: set[int]) -> list[str]:
    """Shut the server down through its API, then make sure it and every kernel it started are gone."""
    try:
        req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
        urllib.request.urlopen(req, timeout=10)
        server.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        server.kill()
        server.wait(timeout=10)
    procs = [p for p in (psutil.Process(pid) if psutil.pid_exists(pid) else None for pid in seen) if p]
    _, alive = psutil.wait_procs(procs, timeout=15)
    for proc in alive:
        proc.kill()
    return [f"process {p.pid} ({' '.join(p.cmdline()[:3]) if p.is_running() else '?'}) outlived the server"
            for p in alive]


async def call(page, script: str, arg, what: str, timeout: float = 120):
    """page.evaluate with a time limit (a promise that never settles would hang the test)."""
    try:
        return await asyncio.wait_for(page.evaluate(script, arg), timeout)
    except TimeoutError:
        raise AssertionError(f"JupyterLab did not {what} within {timeout} s") from None


async def check_chapter(page, name: str, gated: list[int], glued: dict[int, list[tuple[str, str]]], spawned,
                        front_lock: asyncio.Lock, glue: list[str]) -> tuple[list[str], dict]:
    """Open, check, run all (if `runs`) and save one chapter, then open and save its `.md` twin.

    ``glued``: the values each markdown cell must show (`expected_glue`). Returns the problems and
    the times; raw glue roles and missing or wrong glued values go to ``glue``.
    """
    problems: list[str] = []
    times: dict[str, float] = {}
    ipynb, md = f"notebooks/{name}.ipynb", f"book/{name}.md"

    start = time.monotonic()
    async with front_lock:  # opening a tab brings it to the front: not while another run starts
        await call(page, PROBE, [ipynb, "Notebook", True, True], f"open {ipynb}")
    spawned()
    await page.wait_for_function(RENDERED, arg=[ipynb], timeout=60_000, polling=250)
    times["open"] = time.monotonic() - start
    if not await call(page, OPENED_CLEAN, [ipynb], f"start the kernel of {ipynb}"):
        problems.append(f"{ipynb}: opens marked modified (the unsaved-changes mark) before anything is run")
    cells = await call(page, CELLS, [ipynb], "list the cells")
    for i, cell in enumerate(cells):
        if cell["type"] == "markdown":
            if not cell["inputHidden"] and not (cell["rendered"] and cell["byMyst"]):
                problems.append(f"{ipynb}: markdown cell {i} is not rendered by jupyterlab-myst")
            for raw in RAW_MYST:
                at = (cell["text"] or "").find(raw)
                if at >= 0:
                    around = cell["text"][max(0, at - 60) : at + 60]
                    (glue if raw == "{glue" else problems).append(
                        f"{ipynb}: cell {i} shows raw MyST {raw!r}: ...{around!r}...")
            # A folded cell (a solution's) is not rendered until opened: what it will render is its
            # source, read with Markdown's backslash escapes undone.
            seen = cell["text"] if cell["text"] is not None else UNESCAPE.sub(r"\1", cell["source"] or "")
            if cell["text"] is None and "{glue" in seen:
                glue.append(f"{ipynb}: folded cell {i} holds a raw glue role: {seen[:120]!r}")
            glue += glue_problems(f"{ipynb}: cell {i}", seen, glued.get(i, []))
            if cell["openDropdowns"]:
                problems.append(f"{ipynb}: cell {i} has an unfolded dropdown (a solution?)")
    for i in gated:
        if not cells[i]["inputHidden"] or cells[i]["outputHidden"] is False:
            problems.append(f"{ipynb}: cell {i} belongs to a solution but is not folded")
    async with front_lock:  # the screenshot shows whichever notebook is in front
        if await call(page, SHOW_EXERCISE, [ipynb], "show an exercise"):
            await page.wait_for_timeout(300)
            await page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}-exercise.png"))
        if glued and name[:2] in GLUE_SCREENSHOTS:  # the first paragraph with a glued number
            await call(page, SHOW_CELL, [ipynb, min(glued)], "show a glued number")
            await page.wait_for_timeout(300)
            await page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}-glue.png"))

    if runs(name):
        start = time.monotonic()
        async with front_lock:  # one notebook at a time comes to the front and starts
            await call(page, RUN_ALL, [ipynb], f"start running {ipynb}")
        await page.wait_for_function(ALL_RAN, arg=[ipynb], timeout=RUN_TIMEOUT_MS, polling=250)
        times["run all"] = time.monotonic() - start
        for i, cell in enumerate(await call(page, CELLS, [ipynb], "list the cells")):
            problems += [f"{ipynb}: cell {i} raised {error}" for error in cell["errors"]]
    if await call(page, SAVE, [ipynb], f"save {ipynb}"):
        problems.append(f"{ipynb}: still unsaved after saving")
    await call(page, CLOSE, [ipynb], f"close {ipynb}")

    # The text twin, opened as a notebook through Jupytext (its kernel starts), then saved. It opens
    # in a background tab: what is checked is what JupyterLab saves, not how the twin renders.
    start = time.monotonic()
    async with front_lock:
        await call(page, PROBE, [md, "Jupytext Notebook", False, False], f"open {md}")
    spawned()
    if await call(page, SAVE, [md], f"save {md}"):
        problems.append(f"{md}: still unsaved after saving")
    await call(page, CLOSE, [md], f"close {md}")
    times["md twin"] = time.monotonic() - start
    return problems, times


@pytest.mark.slow
def test_chapters_in_jupyterlab(tmp_path):
    problem = chromium_problem(CHROMIUM)
    if problem:
        pytest.fail(problem)
    problems = [f"not installed: {p}" for p in installed_config_problems()]
    sys.path.insert(0, str(ROOT))
    from mlp_lab.course.notebook_format import gated_solution_cells

    repo = repository_copy(tmp_path / "repo")
    (tmp_path / "state").mkdir()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    names = chapters()
    stored = {n: json.loads((NOTEBOOKS / f"{n}.ipynb").read_text()) for n in names}
    gated = {n: gated_solution_cells(nb["cells"]) for n, nb in stored.items()}
    glued = {n: expected_glue(nb) for n, nb in stored.items()}
    server, base, token = start_lab(repo, tmp_path / "state")
    seen: set[int] = set()
    times: dict[str, dict] = {}
    glue: list[str] = []

    def spawned() -> None:
        seen.update(p.pid for p in psutil.Process(server.pid).children(recursive=True))

    async def run() -> None:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            await page.goto(f"{base}/lab/workspaces/mlp-lab-test?reset&token={token}")
            await page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
            await page.evaluate("() => window.jupyterapp.restored")
            news = await page.evaluate(NEWS_SETTING)
            if news != "false":
                problems.append(f"the project settings are not in effect: fetchNews is {news!r}, not 'false'")
            limit, front_lock = asyncio.Semaphore(JOBS), asyncio.Lock()

            async def one(name: str) -> None:
                async with limit:
                    found, times[name] = await check_chapter(page, name, gated[name], glued[name], spawned, front_lock,
                                                             glue)
                    problems.extend(found)

            try:
                await asyncio.gather(*(one(n) for n in names))
            finally:
                await browser.close()

    started = time.monotonic()
    try:
        asyncio.run(run())
    finally:
        problems += stop_lab(server, base, token, seen)
    times["total"] = {"browser and checks": time.monotonic() - started}
    problems += repository_changes(repo)
    (SCREENSHOTS / "jupyterlab-run-all-times.json").write_text(json.dumps(times, indent=1))
    print("times in JupyterLab (s):", {n: {k: round(v, 1) for k, v in t.items()} for n, t in times.items()})
    global GLUE_PROBLEMS
    GLUE_PROBLEMS = glue
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_glued_numbers_read_as_prose_in_jupyterlab():
    """Every `{glue:text}` role of every chapter opened shows, rendered, the value the site shows."""
    if GLUE_PROBLEMS is None:
        pytest.skip("test_chapters_in_jupyterlab did not run in this session")
    assert not GLUE_PROBLEMS, (
        f"{len(GLUE_PROBLEMS)} glued numbers do not read as prose:\n" + "\n".join(GLUE_PROBLEMS[:20])
    )
