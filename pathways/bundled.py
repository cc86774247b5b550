"""The data shipped inside the package (content, demo cases, code table, icons).

Everything is found through :mod:`importlib.resources`, never relative to a source file, so the
same code works from a source checkout, an installed wheel and a PyInstaller bundle. Callers that
need a real folder on disk (file dialogs, ``Path.glob``) get one from :func:`bundled_folder`: the
package's own folder when its data are plain files (every supported install), otherwise a copy
extracted once per process (a zipped package).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "resources"

_extracted: dict[tuple[str, tuple[str, ...]], Path] = {}


def bundled(*parts: str, package: str = PACKAGE) -> Traversable:
    """The resource ``parts`` (e.g. ``"cases"``, ``"x.json"``) inside ``package``."""
    node = files(package)
    for part in parts:
        node = node / part
    return node


def bundled_folder(*parts: str, package: str = PACKAGE) -> Path:
    """A folder on disk holding the resource folder ``parts`` of ``package``."""
    node = bundled(*parts, package=package)
    if isinstance(node, Path):
        return node
    key = (package, parts)
    if key not in _extracted:
        target = Path(tempfile.mkdtemp(prefix="her2-pathways-data-"))
        # Removed at exit: the copy is a cache of read-only data, never the only one.
        atexit.register(shutil.rmtree, target, True)
        _copy_tree(node, target)
        _extracted[key] = target
    return _extracted[key]


def _copy_tree(node: Traversable, target: Path) -> None:
    for child in node.iterdir():
        if child.is_dir():
            (target / child.name).mkdir()
            _copy_tree(child, target / child.name)
        else:
            (target / child.name).write_bytes(child.read_bytes())
