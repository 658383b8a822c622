"""Glued numbers read as prose in JupyterLab, while the files keep their ``{glue:text}`` roles.

The chapters write numbers into their prose with myst-nb's glue role, ``{glue:text}`name:.2f```
(see :mod:`mlp_lab.course.glue`). The book's build replaces each role by the value that a cell of
the chapter glued under ``name``; jupyterlab-myst does not know the role and shows its content,
``name:.2f``. The value is in the notebook, though: a glue record is a ``display_data`` output whose
metadata names the key (``scrapbook: {name, mime_prefix}``) and whose data holds the value's
``text/plain``. So the course's contents manager (:mod:`mlp_lab.course.jupyter`) hands JupyterLab
each chapter with its roles replaced by the values (`show_glued_numbers`) and puts the roles back
before the chapter is written (`restore_glue_roles`); the ``.md`` and ``.ipynb`` on disk never see
the numbers.

- A value is formatted as the site formats it (`format_glued`, the rule of myst-nb's
  ``format_plain_text``), and escaped so that Markdown shows it as typed.
- A role whose key has no record in the notebook shows `NOT_STORED`: the course glues a few
  measurements (timings) from cells whose outputs the repository does not keep (chapter 9 has no
  other), and a notebook whose outputs were cleared has none. A role naming another document
  (``doc::key``) is left as it is (none does in the course).
- What the learner was shown, and the original source, travel with the cell in its metadata
  (``mlp_lab.glue``: ``source``, and ``shown``, the text that stood for each role), so that saving
  needs nothing but the model JupyterLab sends back. On save, a cell whose text is still the one it
  was shown gets its original source back exactly. If the learner edited the cell, their edit is
  kept, and each glued number that still stands unchanged where it was shown (its text and the
  characters beside it) gets its role back; a number the learner changed or deleted stays as they
  typed it. The metadata key is dropped from every cell either way.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Any

from mlp_lab.course.notebook_format import cell_source

GLUE_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")
METADATA_KEY = "mlp_lab"  # cell metadata: {"glue": {"source": str, "shown": [str, ...]}} while open
NOT_STORED = r"*\[not stored\]*"  # renders as an italic [not stored], as an editor marks an omission
_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]<>$|~&])")


def format_glued(text_plain: str, fmt_spec: str) -> str:
    """A glued ``text/plain`` formatted by ``fmt_spec``, as the book's ``{glue:text}`` role does.

    The stored text is read back as a Python literal when it is one (``'0.5'`` -> ``0.5``,
    ``"'85%'"`` -> ``85%``), then converted by the format's type character (``f``, ``e``, ``g``,
    ``%``... to float; ``d``, ``x``... to int; ``s`` to str) and formatted:
    ``format_glued("0.00086", ".1e") == "8.6e-04"``. An empty ``fmt_spec`` gives ``str(value)``.
    """
    try:
        value = ast.literal_eval(text_plain)
    except (SyntaxError, ValueError):
        value = text_plain
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


def glued_values(nb: dict) -> dict[str, str]:
    """``{key: text/plain}`` of every glue record among the notebook's outputs."""
    values = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            record = output.get("metadata", {}).get("scrapbook")
            if not isinstance(record, dict) or "name" not in record:
                continue
            text = output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain")
            if text is not None:
                values[record["name"]] = "".join(text) if isinstance(text, list) else text
    return values


def role_shown(role: re.Match, values: dict[str, str]) -> str:
    """What stands in the prose for a `GLUE_ROLE` match: the value, `NOT_STORED`, or the role itself."""
    content = role.group(1)
    key, fmt_spec = content.rsplit(":", 1) if ":" in content else (content, "s")
    if "::" in content:  # glued in another document: only the whole book knows it
        return role.group(0)
    if key not in values:
        return NOT_STORED
    try:
        return _MARKDOWN_SIGNS.sub(r"\\\1", format_glued(values[key], fmt_spec))
    except (TypeError, ValueError):  # the book's strict build would have failed on it
        return role.group(0)


def _substituted(source: str, shown: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """``source`` with its i-th role replaced by ``shown[i]``, and ``(start, end, role)`` of each in it."""
    parts, spans, pos, length = [], [], 0, 0
    for match, text in zip(GLUE_ROLE.finditer(source), shown, strict=True):
        parts += [source[pos : match.start()], text]
        length += match.start() - pos
        spans.append((length, length + len(text), match.group(0)))
        length += len(text)
        pos = match.end()
    parts.append(source[pos:])
    return "".join(parts), spans


def restored(text: str, source: str, shown: list[str]) -> str:
    """The cell text ``text`` with its glue roles back, given the ``source`` and ``shown`` it was opened with.

    ``text`` unchanged since opening gives ``source``. Otherwise the roles go back where their
    shown text, with the characters beside it, survives the learner's edit unchanged (aligned with
    `difflib.SequenceMatcher`); the rest of ``text`` is kept as it is.
    """
    opened, spans = _substituted(source, shown)
    if text == opened:
        return source
    blocks = difflib.SequenceMatcher(None, opened, text, autojunk=False).get_matching_blocks()
    for start, end, role in reversed(spans):  # from the end, so earlier offsets in `text` still hold
        lo, hi = start - (start > 0), end + (end < len(opened))  # with one character of context each side
        block = next(((a, b) for a, b, size in blocks if a <= lo and hi <= a + size), None)
        if block is not None:
            at = block[1] + start - block[0]
            text = text[:at] + role + text[at + end - start :]
    return text


def show_glued_numbers(nb: dict) -> None:
    """Replace, in place, the glue roles of every markdown cell by the values glued in ``nb``."""
    values = glued_values(nb)
    for cell in nb.get("cells", []):
        source = cell_source(cell)
        if cell.get("cell_type") != "markdown" or not GLUE_ROLE.search(source):
            continue
        shown = [role_shown(role, values) for role in GLUE_ROLE.finditer(source)]
        cell["source"] = _substituted(source, shown)[0]
        cell.setdefault("metadata", {}).setdefault(METADATA_KEY, {})["glue"] = {"source": source, "shown": shown}


def restore_glue_roles(nb: dict) -> None:
    """Undo `show_glued_numbers` in place, before the notebook is written (see the module's notes)."""
    for cell in nb.get("cells", []):
        metadata: dict[str, Any] = cell.get("metadata", {})
        ours = metadata.get(METADATA_KEY)
        if not isinstance(ours, dict) or "glue" not in ours:
            continue
        glue = ours.pop("glue")
        if not ours:
            del metadata[METADATA_KEY]
        if cell.get("cell_type") == "markdown" and isinstance(glue, dict):
            try:
                cell["source"] = restored(cell_source(cell), glue["source"], glue["shown"])
            except (KeyError, TypeError, ValueError):  # metadata not as we wrote it: keep the text
                pass
