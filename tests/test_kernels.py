"""Every notebook's stored outputs, figures included, hold under other CPU floating-point kernels.

The default test run (nbval over ``notebooks/``) uses this machine's fastest kernels and compares
text only. A reader's machine may use others: an older CPU without AVX-512 or AVX2, an ARM Mac, one
thread instead of many. Each changes the order in which sums are rounded, so any stored output that
prints rounding noise, or any figure drawn from data that rounding moves, would differ there. Here
`tools/compare_outputs.py` re-executes every notebook under two other settings, each of which
changes both NumPy's BLAS (OpenBLAS core type) and PyTorch's own CPU kernels (ATen's SIMD level and
MKL's instruction set), one of them with a single thread, and compares what nbval compares (stream
text, ``text/plain``, errors) and every stored ``image/png`` byte for byte. Exempt: only the cells
marked ``# NBVAL_IGNORE_OUTPUT`` (timings, and figures of timings), whose outputs are not stored at
all. The two runs are queued in the background when the tests are collected (tests/conftest.py), in
three chunks of chapters each: they use the core that the other tests leave idle, and these tests,
run last, wait for them and read their reports.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from compare_outputs import compare
from conftest import NOTEBOOKS, QUIET_THREADS, ROOT, background, environment

# name -> (environment overrides, what the kernel must report: OpenBLAS core, ATen capability)
SETTINGS = {
    "avx-no-simd-torch": (
        {"OPENBLAS_CORETYPE": "Sandybridge", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX"},
        ("Sandybridge", "DEFAULT"),
    ),
    "avx2-one-thread": (
        {
            "OPENBLAS_CORETYPE": "Haswell",
            "ATEN_CPU_CAPABILITY": "avx2",
            "MKL_ENABLE_INSTRUCTIONS": "AVX2",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        },
        ("Haswell", "AVX2"),
    ),
}

PROBE = """
import json, numpy, torch
from threadpoolctl import threadpool_info
blas = [i for i in threadpool_info() if i["internal_api"] == "openblas"]
print(json.dumps({"core": blas[0]["architecture"], "threads": blas[0]["num_threads"],
                  "aten": torch.backends.cpu.get_cpu_capability(), "torch_threads": torch.get_num_threads()}))
"""


def _env(name: str) -> dict[str, str | None]:
    """The changes to the environment for setting ``name``: no inherited OpenBLAS/MKL/ATen/OpenMP variable."""
    inherited = {k: None for k in os.environ if k.startswith(("OPENBLAS_", "MKL_", "ATEN_", "OMP_"))}
    return {**inherited, **SETTINGS[name][0], **QUIET_THREADS}


# Every notebook under each setting, in the background from collection on, in CHUNKS jobs per
# setting (interleaved, so that each holds short and long chapters): jobs are what the background
# queue schedules, and smaller ones leave less for one core alone at the end of the session.
CHUNKS = 3
NOTEBOOK_PATHS = sorted(str(p.relative_to(ROOT)) for p in NOTEBOOKS.glob("*.ipynb"))
RUNS = {
    name: [background(f"kernels-{name}-{k + 1}", [sys.executable, ROOT / "tools" / "compare_outputs.py",
                                                   *NOTEBOOK_PATHS[k::CHUNKS]], env=_env(name), order=2 + k)
           for k in range(CHUNKS)]
    for name in SETTINGS
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_setting_really_changes_the_kernels(name):
    env, (core, aten) = SETTINGS[name]
    out = subprocess.run([sys.executable, "-c", PROBE], env=environment(_env(name)), capture_output=True, text=True,
                         check=True)
    seen = json.loads(out.stdout)
    assert (seen["core"], seen["aten"]) == (core, aten), f"{name}: the kernel runs {seen}, not {core}/{aten}"
    if env.get("OMP_NUM_THREADS") == "1":
        assert (seen["threads"], seen["torch_threads"]) == (1, 1), seen


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.background(*(job.name for job in RUNS[n]))) for n in SETTINGS])
def test_outputs_and_figures_hold_under_other_kernels(name):
    setting = " ".join(f"{k}={v}" for k, v in SETTINGS[name][0].items())
    notebooks, problems = 0, []
    for job in RUNS[name]:
        proc = job.result(timeout=1800)
        lines = proc.stdout.strip().splitlines()
        summary = lines[-1] if lines else ""
        print(f"under {name} ({setting}): {summary}")
        everything = lines + proc.stderr.splitlines()
        moved = [ln for ln in everything if ln.startswith(("MOVED", "Traceback", "nbclient.exceptions"))]
        if proc.returncode != 0 or not summary.endswith(" 0 outputs moved"):
            problems += moved or everything[-40:]
        notebooks += int(summary.split()[0]) if summary.endswith(" outputs moved") else 0
    assert not problems, (
        f"under {name} these notebook cells' outputs differ from the stored ones (they print or draw something "
        f"that depends on the CPU's floating-point kernels):\n" + "\n".join(problems)
    )
    assert notebooks == len(NOTEBOOK_PATHS), f"{notebooks} of {len(NOTEBOOK_PATHS)} notebooks compared"


def test_an_altered_figure_is_caught(tmp_path):
    """The comparison sees a figure that moved, as nbval's text comparison cannot: one pixel of one stored figure."""
    import numpy as np
    from PIL import Image

    name = "00-toy-dataset.ipynb"  # the quickest chapter
    path = tmp_path / name
    shutil.copy(NOTEBOOKS / name, path)
    nb = nbformat.read(path, as_version=4)
    where = next((i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                 for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    pixels = np.array(Image.open(io.BytesIO(base64.b64decode(where[1]["data"]["image/png"]))).convert("RGBA"))
    pixels[10, 10] = [255 - v for v in pixels[10, 10][:3]] + [255]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    where[1]["data"]["image/png"] = base64.b64encode(buffer.getvalue()).decode()
    nbformat.write(nb, path)
    moved, stats = compare(path)
    assert stats["figures"] >= 1
    assert len(moved) == 1 and moved[0].startswith(f"{name} cell {where[0]} (image/png): 1 of "), moved
