"""The domain and its libraries, imported first: :mod:`app.main` imports this before PySide6.

PySide6 installs an import hook that reads the source of every module imported after it
(looking for "PySide6" in it) and keeps the text in ``linecache``. networkx and the domain
imported before Qt spare start-up about 0.07 s CPU and 15 MB (medians of 5 alternating runs of
this module and ``PySide6.QtWidgets`` in either order: 253 vs 321 ms, 61 vs 76 MB). Pydantic is
not imported at start at all: the records are plain dataclasses, validated (and pydantic
imported) only for a file not read before -- a content cache miss, a new case or site file.
PyYAML is imported when a YAML file is read (a site file, or the content on a cache miss);
the content diff and the scenarios when a content update is reviewed. Nothing else happens
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
import pathways.content_store
import pathways.engine  # with it networkx
import pathways.errors
import pathways.library  # the case library's interface (its backends load when one is opened)
import pathways.signoff
import pathways.site
import pathways.snapshot_diff
import pathways.version
import pathways.walkthrough
