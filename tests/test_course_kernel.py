"""The course's kernelspec starts mlp_lab.course.kernel: ipykernel, with the course's provisioner."""

from __future__ import annotations

import json

from jupyter_client.manager import start_new_kernel

from conftest import ROOT

KERNEL_JSON = ROOT / "jupyter-config" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"


def _run(client, code: str) -> str:
    out = []
    client.execute_interactive(code, output_hook=lambda msg: out.append(msg["content"].get("text", "")))
    return "".join(out)


def test_the_kernelspec_starts_the_course_kernel():
    assert json.loads(KERNEL_JSON.read_text())["argv"][:3] == ["python", "-m", "mlp_lab.course.kernel"]


def test_the_course_kernel_runs_code_and_ends_on_a_graceful_shutdown(tmp_path):
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        text = _run(client, "import sys, os\n"
                            "print(sys.argv[0].endswith('course/kernel.py'),"
                            " '' in sys.path, os.getcwd() == " + repr(str(tmp_path)) + ", 6 * 7)")
        assert text.split() == ["True", "True", "True", "42"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # graceful: the kernel exits by itself
    assert not manager.is_alive()
