"""The form in which the course's notebooks are committed: exactly what JupyterLab writes.

A learner opens a chapter in JupyterLab (the README's `jupyter lab`), runs all cells and saves (or
autosave does it). For `git status` to stay clean, the committed `notebooks/NN-name.ipynb` and its
Jupytext twin `book/NN-name.md` must already be in the form that save produces, and that form must
not depend on the machine. `normalize_notebook` puts a notebook in it:

- the kernelspec JupyterLab writes for the running kernel (ipykernel's ``python3``);
- no per-cell timing metadata (``metadata.execution``, from nbclient's ``record_timing``), which
  JupyterLab drops when it re-runs a cell, and no kernel Python version
  (``metadata.language_info.version``), which depends on the machine;
- consecutive stream outputs merged into one, as JupyterLab does;
- no stored outputs for the cells that measure time (their first line is ``# NBVAL_IGNORE_OUTPUT``):
  they change on every run by design, so the repository does not keep them (nbval ignores them
  anyway); the book's build executes every cell, so the site and the PDF still show them;
- every metadata mapping with its keys sorted, in the notebook and in each cell. nbformat writes the
  `.ipynb` with sorted keys; the `.md` twin written in the same order makes the pair identical, and
  Jupytext then opens a chapter even when its `.ipynb` is the newer file (after a `git checkout` or
  `git pull` of the notebook alone) instead of refusing with "... is more recent than ...".

Solutions written with sphinx-exercise's gated directives (a ``solution-start`` markdown cell, the
solution's cells, a ``solution-end`` markdown cell) fold on the site, but JupyterLab renders each
markdown cell on its own and cannot fold cells between two of them. `fold_gated_solutions` marks the
cells inside a gate collapsed (``metadata.jupyter.source_hidden`` and, for code,
``outputs_hidden`` and ``collapsed``, which JupyterLab keeps in step with it; Jupytext leaves
``collapsed`` out of the `.md`), which JupyterLab shows as a folded bar that a click opens.

`pre_save_hook`, which the project's Jupyter server configuration
(``jupyter-config/etc/jupyter/jupyter_server_config.py``) runs on every save, applies the same
rules to what JupyterLab saves, so that *Run All* and save writes the committed bytes.
`tools/normalize_notebooks.py` applies them to every chapter pair without re-executing;
`tools/execute_notebook.py` executes a chapter and then normalises it.
"""

from __future__ import annotations

import re
from typing import Any

# What JupyterLab writes for the course's kernel (ipykernel's python3), keys sorted as nbformat writes them.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
IGNORE_OUTPUT = "# NBVAL_IGNORE_OUTPUT"

_GATE_START = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-start\}", re.MULTILINE)
_GATE_END = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-end\}", re.MULTILINE)
_FOLDED_CODE = {"outputs_hidden": True, "source_hidden": True}
_FOLDED_MARKDOWN = {"source_hidden": True}


def cell_source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def drop_machine_metadata(nb: dict) -> None:
    """Remove, in place, what a save records about the machine rather than the notebook.

    That is the kernel's Python version (``metadata.language_info.version``) and any per-cell
    timing metadata (``metadata.execution``).
    """
    nb.get("metadata", {}).get("language_info", {}).pop("version", None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)


def ignored_output(cell: dict) -> bool:
    """Whether ``cell`` is a code cell whose output varies by design (its first line: ``# NBVAL_IGNORE_OUTPUT``)."""
    return cell.get("cell_type") == "code" and cell_source(cell).startswith(IGNORE_OUTPUT)


def drop_varying_outputs(cells: list[dict]) -> None:
    """Store, in place, no outputs for the cells whose output varies by design (timings).

    Their execution count stays: a run from the top gives every cell the same count each time.
    """
    for cell in cells:
        if ignored_output(cell):
            cell["outputs"] = []


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return type(value)((k, _sorted(value[k])) for k in sorted(value))
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def sort_metadata(nb: dict) -> None:
    """Sort, in place and recursively, the keys of the notebook's and every cell's metadata.

    nbformat writes the `.ipynb` that way; the `.md` twin, written by Jupytext in the mapping's
    own order, then shows the very same metadata, and Jupytext sees the pair as identical.
    """
    if "metadata" in nb:
        nb["metadata"] = _sorted(nb["metadata"])
    for cell in nb.get("cells", []):
        if "metadata" in cell:
            cell["metadata"] = _sorted(cell["metadata"])


def merge_streams(outputs: list[dict]) -> list[dict]:
    """Merge consecutive stream outputs of the same name (stdout, stderr), as JupyterLab does."""
    merged: list[dict] = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == out.get("name")
        ):
            last["text"] = cell_source({"source": last["text"]}) + cell_source({"source": out["text"]})
        else:
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream" and re.search(r"\r(?!\n)|\x08", cell_source({"source": out["text"]})):
            raise ValueError(
                "a stream output contains a carriage return or backspace (a progress bar?): JupyterLab "
                "rewrites those on save, so the committed notebook would not stay clean; print whole lines"
            )
    return merged


