# mlp-lab's Jupyter server settings. The README's set-up copies jupyter-config/ into the virtual
# environment (`cp -R jupyter-config/. .venv/`), so they apply to `jupyter lab` started from it
# and leave the user's own ~/.jupyter alone.
#
# Saving a notebook runs mlp_lab's pre-save hook, which keeps the course's notebooks in their
# committed form (no Python version, no cell timings, no outputs of the cells that measure time,
# gated solutions folded, metadata keys sorted): a learner's *Run All* and save leaves `git status`
# clean. Loading one gives it the running Python's version, which the kernel reports when it starts,
# so that a chapter does not open marked modified, and shows the numbers glued into the prose in place
# of their {glue:text} roles (saving puts the roles back). See mlp_lab/course/notebook_format.py,
# mlp_lab/course/jupyter.py, mlp_lab/course/glue_prose.py.
try:
    from mlp_lab.course.jupyter import CourseContentsManager
    from mlp_lab.course.notebook_format import pre_save_hook
except ImportError:  # mlp_lab is not installed here: run Jupyter without the course's settings
    pass
else:
    c.ServerApp.contents_manager_class = CourseContentsManager  # noqa: F821 - `c` is the config Jupyter passes in
    c.ContentsManager.pre_save_hook = pre_save_hook  # noqa: F821
