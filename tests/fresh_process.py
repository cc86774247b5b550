"""Code run in a fresh interpreter, for what only a new process shows: what a start imports.

Shared by the tests that a start from the caches (content, case, site file) imports no
pydantic: each runs a snippet that prints one JSON object, in which ``PYDANTIC`` reports the
pydantic modules the process has loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR_ENV = "HER2_PATHWAYS_CACHE_DIR"  # pathways.content_cache's

# An expression for a snippet: the pydantic modules loaded so far, sorted.
PYDANTIC = 'sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core"))'


def report(
    code: str, *args: str, cache: Path | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run ``code`` with ``args`` in a new interpreter (the project's root as working folder,
    ``cache`` as the cache folder, ``env`` added to the environment) and return the JSON
    object it printed last."""
    env = {**os.environ, **(env or {})}
    if cache is not None:
        env[CACHE_DIR_ENV] = str(cache)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def pydantic_after_importing(*modules: str) -> list[str]:
    """The pydantic modules a new process has loaded after importing ``modules``."""
    code = f"import json, sys\nimport {', '.join(modules)}\nprint(json.dumps({{'p': {PYDANTIC}}}))"
    found: list[str] = report(code)["p"]
    return found
