"""Course tooling, not course content: animations for the pages (:mod:`.animation`), numbers glued
into the prose (:mod:`.glue`), the form in which chapters are stored (:mod:`.notebook_format`, the
pre-save hook) and the course's Jupyter server and kernel set-up (:mod:`.jupyter`, :mod:`.kernel`)."""
