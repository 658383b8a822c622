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

`CourseContentsManager` (named by ``jupyter-config/etc/jupyter/jupyter_server_config.py``): Jupytext's
contents manager (which pairs ``book/NN-name.md`` with ``notebooks/NN-name.ipynb``, see
``jupytext.toml``) with two changes to what JupyterLab is handed, undone on save. It derives from
``jupytext.build_async_jupytext_contents_manager_class``, so it is the outermost layer: it sees the
notebook after Jupytext has joined the ``.md``'s cells with the ``.ipynb``'s outputs, and before
Jupytext writes both files on save (Jupytext's server extension sees that the class is Jupytext's
already and does not wrap it again).

- The Python version. When a kernel starts, JupyterLab writes the kernel's ``language_info`` into
  the notebook; the committed notebooks leave out its Python version (it depends on the machine:
  see :mod:`mlp_lab.course.notebook_format`), so every chapter would open already marked modified.
  Each notebook is handed over with the version of the Python that runs the server, which is the
  kernel's (the kernelspec starts ``python``, that is, the server's interpreter); the pre-save hook
  takes it out again on save.
- Glued numbers (:mod:`mlp_lab.course.glue_prose`). The prose's ``{glue:text}`` roles are replaced
  by the values the notebook's outputs hold, formatted as on the site, so that they read as prose;
  saving puts the roles back, so the files keep them.
"""

from __future__ import annotations

import platform
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext import build_async_jupytext_contents_manager_class

from mlp_lab.course.glue_prose import restore_glue_roles, show_glued_numbers


class EncryptedLocalProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching with ``transport_encryption="required"``.

    The kernelspec advertises ``supported_encryption: ["curve"]`` (ipykernel >= 7.3 reads the keys);
    "required" makes a kernel that cannot be encrypted an error rather than a silent fallback to
    plain TCP.
    """

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("transport_encryption", "required")
        return await super().pre_launch(**kwargs)


class CourseContentsManager(build_async_jupytext_contents_manager_class(AsyncLargeFileManager)):
    """Jupytext's contents manager, giving notebooks the running Python's version and glued numbers as text."""

    async def get(self, path: str, content: bool = True, type: str | None = None, **kwargs: Any) -> dict:  # noqa: A002
        model = await super().get(path, content=content, type=type, **kwargs)
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            info = model["content"].get("metadata", {}).get("language_info")
            if isinstance(info, dict) and info.get("name") == "python" and "version" not in info:
                info["version"] = platform.python_version()
            show_glued_numbers(model["content"])
        return model

    async def save(self, model: dict, path: str = "") -> dict:
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            restore_glue_roles(model["content"])
        return await super().save(model, path)
