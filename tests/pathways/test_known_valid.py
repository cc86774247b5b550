"""The list of digests of files known to be valid (pathways.known_valid)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways import known_valid
from pathways.known_valid import HEADER, KnownValid

CODE = ("case.py", "records.py")


def test_a_digest_added_is_known_to_the_next_process(tmp_path: Path) -> None:
    first = KnownValid("cases", CODE, tmp_path)
    digest = first.digest(b'{"label": "x"}')
    assert digest not in first
    first.add(digest)
    assert digest in first
    again = KnownValid("cases", CODE, tmp_path)  # as a later start reads it
    assert digest in again
    assert (tmp_path / "cases.valid").read_text("ascii").splitlines() == [HEADER, digest]


def test_the_digest_depends_on_the_bytes_the_kind_and_the_code(tmp_path: Path) -> None:
    cases = KnownValid("cases", CODE, tmp_path)
    assert cases.digest(b"a") != cases.digest(b"b")
    assert cases.digest(b"a") != KnownValid("site", CODE, tmp_path).digest(b"a")
    assert cases.digest(b"a") != KnownValid("cases", ("case.py",), tmp_path).digest(b"a")


def test_the_list_keeps_only_the_most_recent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(known_valid, "KEEP", 3)
    store = KnownValid("cases", CODE, tmp_path)
    digests = [store.digest(bytes([i])) for i in range(5)]
    for d in digests:
        store.add(d)
    store.add(digests[2])  # used again: most recent
    lines = (tmp_path / "cases.valid").read_text("ascii").splitlines()
    assert lines == [HEADER, digests[3], digests[4], digests[2]]


def test_a_damaged_or_foreign_list_is_ignored(tmp_path: Path) -> None:
    store = KnownValid("cases", CODE, tmp_path)
    digest = store.digest(b"x")
    for text in (b"\xff\xfe" + digest.encode(), f"other header\n{digest}\n".encode()):
        (tmp_path / "cases.valid").write_bytes(text)
        assert digest not in KnownValid("cases", CODE, tmp_path)
    (tmp_path / "cases.valid").write_text(f"{HEADER}\nnot a digest\n{digest}\n", "ascii")
    assert digest in KnownValid("cases", CODE, tmp_path)
    (tmp_path / "cases.valid").write_bytes(b"0" * 10_000_000)  # too large: not read
    assert digest not in KnownValid("cases", CODE, tmp_path)


def test_a_folder_that_cannot_be_written_costs_nothing_but_the_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be", "utf-8")
    store = KnownValid("cases", CODE, blocked / "sub")
    digest = store.digest(b"x")
    store.add(digest)  # logs, never raises
    assert digest in store
    assert digest not in KnownValid("cases", CODE, blocked / "sub")
