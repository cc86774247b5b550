"""The validated content, cached on disk: start-up without parsing and validating the YAML.

Parsing the five content files and validating them (pydantic, then the cross-file checks) is
the largest part of loading the content. A successful load is therefore kept in the user's cache
folder as a pickle, and the next start with the very same files reads it back in a few
milliseconds. Validation still decides everything: a cache entry is only ever written from
content that passed it, and whenever the cache cannot be used the files are validated again
(which is also what produces the error messages for bad content).

The cache is used only when all of these hold; otherwise it is ignored (and rewritten):

- its key matches: a SHA-256 over the five files' names and texts, the folder, the app version,
  the Python version, the pydantic version and the source of the modules that validate
  (:data:`_CODE`): other files, another schema or other checks never reuse an old entry;
- its own SHA-256 of the payload matches (a truncated or damaged file is refused);
- it is at most :data:`MAX_CACHE_BYTES`, a regular file, and unpickles through
  :class:`_ContentUnpickler`, which builds only the content's own record types: a planted file
  cannot run code (plain ``pickle.load`` would run whatever the file names).

Anyone who can write the user's cache folder can also change the user's other files; what the
checks guard against is damage (crashes, full disks, older versions) and code execution, and no
problem with the cache ever stops the start: it falls back to validating, and a folder that
cannot be written just means no cache. Writes go through :mod:`pathways.safe_write` (whole or
not at all), and only the :data:`KEEP` most recent entries are kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathways.errors import PathwayError
from pathways.safe_write import read_bounded, write_bytes
from pathways.version import APP_VERSION

if TYPE_CHECKING:
    from pathways.content import Content

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "HER2_PATHWAYS_CACHE_DIR"  # a folder to use instead of the user cache folder
MAGIC = b"HER2PWC\x02"  # format version in the last byte
MAX_CACHE_BYTES = 32_000_000
KEEP = 4  # entries kept: the bundled content, a site's, and a few being edited
SUFFIX = ".content-cache"
# The modules whose code decides what valid content is: a change to any of them is a new key.
_CODE = (
    "records.py",
    "frozen.py",
    "schema.py",
    "content.py",
    "placed_yaml.py",
    "content_checks.py",
    "conditions.py",
    "facts.py",
    "names.py",
    "vocab.py",
    "content_cache.py",
)
_HERE = Path(__file__).resolve().parent
_ORGANIZATION = "HER2 Pathways"  # as app.settings names the app for QStandardPaths
_APPLICATION = "her2-pathways"

# One object per cache key in this process: content is compared by identity.
_MEMO: dict[str, Content] = {}


class _Refused(Exception):
    """The cache entry cannot be used (the reason is logged, never shown)."""


def cache_dir() -> Path | None:
    """The folder of the content cache, as Qt's ``CacheLocation`` names it, or None.

    ``$HER2_PATHWAYS_CACHE_DIR`` overrides it (tests and benchmarks use their own folder).
    Qt-free, so that the engine and the command line use the same cache as the window.
    """
    override = os.environ.get(CACHE_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser() / "content"
    try:
        if sys.platform == "win32":
            base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
            return base / _ORGANIZATION / _APPLICATION / "cache" / "content"
        if sys.platform == "darwin":
            base = Path.home() / "Library" / "Caches"
        else:
            xdg = os.environ.get("XDG_CACHE_HOME", "")
            base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    except RuntimeError:  # no home folder: no cache
        return None
    return base / _ORGANIZATION / _APPLICATION / "content"


@cache
def code_fingerprint(names: tuple[str, ...] = _CODE, here: Path = _HERE) -> bytes:
    """What validates a file: versions (app, Python, pydantic) and the source of the modules
    ``names`` in ``here`` (this package). Pydantic's version is read from its files, not
    imported: a start from the caches never loads it."""
    h = hashlib.sha256(MAGIC)
    for part in (APP_VERSION, sys.version):
        h.update(part.encode() + b"\0")
    h.update(_pydantic_release())
    for name in names:
        try:
            h.update(name.encode() + b"\0" + (here / name).read_bytes())
        except OSError:
            # A frozen build ships no source: its executable stands for its code (a new
            # build is a new file). os.urandom if even that fails: then never a cache hit.
            try:
                info = os.stat(sys.executable)
                h.update(f"{name}\0frozen\0{info.st_size}\0{info.st_mtime_ns}".encode())
            except OSError:
                h.update(os.urandom(16))
    return h.digest()


def _pydantic_release() -> bytes:
    """Pydantic's ``version.py`` and the file names in its compiled core's folder (which name
    the release), found without importing either; random bytes (never a hit) when they cannot
    be read."""
    import importlib.util

    try:
        specs = [importlib.util.find_spec(name) for name in ("pydantic", "pydantic_core")]
        origins = [Path(spec.origin) for spec in specs if spec is not None and spec.origin]
        if len(origins) != 2:
            raise OSError("not found")
        version = (origins[0].parent / "version.py").read_bytes()
        core = sorted(p.name for p in origins[1].parent.iterdir() if p.suffix in {".so", ".pyd"})
        return version + b"\0" + "\0".join(core).encode() + b"\0"
    except (ImportError, ValueError, OSError):
        if getattr(sys, "frozen", False):
            return b"frozen\0"  # the executable's size and time stand for it (above)
        return os.urandom(16)


def cache_key(texts: Mapping[str, str], origin: str) -> str:
    """The key of the content in these texts, from this folder, validated by this code."""
    from pathways.content import FILES

    h = hashlib.sha256(code_fingerprint())
    h.update(origin.encode("utf-8", "surrogatepass") + b"\0")
    for name in FILES:
        text = texts.get(name)
        h.update(name.encode() + (b"\1" + text.encode("utf-8", "surrogatepass") if text else b"\0"))
    return h.hexdigest()


def cached_content(
    texts: Mapping[str, str], origin: str, validate: Callable[[Mapping[str, str], str], Content]
) -> Content:
    """The content of ``texts``: from the cache when it holds exactly them, else validated
    by ``validate(texts, origin)`` and then cached. Errors of ``validate`` propagate."""
    key = cache_key(texts, origin)
    if key in _MEMO:
        return _MEMO[key]
    folder = cache_dir()
    path = folder / f"{key[:40]}{SUFFIX}" if folder is not None else None
    content = _read(path, key) if path is not None else None
    if content is None:
        content = validate(texts, origin)
        if path is not None:
            _write(path, key, content)
    else:
        # Later load_content_texts() calls on the same texts get this very object too.
        from pathways import content as content_module

        content_module._CACHE.setdefault(content.digest, content)
    _MEMO[key] = content
    return content


def _read(path: Path, key: str) -> Content | None:
    try:
        data = read_bounded(path, MAX_CACHE_BYTES, "a content cache")
    except PathwayError:  # missing (the usual miss), unreadable, too large, not a file
        return None
    try:
        return _decode(data, key)
    except _Refused as exc:
        log.info("content cache %s not used: %s", path.name, exc)
    except Exception as exc:  # whatever a damaged pickle raises: validate instead
        log.info("content cache %s not used: %s", path.name, type(exc).__name__)
    return None


def _decode(data: bytes, key: str) -> Content:
    from pathways.content import Content

    head = len(MAGIC) + 64
    if len(data) < head or not data.startswith(MAGIC):
        raise _Refused("not a content cache of this format")
    if data[len(MAGIC) : len(MAGIC) + 32] != bytes.fromhex(key):
        raise _Refused("made from other files or by other code")
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC) + 32 : head]:
        raise _Refused("damaged (its digest does not match)")
    content = _ContentUnpickler(io.BytesIO(payload)).load()
    if not isinstance(content, Content) or not isinstance(content.digest, str):
        raise _Refused("does not hold content")
    return content


def _encode(key: str, content: Content) -> bytes:
    payload = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + bytes.fromhex(key) + hashlib.sha256(payload).digest() + payload


def _write(path: Path, key: str, content: Content) -> None:
    try:
        data = _encode(key, content)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, data)
        _prune(path.parent, keep=path)
    except (OSError, PathwayError, pickle.PicklingError, RecursionError) as exc:
        # A read-only or full disk only costs the next start its validation.
        log.info("content cache not written: %s", type(exc).__name__)


def _prune(folder: Path, keep: Path) -> None:
    """Only the most recent entries stay: every content folder ever opened would pile up."""
    entries: list[tuple[float, Path]] = []
    for entry in folder.iterdir():
        if entry.suffix == SUFFIX and entry != keep:
            try:
                entries.append((entry.stat().st_mtime, entry))
            except OSError:
                continue
    entries.sort(reverse=True)
    for _, old in entries[KEEP - 1 :]:
        try:
            old.unlink()
        except OSError:
            continue


class _ContentUnpickler(pickle.Unpickler):
    """Builds only the content's record types: no other class or function can be named."""

    def find_class(self, module: str, name: str) -> Any:
        from pathways import schema, vocab
        from pathways.content import Content
        from pathways.records import Record

        if (module, name) == ("datetime", "date"):
            from datetime import date

            return date
        if (module, name) == ("pathways.content", "Content"):
            return Content
        source = {"pathways.schema": schema, "pathways.vocab": vocab}.get(module)
        found = getattr(source, name, None) if source is not None and name.isidentifier() else None
        # The records, and the vocabulary's enums.
        if isinstance(found, type) and found is not Record and issubclass(found, Record | Enum):
            return found
        raise _Refused(f"names {module}.{name}, which content does not use")


__all__ = ["CACHE_DIR_ENV", "cache_dir", "cache_key", "cached_content", "code_fingerprint"]
