"""Glue a value into a chapter for the book's ``{glue:text}`` roles, as ``myst_nb.glue`` does.

The chapters write their numbers into the prose with myst-nb's *glue*: a cell calls
``glue("name", value, display=False)`` and the text says ``{glue:text}`name:.2f```. ``myst_nb.glue``
imports myst-nb's glue extension, which imports ``nbformat`` and, through it, ``jsonschema``'s
format checkers, which compile an RFC 3987 grammar at import: 1.3 s in every chapter's kernel, for
what is one ``display`` call. This function makes the same call, so it stores the same output (a
``display_data`` whose MIME types carry myst-nb's ``application/papermill.record/`` prefix, and
whose metadata names the key), which the book's build reads as it reads its own;
``tests/test_notebook_format.py`` checks that the two give identical outputs.
"""

from __future__ import annotations

from typing import Any

from IPython.core.formatters import format_display_data
from IPython.display import display as ipy_display

GLUE_PREFIX = "application/papermill.record/"  # myst_nb.ext.glue.GLUE_PREFIX


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Store ``variable``'s display form under ``name``, for ``{glue:text}`name``` in the prose.

    Parameters
    ----------
    name : str
        The key the prose refers to; unique within the chapter.
    variable : object
        What to store: its display form (``repr`` for ``text/plain``), not the object itself.
    display : bool, default True
        Also show it in the cell's output (the chapters pass ``False``).
    """
    bundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)
