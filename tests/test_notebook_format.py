"""mlp_lab._notebook_format: the committed form of the chapters (what JupyterLab saves)."""

from __future__ import annotations

import copy

import jupytext
import pytest

from mlp_lab._notebook_format import (
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
    assert list(nb.metadata["kernelspec"]) == ["name", "display_name", "language"]  # JupyterLab's order
    kinds = [(c.cell_type, c.source.splitlines()[0]) for c in nb.cells]
    # The closing words were split from the solution-end directive, so that they fold.
    assert kinds[4] == ("markdown", "Closing words.") and kinds[5][1].startswith("````{solution-end}")
    assert gated_solution_cells(nb.cells) == [1, 2, 3, 4]
    for cell in nb.cells[1:5]:
        assert cell.metadata["jupyter"]["source_hidden"] is True
        assert cell.metadata["jupyter"].get("outputs_hidden", cell.cell_type == "markdown") is True
    assert all("jupyter" not in c.metadata for c in (nb.cells[0], *nb.cells[5:]))


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

    text = jupytext.writes(folded, fmt="md:myst")
    unfolded = text.replace("  outputs_hidden: true\n", "")
    model = {"type": "file", "format": "text", "content": unfolded}
    pre_save_hook(model, path="book/x.md")
    assert model["content"] == text
    other = {"type": "file", "format": "text", "content": "# README\n"}
    pre_save_hook(other, path="README.md")
    assert other["content"] == "# README\n"
