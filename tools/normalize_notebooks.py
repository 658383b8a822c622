"""Put every chapter pair (book/NN-name.md + notebooks/NN-name.ipynb) into the form JupyterLab saves.

    python tools/normalize_notebooks.py              # every chapter
    python tools/normalize_notebooks.py book/01-forward-pass.md ...
    python tools/normalize_notebooks.py --check      # exit 1 if a file would change

Nothing is executed: stored outputs are kept, only their form changes (see
`mlp_lab.course.notebook_format` for what and why): the kernelspec JupyterLab writes, no per-cell timing
metadata, no Python version, consecutive stream outputs merged, the cells of gated solutions folded.
Running it twice changes nothing the second time. A learner who opens a normalised chapter in
JupyterLab, runs all and saves leaves `git status` clean.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # mlp_lab from this checkout, installed or not

from mlp_lab.course.notebook_format import normalize_notebook  # noqa: E402

TEXT_FORMAT = "md:myst"


def chapter_pairs(paths: list[str]) -> list[tuple[Path, Path]]:
    """(book/NN-name.md, notebooks/NN-name.ipynb) for the given .md or .ipynb paths, or for all chapters."""
    if paths:
        names = sorted({Path(p).stem for p in paths})
    else:
        names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    pairs = [(ROOT / "book" / f"{name}.md", ROOT / "notebooks" / f"{name}.ipynb") for name in names]
    missing = [str(p) for pair in pairs for p in pair if not p.exists()]
    if missing:
        raise SystemExit(f"error: no such file: {', '.join(missing)}")
    return pairs


def normalized_pair(md: Path, ipynb: Path) -> tuple[str, str]:
    """The normalised text of both files, computed without writing anything."""
    text_nb = jupytext.read(md, fmt=TEXT_FORMAT)
    nb = nbformat.read(ipynb, as_version=nbformat.NO_CONVERT)
    text_cells = [(c.cell_type, c.source.strip()) for c in text_nb.cells]
    nb_cells = [(c.cell_type, c.source.strip()) for c in nb.cells]
    if text_cells != nb_cells:
        raise ValueError(
            f"{md.relative_to(ROOT)} and {ipynb.relative_to(ROOT)} have different cells: "
            f"run `python tools/execute_notebook.py {md.relative_to(ROOT)}` first"
        )
    normalize_notebook(text_nb)
    normalize_notebook(nb, new_id=lambda: uuid.uuid4().hex[:8])
    return jupytext.writes(text_nb, fmt=TEXT_FORMAT), nbformat.writes(nb, version=nbformat.NO_CONVERT) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="chapters (book/NN-name.md or notebooks/NN-name.ipynb); default: all")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not normalised")
    args = parser.parse_args(argv)

    stale, errors = [], []
    for md, ipynb in chapter_pairs(args.paths):
        try:
            text, ipynb_text = normalized_pair(md, ipynb)
        except ValueError as exc:  # this pair is left as it is; the others are still done
            errors.append(f"error: {exc}")
            continue
        for path, new in ((ipynb, ipynb_text), (md, text)):  # the .md last: Jupytext wants it newer
            if path.read_text(encoding="utf-8") != new:
                stale.append(path.relative_to(ROOT))
                if not args.check:
                    path.write_text(new, encoding="utf-8")
        if not args.check:
            os.utime(md)  # the text twin must not look older than the .ipynb (Jupytext refuses to open it)
    verb = "not normalised" if args.check else "normalised"
    for path in stale:
        print(f"{verb}: {path}")
    if not stale and not errors:
        print("every file already normalised")
    print("\n".join(errors), file=sys.stderr)
    return 1 if errors or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
