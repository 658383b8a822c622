"""Course tooling, not course content: animations for the pages (:mod:`.animation`)."""
