"""How the course's Jupyter server and kernels are set up (installed by the README's set-up step).

Two pieces, each named by a file of ``jupyter-config/``:

`EncryptedLocalProvisioner` (named by the course's ``python3`` kernelspec,
``jupyter-config/share/jupyter/kernels/python3/kernel.json``). ipykernel 7.4 warns, once per kernel
start, ``Kernel is running over TCP without encryption`` unless its connection file carries
CurveZMQ keys (or names the ``ipc`` transport). Whoever starts a kernel decides that: JupyterLab,
but also nbclient inside the book's build (myst-nb, jupyter-cache) and nbval, which create a bare
``KernelManager`` that reads no configuration file. The one place all of them read is the
kernelspec, whose ``metadata.kernel_provisioner`` names this provisioner (registered under the
``jupyter_client.kernel_provisioners`` entry point in ``pyproject.toml``): jupyter_client's local
provisioner with transport encryption required, so that every kernel gets a fresh CurveZMQ key pair
in its connection file and no warning arises.

`CourseContentsManager` (named by ``jupyter-config/etc/jupyter/jupyter_server_config.py``). When a
kernel starts, JupyterLab writes the kernel's ``language_info`` into the notebook; the committed
notebooks leave out its Python version (it depends on the machine: see
:mod:`mlp_lab.course.notebook_format`), so every chapter would open already marked modified. This
contents manager hands JupyterLab each notebook with the version of the Python that runs the server,
which is the kernel's (the kernelspec starts ``python``, that is, the server's interpreter); the
pre-save hook takes it out again on save. Jupytext's server extension wraps it as it wraps the
default one.
"""

from __future__ import annotations

import platform
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager


class EncryptedLocalProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching with ``transport_encryption="required"``.

    The kernelspec advertises ``supported_encryption: ["curve"]`` (ipykernel >= 7.3 reads the keys);
    "required" makes a kernel that cannot be encrypted an error rather than a silent fallback to
    plain TCP.
    """

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("transport_encryption", "required")
        return await super().pre_launch(**kwargs)


class CourseContentsManager(AsyncLargeFileManager):
    """jupyter_server's default contents manager, giving notebooks the running Python's version."""

    async def get(self, path: str, content: bool = True, type: str | None = None, **kwargs: Any) -> dict:  # noqa: A002
        model = await super().get(path, content=content, type=type, **kwargs)
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            info = model["content"].get("metadata", {}).get("language_info")
            if isinstance(info, dict) and info.get("name") == "python" and "version" not in info:
                info["version"] = platform.python_version()
        return model
