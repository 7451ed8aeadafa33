"""Imported by the solver's fork server (``solver_process.SEMANTIC_PRELOAD``), and only there:
loads the semantic text model once, before any run's child is forked, so that every run starts
with it in memory (shared copy-on-write) instead of loading it again.

A fork server ignores only an ``ImportError`` in its preloads; anything else would stop it, so
every failure is swallowed here: the child then loads the model itself, or reports why not.
"""

from __future__ import annotations

import contextlib

with contextlib.suppress(Exception):
    from peerpear.engine.semantic import load_model

    load_model()