def _gate_events(cell: dict) -> list[tuple[int, bool]]:
    """(offset, opens) of the solution-start (True) and solution-end (False) directives in a cell."""
    source = cell_source(cell) if cell.get("cell_type") == "markdown" else ""
    starts = [(m.start(), True) for m in _GATE_START.finditer(source)]
    return sorted(starts + [(m.start(), False) for m in _GATE_END.finditer(source)])


def split_solution_ends(cells: list[dict], new_id=lambda: None) -> None:
    """Split, in place, prose that ends a gated solution from the ``solution-end`` directive below it.

    ``Last words.\n\n````{solution-end}`` in one markdown cell becomes two cells, so that the prose
    (still inside the solution) can be folded. `new_id` gives the id of the new cell (``.ipynb``).
    """
    open_gate = False
    i = 0
    while i < len(cells):
        events = _gate_events(cells[i])
        if open_gate and events and not events[0][1] and cell_source(cells[i])[: events[0][0]].strip():
            source = cell_source(cells[i])
            head = type(cells[i])({**cells[i], "source": source[: events[0][0]].rstrip("\n"), "metadata": {}})
            cell_id = new_id()
            if cell_id is not None:
                head["id"] = cell_id
            cells[i]["source"] = source[events[0][0] :]
            cells.insert(i, head)
            continue
        for _, opens in events:
            open_gate = opens
        i += 1


def gated_solution_cells(cells: list[dict]) -> list[int]:
    """Indices of the cells that lie wholly between a ``solution-start`` and a ``solution-end``.

    The markdown cells that hold the two directives are not among them (they also hold the
    exercise's statement or the text after the solution).
    """
    inside: list[int] = []
    open_gate = False
    for i, cell in enumerate(cells):
        events = _gate_events(cell)
        if open_gate and not events:
            inside.append(i)
        for _, opens in events:
            if opens == open_gate:
                raise ValueError(f"cell {i}: solution-start and solution-end are not paired")
            open_gate = opens
    if open_gate:
        raise ValueError("a solution-start cell has no solution-end cell after it")
    return inside


def fold_gated_solutions(cells: list[dict]) -> None:
    """Mark, in place, the cells inside each gated solution as folded in JupyterLab."""
    for i in gated_solution_cells(cells):
        metadata = cells[i].setdefault("metadata", {})
        folded = _FOLDED_CODE if cells[i]["cell_type"] == "code" else _FOLDED_MARKDOWN
        metadata["jupyter"] = dict(sorted({**metadata.get("jupyter", {}), **folded}.items()))
        if cells[i]["cell_type"] == "code":
            metadata["collapsed"] = True  # JupyterLab mirrors outputs_hidden into nbformat's old key


def normalize_notebook(nb: dict, new_id=lambda: None) -> None:
    """Put a notebook (nbformat 4, as a dict) in place into the form JupyterLab saves.

    Works on the `.ipynb` (with outputs) and on the notebook read from the `.md` twin alike;
    nothing is executed, and applying it twice changes nothing more. `new_id` gives the id of a
    cell that `split_solution_ends` creates.
    """
    nb.setdefault("metadata", {})["kernelspec"] = dict(KERNELSPEC)
    drop_machine_metadata(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = merge_streams(cell.get("outputs", []))
    drop_varying_outputs(nb.get("cells", []))
    split_solution_ends(nb.get("cells", []), new_id)
    fold_gated_solutions(nb.get("cells", []))
    sort_metadata(nb)


def pre_save_hook(model: dict, path: str = "", **kwargs: Any) -> None:
    """Jupyter server pre-save hook: save the course's notebooks in their committed form.

    Configured as ``ContentsManager.pre_save_hook`` by the project's server configuration. For every
    notebook it drops the Python version and cell timings, so a save writes the same bytes on every
    machine (any Python 3.11.x), and the outputs of the cells that measure time. In notebooks with
    gated solutions it folds the solutions' cells again: JupyterLab unfolds the output of every cell
    it runs, so after *Run All* a save would otherwise rewrite them. Metadata keys are sorted. The
    `.md` twin, which Jupytext hands over as text, is read back and gets the same folding and order.
    Anything unexpected leaves the model as it is: a save must never fail because of this hook.
    """
    try:
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            nb = model["content"]
            drop_machine_metadata(nb)
            drop_varying_outputs(nb.get("cells", []))
            fold_gated_solutions(nb.get("cells", []))
            sort_metadata(nb)
        elif (
            model.get("type") == "file"
            and path.endswith(".md")
            and isinstance(model.get("content"), str)
            and model["content"].startswith("---\njupytext:")
        ):
            import jupytext  # only here: the hook must load even where Jupytext is missing

            nb = jupytext.reads(model["content"], fmt="md:myst")
            fold_gated_solutions(nb.cells)
            sort_metadata(nb)
            model["content"] = jupytext.writes(nb, fmt="md:myst")
    except Exception:  # noqa: BLE001 - a learner's save must not fail; the test suite checks the result
        return
