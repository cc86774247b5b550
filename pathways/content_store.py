"""Installed content versions, side by side, and offline updates that are never half-installed.

A store is a folder (the app uses its per-user data folder) holding one sub-folder per installed
version, named ``<content_version>-<digest12>``. An update (a content folder, or a .zip / .tar.gz
archive of one) is unpacked into a hidden staging folder in the store, validated (schema,
cross-checks, the site's signature key when there is one), flushed to disk, and only then
renamed into place in one step. A process killed at any point leaves either no new version or a
complete one; the staging folder it leaves is ignored and removed on the next install. Old
versions are never touched: they stay selectable.
"""

from __future__ import annotations

import os
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pathways.content import FILES, MAX_CONTENT_BYTES, Content, load_content
from pathways.errors import ContentError
from pathways.frozen import FrozenValue, frozen_value
from pathways.safe_write import write_text
from pathways.signoff import SIGNATURE_FILE, SignOffState, check_folder, read_texts, review_digest

STAGING_PREFIX = ".staging-"
ACTIVE_FILE = "active"  # the name of the version in use; absent: the bundled content
MEMBERS = (*FILES, SIGNATURE_FILE)  # nothing else is taken from an update
MAX_ARCHIVE_BYTES = 50_000_000


class UpdateError(ContentError):
    """An update that cannot be installed; the installed content is unchanged."""


@frozen_value
class Installed(FrozenValue):
    name: str
    path: Path
    version: str


@frozen_value
class Prepared(FrozenValue):
    """An update unpacked and validated in the staging folder, ready to commit."""

    staging: Path
    content: Content
    state: SignOffState
    name: str


def installed(root: Path) -> list[Installed]:
    """Installed versions, newest name last; staging folders and strays are not versions."""
    out: list[Installed] = []
    if not root.is_dir():
        return out
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        if all((path / name).is_file() for name in FILES):
            out.append(Installed(path.name, path, path.name.rsplit("-", 1)[0]))
    return out


def clean_staging(root: Path) -> int:
    """Remove staging folders left by an interrupted install; returns how many."""
    count = 0
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith(STAGING_PREFIX) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                count += 1
    return count


def _source_files(source: Path) -> Iterator[tuple[str, bytes]]:
    """(name, data) of each content file of a folder or an archive, bounded in size."""
    if source.is_file() and source.name == "pathway.yaml":
        source = source.parent  # a folder chosen through its header file
    if source.is_dir():
        for name in MEMBERS:
            path = source / name
            if path.is_file():
                if path.stat().st_size > MAX_CONTENT_BYTES:
                    raise UpdateError(str(path), "", "file is too large for content")
                yield name, path.read_bytes()
        return
    if not source.is_file():
        raise UpdateError(str(source), "", "not found")
    if source.stat().st_size > MAX_ARCHIVE_BYTES:
        raise UpdateError(str(source), "", "archive is too large for a content update")
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if name in MEMBERS and not info.is_dir():
                    if info.file_size > MAX_CONTENT_BYTES:
                        raise UpdateError(str(source), name, "file is too large for content")
                    yield name, archive.read(info)
        return
    import tarfile  # only for a content update, not at every start (~1 ms)

    try:
        with tarfile.open(source) as archive:
            for member in archive.getmembers():
                name = member.name.rsplit("/", 1)[-1]
                # Regular files only: links and devices in an archive are never followed.
                if name in MEMBERS and member.isfile():
                    if member.size > MAX_CONTENT_BYTES:
                        raise UpdateError(str(source), name, "file is too large for content")
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield name, handle.read(MAX_CONTENT_BYTES + 1)
    except tarfile.TarError:
        raise UpdateError(
            str(source), "", "not a content folder, .zip or .tar.gz archive"
        ) from None


def _fsync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prepare(
    source: Path,
    root: Path,
    public_key: bytes | None = None,
    max_age_days: int = 183,
    after_file: Callable[[str], None] | None = None,
) -> Prepared:
    """Unpack ``source`` into a staging folder of ``root`` and validate it there.

    Raises :class:`ContentError` (the staging folder is removed) when the update is not valid
    content or fails the site's signature check. ``after_file`` is called after each file is
    written (tests use it to interrupt an install).
    """
    root.mkdir(parents=True, exist_ok=True)
    clean_staging(root)
    staging = root / f"{STAGING_PREFIX}{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        seen = set()
        for name, data in _source_files(source):
            if len(data) > MAX_CONTENT_BYTES:
                raise UpdateError(str(source), name, "file is too large for content")
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            seen.add(name)
            if after_file is not None:
                after_file(name)
        missing = [n for n in FILES if n not in seen]
        if missing:
            raise UpdateError(str(source), "", f"not a content update: no {', '.join(missing)}")
        _fsync_folder(staging)
        content = load_content(staging)
        state = check_folder(staging, content, public_key, max_age_days)
        if state.status == "refused":
            raise UpdateError(str(source), "", state.reason)
        digest = review_digest(read_texts(staging))
        return Prepared(staging, content, state, f"{content.version}-{digest[:12]}")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def commit(prepared: Prepared, root: Path) -> Installed:
    """Move a prepared update into place in one rename; an identical version is kept as is."""
    target = root / prepared.name
    if target.exists():
        shutil.rmtree(prepared.staging, ignore_errors=True)
    else:
        os.replace(prepared.staging, target)
        _fsync_folder(root)
    return Installed(prepared.name, target, prepared.content.version)


def install(source: Path, root: Path, public_key: bytes | None = None) -> Installed:
    return commit(prepare(source, root, public_key), root)


def active(root: Path) -> Installed | None:
    """The version selected for use, or None (the bundled content)."""
    try:
        name = (root / ACTIVE_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return next((v for v in installed(root) if v.name == name), None)


def set_active(root: Path, name: str | None) -> None:
    """Select an installed version (None: the bundled content). Written whole or not at all."""
    if name is None:
        (root / ACTIVE_FILE).unlink(missing_ok=True)
        return
    if name not in {v.name for v in installed(root)}:
        raise UpdateError(str(root), "", f"no installed content version {name!r}")
    write_text(root / ACTIVE_FILE, name + "\n")
