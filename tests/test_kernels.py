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
all. The two runs go in parallel, so the extra wall time is about one notebook run on this 2-core
machine.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from compare_outputs import compare
from conftest import NOTEBOOKS, ROOT

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


def _env(overrides: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "MKL_", "ATEN_", "OMP_"))}
    return {**env, **overrides, "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.Popen, Path]]:
    """Start the comparison of every notebook under each setting, all at once; output goes to files."""
    notebooks = sorted(str(p.relative_to(ROOT)) for p in NOTEBOOKS.glob("*.ipynb"))
    cmd = [sys.executable, str(ROOT / "tools" / "compare_outputs.py"), *notebooks]
    logs = tmp_path_factory.mktemp("kernels")
    procs = {}
    for name, (env, _) in SETTINGS.items():
        log = logs / f"{name}.log"
        with log.open("w") as out:
            procs[name] = (subprocess.Popen(cmd, cwd=ROOT, env=_env(env), stdout=out, stderr=subprocess.STDOUT), log)
    yield procs
    for proc, _ in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_setting_really_changes_the_kernels(name):
    env, (core, aten) = SETTINGS[name]
    out = subprocess.run([sys.executable, "-c", PROBE], env=_env(env), capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert (seen["core"], seen["aten"]) == (core, aten), f"{name}: the kernel runs {seen}, not {core}/{aten}"
    if env.get("OMP_NUM_THREADS") == "1":
        assert (seen["threads"], seen["torch_threads"]) == (1, 1), seen


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_outputs_and_figures_hold_under_other_kernels(runs, name):
    proc, log = runs[name]
    proc.wait(timeout=1200)
    lines = log.read_text().strip().splitlines()
    summary = lines[-1] if lines else ""
    print(f"under {name} ({' '.join(f'{k}={v}' for k, v in SETTINGS[name][0].items())}): {summary}")
    moved = [ln for ln in lines if ln.startswith(("MOVED", "Traceback", "nbclient.exceptions"))]
    assert proc.returncode == 0, (
        f"under {name} these notebook cells' outputs differ from the stored ones (they print or draw something "
        f"that depends on the CPU's floating-point kernels):\n" + "\n".join(moved or lines[-40:])
    )
    assert summary.endswith(" 0 outputs moved"), summary


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
