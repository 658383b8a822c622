# mlp-lab's Jupyter server settings. The README's set-up copies jupyter-config/ into the virtual
# environment (`cp -R jupyter-config/. .venv/`), so they apply to `jupyter lab` started from it
# and leave the user's own ~/.jupyter alone.
#
# Saving a notebook runs mlp_lab's pre-save hook, which keeps the course's notebooks in their
# committed form (no Python version, no cell timings, gated solutions folded): a learner's
# *Run All* and save leaves `git status` clean. See mlp_lab/_notebook_format.py.
try:
    from mlp_lab._notebook_format import pre_save_hook
except ImportError:  # mlp_lab is not installed here: run Jupyter without the hook
    pass
else:
    c.ContentsManager.pre_save_hook = pre_save_hook  # noqa: F821 - `c` is the config Jupyter passes in
