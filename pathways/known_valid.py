"""Files known to be valid: digests of exact file contents that validation has accepted.

Reading a case (or a site file) at start-up would otherwise import pydantic and build its
validators (~0.1 s, 19 MB) only to learn, again, that the very same bytes are valid. When a
file passes validation -- and :func:`pathways.records.from_valid_data` rebuilds exactly the
same records from it -- its digest is remembered; the next time the same bytes come with the
same code, the records are built directly. Anything else (new bytes, other code, another
version of Python or pydantic, a damaged or missing list) is validated as usual.

Only digests are kept, never a file's text: a SHA-256 over the code's fingerprint and the
bytes (of a patient's case too) says nothing about what the file holds. The list lives in
the user's cache folder beside the content cache, holds the :data:`KEEP` most recent digests
per kind, and is written whole or not at all; a list that cannot be read or written only
costs the next start its validation.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from pathways.content_cache import cache_dir, code_fingerprint
from pathways.errors import PathwayError
from pathways.safe_write import read_bounded, write_text

log = logging.getLogger(__name__)

HEADER = "her2-pathways known-valid 1"
KEEP = 500
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAX_BYTES = len(HEADER) + 1 + KEEP * 65 + 64


class KnownValid:
    """The digests of one kind of file (``kind`` names the list: "cases", "site") whose
    validity is decided by the modules ``code`` of :mod:`pathways`."""

    def __init__(self, kind: str, code: tuple[str, ...], folder: Path | None = None) -> None:
        if not re.fullmatch(r"[a-z][a-z-]*", kind):
            raise ValueError(f"bad kind {kind!r}")
        self._kind = kind
        self._code = code
        self._folder = folder
        self._digests: list[str] | None = None  # read on first use

    def digest(self, data: bytes) -> str:
        h = hashlib.sha256(code_fingerprint(self._code))
        h.update(self._kind.encode() + b"\0" + data)
        return h.hexdigest()

    def __contains__(self, digest: str) -> bool:
        return digest in self._known()

    def add(self, digest: str) -> None:
        """Remember ``digest`` (most recent last); the list is rewritten whole."""
        known = self._known()
        if known and known[-1] == digest:
            return
        if digest in known:
            known.remove(digest)
        known.append(digest)
        del known[:-KEEP]
        path = self._path()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, "\n".join([HEADER, *known]) + "\n")
        except (OSError, PathwayError) as exc:
            log.info("known-valid list %s not written: %s", self._kind, type(exc).__name__)

    def _path(self) -> Path | None:
        folder = self._folder
        if folder is None:
            content_folder = cache_dir()
            folder = content_folder.parent if content_folder is not None else None
        return folder / f"{self._kind}.valid" if folder is not None else None

    def _known(self) -> list[str]:
        if self._digests is None:
            self._digests = self._read()
        return self._digests

    def _read(self) -> list[str]:
        path = self._path()
        if path is None:
            return []
        try:
            text = read_bounded(path, _MAX_BYTES, "a known-valid list").decode("ascii")
        except PathwayError:  # missing (the first time), unreadable, too large
            return []
        except UnicodeDecodeError:
            log.info("known-valid list %s not used: not text", self._kind)
            return []
        lines = text.splitlines()
        if not lines or lines[0] != HEADER:
            log.info("known-valid list %s not used: another format", self._kind)
            return []
        return [line for line in lines[1:] if _DIGEST.fullmatch(line)]
