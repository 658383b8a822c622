"""The book's structure: TOC, pairing of text notebooks with stored-output notebooks, strict build."""

from __future__ import annotations

import json
import re

import jupytext
import pytest
import yaml

from conftest import BOOK, NOTEBOOKS, ROOT


def text_notebooks() -> dict[str, object]:
    """book/*.md files that are Jupytext notebooks (their header names jupytext)."""
    out = {}
    for p in sorted(BOOK.glob("*.md")):
        head = p.read_text(encoding="utf-8")[:2000]
        if re.search(r"^jupytext:", head, re.M):
            out[p.stem] = p
    return out


def stored_notebooks() -> dict[str, object]:
    return {p.stem: p for p in sorted(NOTEBOOKS.glob("*.ipynb"))}


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    return files


def test_toc_link_is_relative_symlink():
    link = BOOK / "_toc.yml"
    assert link.is_symlink(), "book/_toc.yml must be a symlink to ../_toc.yml (JB1 reads the TOC from book/)"
    assert str(link.readlink()) == "../_toc.yml"


def test_every_toc_entry_exists_and_every_page_is_in_the_toc():
    entries = toc_files()
    for entry in entries:
        assert (BOOK / f"{entry}.md").exists(), f"_toc.yml lists {entry!r} but book/{entry}.md does not exist"
    pages = {p.stem for p in BOOK.glob("*.md")}
    missing = sorted(pages - set(entries))
    assert not missing, f"pages not in _toc.yml (they would not be built): {missing}"


def test_text_notebooks_and_ipynb_are_paired():
    texts, ipynbs = text_notebooks(), stored_notebooks()
    assert texts, "no text notebooks found in book/"
    assert sorted(set(texts) - set(ipynbs)) == [], "run `jupytext --sync book/NAME.md`"
    assert sorted(set(ipynbs) - set(texts)) == [], "notebooks/ holds a notebook with no text twin in book/"


@pytest.mark.parametrize("name", sorted(text_notebooks()))
def test_pair_has_identical_cells(name):
    text_cells = [(c.cell_type, c.source.strip()) for c in jupytext.read(BOOK / f"{name}.md").cells]
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    ipynb_cells = [(c["cell_type"], "".join(c["source"]).strip()) for c in nb["cells"]]
    assert text_cells == ipynb_cells, (
        f"book/{name}.md and notebooks/{name}.ipynb differ: run `jupytext --sync --execute book/{name}.md`"
    )


@pytest.mark.parametrize("name", sorted(stored_notebooks()))
def test_every_code_cell_has_stored_outputs(name):
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    unrun = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    assert not unrun, f"{name}: code cells {unrun} were never executed, so nbval would compare nothing"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: cells were not run top to bottom once: {counts}"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{name}: stored outputs contain an error"


@pytest.mark.parametrize("name", sorted(stored_notebooks()))
def test_ignored_outputs_say_why(name):
    """A cell whose output nbval skips must explain, in a comment, why its output varies."""
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    for c in nb["cells"]:
        lines = "".join(c["source"]).splitlines()
        if lines and lines[0].strip() == "# NBVAL_IGNORE_OUTPUT":
            assert len(lines) > 1 and lines[1].lstrip().startswith("#") and len(lines[1]) > 10, (
                f"{name}: an NBVAL_IGNORE_OUTPUT cell must say why on its second line:\n" + "\n".join(lines[:3])
            )


@pytest.mark.slow
@pytest.mark.background("build")
def test_strict_build_has_no_warnings(strict_build):
    proc = strict_build["proc"]
    log = proc.stdout + proc.stderr
    # Sphinx's own warnings and errors ("file.md:12: WARNING: ..."), not the kernel's log lines.
    warnings = [line for line in log.splitlines() if re.search(r"(^|: )(WARNING|ERROR|CRITICAL):", line)]
    assert proc.returncode == 0, f"strict build failed ({strict_build['cmd']}):\n{log[-6000:]}"
    assert warnings == [], "strict build printed warnings:\n" + "\n".join(warnings[:40])
    # ipykernel's warning when its sockets are not encrypted: the course's kernelspec (jupyter-config/)
    # starts every kernel with CurveZMQ keys (mlp_lab/course/jupyter.py), so it must not arise.
    tcp = [line for line in log.splitlines() if "running over TCP without encryption" in line]
    assert tcp == [], f"{len(tcp)} kernels started without encryption (is jupyter-config/ installed?):\n{tcp[0]}"
    assert "build succeeded" in log
    assert (strict_build["html"] / "index.html").exists()
