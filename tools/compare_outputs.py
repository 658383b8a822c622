"""Re-execute chapters and compare every stored output with the fresh one, figures included.

    python tools/compare_outputs.py notebooks/NN-name.ipynb [...]      # exit 1 if an output moved
    OPENBLAS_CORETYPE=Sandybridge ATEN_CPU_CAPABILITY=default python tools/compare_outputs.py notebooks/*.ipynb

What nbval compares (stream text, ``text/plain``, errors), and also each figure (``image/png``) byte
for byte, which nbval skips. A figure that moves is reported with the share of its pixels that
changed. Cells whose first line is ``# NBVAL_IGNORE_OUTPUT`` (timings: no stored output, see
`mlp_lab.course.notebook_format`) are run but not compared; the summary names them. `tests/test_kernels.py`
runs this under two other CPU floating-point kernel settings.
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # mlp_lab from this checkout, installed or not

from mlp_lab.course.notebook_format import ignored_output  # noqa: E402


def comparable(cell: dict) -> list[tuple[str, str]]:
    """(kind, payload) of a code cell's outputs, in order; consecutive writes to one stream merged."""
    out: list[tuple[str, str]] = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            kind, text = f"stream:{o['name']}", "".join(o["text"])
            if out and out[-1][0] == kind:
                out[-1] = (kind, out[-1][1] + text)
            else:
                out.append((kind, text))
        elif o["output_type"] in ("execute_result", "display_data"):
            for mime in ("image/png", "text/plain"):
                if mime in o.get("data", {}):
                    out.append((mime, "".join(o["data"][mime])))
        elif o["output_type"] == "error":
            out.append(("error", f"{o['ename']}: {o['evalue']}"))
    return out


def pixels_differing(a: str, b: str) -> str:
    """How two base64 PNGs differ: the share of pixels, or their sizes."""
    try:
        import numpy as np
        from PIL import Image

        A, B = (np.asarray(Image.open(io.BytesIO(base64.b64decode(x))).convert("RGBA")) for x in (a, b))
    except Exception as exc:  # noqa: BLE001 - a report, not a check
        return f"not comparable ({exc})"
    if A.shape != B.shape:
        return f"size {A.shape[1]}x{A.shape[0]} -> {B.shape[1]}x{B.shape[0]}"
    changed = (A != B).any(axis=-1)
    return f"{changed.sum()} of {changed.size} pixels ({changed.mean():.2%}) differ"


def compare(path: Path) -> tuple[list[str], dict]:
    """Execute one notebook (in its own folder, as nbval does) and list the outputs that moved."""
    stored = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    start = time.monotonic()
    resources = {"metadata": {"path": str(path.parent)}}
    # Once the last cell's outputs are in, the kernel has nothing left to say: stop it at once rather
    # than ask it to shut down and wait for its interpreter to exit.
    client = NotebookClient(fresh, timeout=300, kernel_name="python3", resources=resources,
                            shutdown_kernel="immediate")
    client.execute()
    moved, stats = [], {"seconds": time.monotonic() - start, "cells": 0, "figures": 0, "exempt": []}
    for i, (s, f) in enumerate(zip(stored.cells, fresh.cells, strict=True)):
        if s.cell_type != "code":
            continue
        if ignored_output(s):
            stats["exempt"].append(i)
            continue
        a, b = comparable(s), comparable(f)
        stats["cells"] += 1
        stats["figures"] += sum(kind == "image/png" for kind, _ in a)
        if [k for k, _ in a] != [k for k, _ in b]:
            moved.append(f"{path.name} cell {i}: outputs {[k for k, _ in a]} -> {[k for k, _ in b]}")
            continue
        for (kind, x), (_, y) in zip(a, b, strict=True):
            if x != y:
                what = pixels_differing(x, y) if kind == "image/png" else f"{x[-200:]!r}\n    -> {y[-200:]!r}"
                moved.append(f"{path.name} cell {i} ({kind}): {what}")
    return moved, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    moved_all = []
    for path in args.notebooks:
        moved, stats = compare(path)
        moved_all += moved
        print(f"{path.name}: {stats['cells']} code cells ({stats['figures']} figures) compared in "
              f"{stats['seconds']:.1f} s, {len(moved)} moved"
              + (f"; not compared (NBVAL_IGNORE_OUTPUT): cells {stats['exempt']}" if stats["exempt"] else ""),
              flush=True)
    for line in moved_all:
        print("MOVED", line)
    print(f"{len(args.notebooks)} notebooks, {len(moved_all)} outputs moved")
    return 1 if moved_all else 0


if __name__ == "__main__":
    sys.exit(main())
