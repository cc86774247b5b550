"""`pathways` is the engine: it must import and run without Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_pathways_imports_no_qt() -> None:
    code = (
        "import sys, pathways.cli, pathways.engine, pathways.content, pathways.case, "
        "pathways.graph, pathways.library, pathways.fhir\n"
        "from pathways.content import load_content\n"
        "from pathways.engine import Engine\n"
        "Engine(load_content())\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
