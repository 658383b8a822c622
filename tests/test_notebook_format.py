"""mlp_lab.course.notebook_format: the committed form of the chapters (what JupyterLab saves)."""

from __future__ import annotations

import copy

import jupytext
import nbformat
import pytest

from mlp_lab.course.notebook_format import (
    KERNELSPEC,
    gated_solution_cells,
    merge_streams,
    normalize_notebook,
    pre_save_hook,
)

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
    jupytext_version: 1.19.6
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

```{exercise} Sum
:label: ex-sum
Add 1 and 1.
```

````{solution-start} ex-sum
:class: dropdown
````
Opening words, inside the dropdown.

```{code-cell} ipython3
print(1 + 1)
```

Between the cells.

```{code-cell} ipython3
print(2)
```

Closing words.

````{solution-end}
````

After the solution.

```{code-cell} ipython3
print("after")
```
"""


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def test_streams_merge_like_jupyterlab():
    outputs = [stream("a\n"), stream("b\n"), stream("e\n", "stderr"), stream("c\n"), {"output_type": "display_data"}]
    merged = merge_streams(copy.deepcopy(outputs))
    assert [o.get("text") for o in merged] == ["a\nb\n", "e\n", "c\n", None]


def test_carriage_returns_are_refused():
    with pytest.raises(ValueError, match="carriage return"):
        merge_streams([stream("10%\r20%\n")])


def test_chapter_normalises_once_and_folds_its_solution():
    nb = jupytext.reads(CHAPTER, fmt="md:myst")
    normalize_notebook(nb)
    text = jupytext.writes(nb, fmt="md:myst")
    again = jupytext.reads(text, fmt="md:myst")
    normalize_notebook(again)
    assert jupytext.writes(again, fmt="md:myst") == text  # idempotent
    assert nb.metadata["kernelspec"] == KERNELSPEC
    assert list(nb.metadata["kernelspec"]) == ["display_name", "language", "name"]  # sorted, as nbformat writes
    kinds = [(c.cell_type, c.source.splitlines()[0]) for c in nb.cells]
    # The closing words were split from the solution-end directive, so that they fold.
    assert kinds[4] == ("markdown", "Closing words.") and kinds[5][1].startswith("````{solution-end}")
    assert gated_solution_cells(nb.cells) == [1, 2, 3, 4]
    for cell in nb.cells[1:5]:
        assert cell.metadata["jupyter"]["source_hidden"] is True
        assert cell.metadata["jupyter"].get("outputs_hidden", cell.cell_type == "markdown") is True
    assert all("jupyter" not in c.metadata for c in (nb.cells[0], *nb.cells[5:]))


def test_timing_outputs_are_not_stored_and_metadata_is_sorted():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\n# a timing: varies by design\nprint(t)",
                                  execution_count=1, outputs=[stream("0.123 s\n")]),
        nbformat.v4.new_code_cell("print(2)", execution_count=2, outputs=[stream("2\n")], metadata={
            "tags": ["x"], "mystnb": {"image": {"alt": "a"}}, "jupyter": {"b": 1, "a": 2}}),
    ])
    normalize_notebook(nb)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count == 1  # the count stays: a run from the top
    assert nb.cells[1].outputs == [stream("2\n")]
    assert list(nb.cells[1].metadata) == ["jupyter", "mystnb", "tags"]
    assert list(nb.cells[1].metadata["jupyter"]) == ["a", "b"]
    assert list(nb.metadata) == sorted(nb.metadata)


def test_the_pair_is_identical_so_a_newer_ipynb_still_opens(tmp_path):
    """Jupytext opens a paired notebook whose .ipynb is newer than its .md only if their inputs match."""
    import asyncio
    import os
    import time

    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    nb = jupytext.reads(CHAPTER, fmt="md:myst")
    nb.cells[2].metadata["mystnb"] = {"image": {"alt": "a figure"}}  # a key after "jupyter" once sorted
    normalize_notebook(nb, new_id=iter(["split1"]).__next__)
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "jupytext.toml").write_text('formats = "book///md:myst,notebooks///ipynb"\n')
    jupytext.write(nb, tmp_path / "book" / "x.md", fmt="md:myst")
    nbformat.write(nb, tmp_path / "notebooks" / "x.ipynb")
    old = time.time() - 100
    os.utime(tmp_path / "book" / "x.md", (old, old))  # as after `git checkout notebooks/x.ipynb`
    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(root_dir=str(tmp_path))
    model = asyncio.run(manager.get("notebooks/x.ipynb"))
    assert len(model["content"]["cells"]) == len(nb.cells)


def test_unpaired_gate_is_an_error():
    cells = [{"cell_type": "markdown", "source": "````{solution-start} ex\n````"}, {"cell_type": "code", "source": ""}]
    with pytest.raises(ValueError, match="no solution-end"):
        gated_solution_cells(cells)


def test_pre_save_hook_keeps_the_machine_out_and_refolds():
    nb = jupytext.reads(CHAPTER, fmt="md:myst")
    normalize_notebook(nb)
    folded = copy.deepcopy(nb)
    # What JupyterLab hands over after Run All: outputs unfolded, timings, the kernel's Python version.
    for cell in nb.cells:
        cell.metadata.pop("collapsed", None)
        cell.metadata.get("jupyter", {}).pop("outputs_hidden", None)
        cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    model = {"type": "notebook", "content": nb}
    pre_save_hook(model, path="notebooks/x.ipynb")
    folded.metadata["language_info"] = {"name": "python"}
    assert model["content"] == folded
    assert list(model["content"].metadata) == sorted(model["content"].metadata)

    text = jupytext.writes(folded, fmt="md:myst")
    unfolded = text.replace("  outputs_hidden: true\n", "")
    model = {"type": "file", "format": "text", "content": unfolded}
    pre_save_hook(model, path="book/x.md")
    assert model["content"] == text
    # The .md as JupyterLab's model hands it over: the kernelspec in the kernel's order.
    shuffled = text.replace("  display_name: Python 3 (ipykernel)\n  language: python\n  name: python3\n",
                            "  name: python3\n  display_name: Python 3 (ipykernel)\n  language: python\n")
    assert shuffled != text
    model = {"type": "file", "format": "text", "content": shuffled}
    pre_save_hook(model, path="book/x.md")
    assert model["content"] == text
    other = {"type": "file", "format": "text", "content": "# README\n"}
    pre_save_hook(other, path="README.md")
    assert other["content"] == "# README\n"


@pytest.mark.parametrize("value", [0.125, 3, "0.50", [1, 2], {"a": 1.5}])
@pytest.mark.parametrize("display", [False, True])
def test_course_glue_stores_what_myst_nb_glue_stores(monkeypatch, value, display):
    import myst_nb
    import myst_nb.ext.glue

    from mlp_lab.course import glue as course_glue

    calls = {}
    for key, module in (("myst_nb", myst_nb.ext.glue), ("course", course_glue)):
        monkeypatch.setattr(module, "ipy_display", lambda *a, key=key, **kw: calls.setdefault(key, (a, kw)))
    myst_nb.glue("k", value, display=display)
    course_glue.glue("k", value, display=display)
    assert calls["course"] == calls["myst_nb"]
    (bundle,), kwargs = calls["course"]
    assert kwargs["metadata"]["scrapbook"] == {"name": "k", "mime_prefix": "" if display else course_glue.GLUE_PREFIX}
    assert (course_glue.GLUE_PREFIX + "text/plain" in bundle) is not display
