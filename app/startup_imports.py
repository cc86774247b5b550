"""The domain and its libraries, imported first: :mod:`app.main` imports this before PySide6.

PySide6 installs an import hook that reads the source of every module imported after it
(looking for "PySide6" in it) and keeps the text in ``linecache``. networkx, pydantic, PyYAML
and the domain imported before Qt spare start-up about 0.1 s and 20 MB. Nothing else happens
here; the window's modules need Qt and come after it.
"""

# ruff: noqa: F401 - every import here is for its side effect (loaded before Qt)

from __future__ import annotations

import logging.handlers  # the log file's

import pathways.bundled
import pathways.case
import pathways.content
import pathways.content_cache
import pathways.content_checks
import pathways.content_diff  # with it the engine (networkx) and the schema (pydantic)
import pathways.content_store
import pathways.errors
import pathways.library  # the case library's interface (its backends load when one is opened)
import pathways.scenarios
import pathways.signoff
import pathways.site
import pathways.snapshot_diff
import pathways.version
import pathways.walkthrough
