"""Glued numbers as prose in JupyterLab (mlp_lab.course.glue_prose), without a browser.

The formatter is held to myst-nb's own (the function the site's build uses) on every role the course
uses; the substitution and its undoing are checked on every chapter, on a learner's edits, and
through the course's contents manager, whose open-and-save must leave both files of every chapter
byte for byte as they are.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import time

import nbformat
import pytest
from myst_nb.core.variables import format_plain_text  # the site's formatter: the reference

from mlp_lab.course.glue import GLUE_PREFIX
from mlp_lab.course.glue_prose import (
    GLUE_ROLE,
    METADATA_KEY,
    NOT_STORED,
    format_glued,
    glued_values,
    restore_glue_roles,
    restored,
    show_glued_numbers,
)

from conftest import BOOK, NOTEBOOKS, ROOT

CHAPTERS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def chapter(name: str) -> dict:
    """The stored chapter as the server reads it (nbformat: each source one string)."""
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def markdown(nb: dict) -> list[str]:
    return [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"]


def course_roles() -> list[tuple[str, str, str]]:
    """(chapter, role content, glued text/plain) of every role in the course whose value is stored."""
    rows = []
    for name in CHAPTERS:
        nb = chapter(name)
        values = glued_values(nb)
        for source in markdown(nb):
            rows += [(name, m.group(1), values[m.group(1).split(":")[0]]) for m in GLUE_ROLE.finditer(source)
                     if m.group(1).split(":")[0] in values]
    return rows


def test_the_course_glues_what_this_test_reads():
    roles = course_roles()
    formats = {content.rsplit(":", 1)[1] if ":" in content else "" for _, content, _ in roles}
    assert len(roles) > 80 and {".1f", ".2f", ".4f", ".0f", ".1e", ".2g", "g", ""} <= formats, formats


@pytest.mark.parametrize(("name", "content", "text_plain"), course_roles())
def test_each_course_role_is_formatted_as_on_the_site(name, content, text_plain):
    key, fmt = content.rsplit(":", 1) if ":" in content else (content, "s")  # as myst-nb's PasteTextRole
    assert format_glued(text_plain, fmt) == format_plain_text(text_plain, fmt)


@pytest.mark.parametrize(("text_plain", "fmt"), [
    ("0.00086", ".1e"), ("0.5", ".2f"), ("0.4999", ".0%"), ("3", "d"), ("255", "x"), ("'85%'", "s"),
    ("'0.79'", ".2f"), ("np.float64(0.25)", "s"), ("12.5", ""), ("[1, 2]", "s"), ("0.04", "g"), ("1e-12", ".2g"),
])
def test_formatter_agrees_with_myst_nb_beyond_the_course(text_plain, fmt):
    assert format_glued(text_plain, fmt) == format_plain_text(text_plain, fmt)


def record(name: str, text_plain: str) -> dict:
    return {"output_type": "display_data", "metadata": {"scrapbook": {
        "name": name, "mime_prefix": GLUE_PREFIX}},
        "data": {GLUE_PREFIX + "text/plain": text_plain}}


def notebook(*sources: str, records: dict[str, str] | None = None) -> dict:
    outputs = [record(k, v) for k, v in (records or {}).items()]
    return {"cells": [{"cell_type": "code", "source": "glue(...)", "metadata": {}, "outputs": outputs}]
            + [{"cell_type": "markdown", "source": s, "metadata": {}} for s in sources]}


def test_roles_become_values_and_come_back():
    nb = notebook("Accuracy {glue:text}`acc:.1f` and {glue:text}`t`, then {glue:text}`other::k:.2f`.",
                  "No role here.", records={"acc": "0.4987", "n": "3"})
    before = copy.deepcopy(nb)
    show_glued_numbers(nb)
    assert nb["cells"][1]["source"] == f"Accuracy 0.5 and {NOT_STORED}, then {{glue:text}}`other::k:.2f`."
    assert nb["cells"][2] == before["cells"][2]
    restore_glue_roles(nb)
    assert nb == before


def test_a_value_is_escaped_so_markdown_shows_it_as_typed():
    nb = notebook("x {glue:text}`v`", records={"v": "'a*b_c $1 <d>'"})
    show_glued_numbers(nb)
    assert nb["cells"][1]["source"] == r"x a\*b\_c \$1 \<d\>"


def test_a_notebook_without_glue_records_shows_that_they_are_not_stored():
    nb = notebook("Accuracy {glue:text}`acc:.1f`.")
    show_glued_numbers(nb)
    assert nb["cells"][1]["source"] == f"Accuracy {NOT_STORED}."


@pytest.mark.parametrize(("edit", "expected"), [
    # untouched: the source exactly
    (lambda t: t, "A {glue:text}`a:.2f` and B {glue:text}`b`."),
    # prose edited around the numbers: the edit stays, both roles come back
    (lambda t: "Note. " + t.replace(" and ", " then "), "Note. A {glue:text}`a:.2f` then B {glue:text}`b`."),
    # a number changed by the learner stays as typed; the other comes back
    (lambda t: t.replace("0.25", "0.3"), "A 0.3 and B {glue:text}`b`."),
    # a number deleted: gone; the other comes back
    (lambda t: t.replace("A 0.25 and ", ""), "B {glue:text}`b`."),
])
def test_a_learners_edit_is_kept_and_untouched_numbers_get_their_roles_back(edit, expected):
    nb = notebook("A {glue:text}`a:.2f` and B {glue:text}`b`.", records={"a": "0.25", "b": "7"})
    show_glued_numbers(nb)
    cell = nb["cells"][1]
    assert cell["source"] == "A 0.25 and B 7."
    cell["source"] = edit(cell["source"])
    restore_glue_roles(nb)
    assert cell["source"] == expected
    assert METADATA_KEY not in cell["metadata"]


def test_restoring_needs_the_number_with_its_neighbours_unchanged():
    # "7" still occurs in the edited text, but not where it was shown: the text is kept as typed.
    assert restored("B was 17.", "B {glue:text}`b`.", ["7"]) == "B was 17."


def test_other_keys_under_the_course_metadata_key_survive():
    nb = notebook("{glue:text}`a`", records={"a": "1"})
    nb["cells"][1]["metadata"][METADATA_KEY] = {"other": 1}
    show_glued_numbers(nb)
    restore_glue_roles(nb)
    assert nb["cells"][1]["source"] == "{glue:text}`a`"
    assert nb["cells"][1]["metadata"] == {METADATA_KEY: {"other": 1}}


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_shows_its_values_and_gives_its_source_back(name):
    nb = chapter(name)
    before = copy.deepcopy(nb)
    values = glued_values(nb)
    show_glued_numbers(nb)
    assert markdown(nb) != markdown(before) or not any(GLUE_ROLE.search(s) for s in markdown(before))
    for source, shown in zip(markdown(before), markdown(nb), strict=True):
        assert "{glue" not in shown
        for m in GLUE_ROLE.finditer(source):
            key, fmt = m.group(1).rsplit(":", 1) if ":" in m.group(1) else (m.group(1), "s")
            assert (format_plain_text(values[key], fmt) if key in values else NOT_STORED) in shown
    restore_glue_roles(nb)
    assert nb == before


def repository(tmp_path):
    """book/, notebooks/ and jupytext.toml copied, with one modification time (as in a fresh clone)."""
    for folder in ("book", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    now = time.time()
    for path in tmp_path.rglob("*"):
        os.utime(path, (now, now))
    return tmp_path


def test_the_contents_manager_shows_numbers_and_open_and_save_leave_the_files_as_they_are(tmp_path):
    from mlp_lab.course.jupyter import CourseContentsManager
    from mlp_lab.course.notebook_format import pre_save_hook

    repo = repository(tmp_path)
    manager = CourseContentsManager(root_dir=str(repo))
    manager.pre_save_hook = pre_save_hook  # as jupyter-config/etc/jupyter/jupyter_server_config.py sets it
    files = {p: p.read_bytes() for p in [*(repo / "book").glob("*.md"), *(repo / "notebooks").glob("*.ipynb")]}

    async def open_and_save_all() -> dict:
        shown = {}
        for name in CHAPTERS:
            for path in (f"notebooks/{name}.ipynb", f"book/{name}.md"):
                model = await manager.get(path, content=True, type="notebook")
                shown[path] = markdown(model["content"])
                await manager.save({"type": "notebook", "content": model["content"]}, path)
        return shown

    shown = asyncio.run(open_and_save_all())
    assert "An accuracy of 0.5 is" in "".join(shown["notebooks/01-forward-pass.ipynb"])
    assert shown["book/01-forward-pass.md"] == shown["notebooks/01-forward-pass.ipynb"]
    assert not [p for p in shown if any("{glue" in s for s in shown[p])]
    assert [p.name for p, data in files.items() if p.read_bytes() != data] == []
    assert sum("{glue:text}" in (BOOK / f"{n}.md").read_text() for n in CHAPTERS) >= 10
