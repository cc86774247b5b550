"""A corpus of hostile case files, built by generators (the big ones are never committed).

Each entry is a name, a generator writing the file into a folder, and whether the file is a
valid case (exit 0) or must be refused (exit 2). ``SECRET`` marks text that no error message may
ever echo: identifiers in the ``patient`` block, free-text notes and labels, unknown keys' values.
The corpus is run here in-process through ``load_case``, by ``test_hostile_cli.py`` against the
command line with time and memory limits, and by ``tests/app/test_hostile_window.py`` in the
window.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pathways.case import (
    MAX_CASE_BYTES,
    MAX_HISTORY_LINES,
    dump_case,
    load_case,
    parse_case,
    save_case,
)
from pathways.content import Content, load_content
from pathways.errors import MAX_SHOWN, CaseError

SECRET = "Quuxley-4711"
"""Stands for an identifier: never in any error message."""
MAX_ERROR_LINE = 1000


@dataclass(frozen=True)
class Entry:
    name: str
    make: Callable[[Path], Path]
    valid: bool = False
    special: bool = False  # not a regular file: the window's open dialog cannot pick it


def base(**extra: Any) -> dict[str, Any]:
    return {"format": "her2-pathway-case", "version": 1, "label": "Hostile", **extra}


LINE = {"regimen": "tdxd", "setting": "metastatic", "outcome": "progression"}


def _json(name: str, data: Any) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return make


def _raw(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / f"{name}.json"
        path.write_bytes(data() if callable(data) else data)
        return path

    return make


def _history(n: int, note: str | None = None) -> list[dict[str, Any]]:
    """``n`` metastatic lines that could have happened: dated, in order, stopped for toxicity."""
    regimens = ["tdxd", "tdm1", "tucatinib-trastuzumab-capecitabine", "lapatinib-capecitabine"]
    start = date(1990, 1, 1)
    lines = []
    for i in range(n):
        line: dict[str, Any] = {
            "regimen": regimens[i % len(regimens)],
            "setting": "metastatic",
            "start": (start + timedelta(days=30 * i)).isoformat(),
            "end": (start + timedelta(days=30 * i + 20)).isoformat(),
            "outcome": "toxicity",
        }
        if note is not None:
            line["note"] = note
        lines.append(line)
    return lines


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.json"
    os.mkfifo(path)
    return path


def _symlink_to_zero(folder: Path) -> Path:
    path = folder / "zero.json"
    path.symlink_to("/dev/zero")
    return path


def _folder(folder: Path) -> Path:
    path = folder / "folder.json"
    path.mkdir()
    return path


def _control_characters_in_name(folder: Path) -> Path:
    # A terminal escape sequence and a newline in the file name: shown, never obeyed.
    path = folder / "bad\x1b[2J\x1b[31mname\nsecond line.json"
    path.write_bytes(b"{oops")
    return path


def _largest_valid(folder: Path) -> Path:
    # 200 lines, each note 2,000 characters that JSON must escape: the largest saved form.
    data = base(history=_history(MAX_HISTORY_LINES, note="\x01" * 2000))
    path = folder / "largest-valid.json"
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    return path


def _escaped_everything(folder: Path) -> Path:
    # The same case as above written by a tool that escapes every character: far larger on disk,
    # the same content. It must open, and save into a file that opens.
    data = base(history=_history(MAX_HISTORY_LINES, note="é" * 1500))
    text = json.dumps(data, ensure_ascii=True).replace("\\u00e9", "\\u00E9")
    path = folder / "escaped.json"
    path.write_text(text, encoding="ascii")
    return path


CORPUS: tuple[Entry, ...] = (
    # -- not JSON, or not a case
    Entry("empty", _raw("empty", b"")),
    Entry("whitespace", _raw("whitespace", b" \n\t " * 100)),
    Entry("null", _raw("null", b"null")),
    Entry("array", _raw("array", b"[]")),
    Entry("number", _raw("number", b"0")),
    Entry("truncated", _raw("truncated", json.dumps(base(history=[LINE])).encode()[:-7])),
    Entry("not-utf8", _raw("not-utf8", b'{"label": "\xff\xfe\xfa"}')),
    Entry("utf16", _raw("utf16", json.dumps(base()).encode("utf-16"))),
    Entry("nul-bytes", _raw("nul-bytes", b"\0" * 1000)),
    Entry(
        "nan",
        _raw("nan", b'{"format": "her2-pathway-case", "version": 1, "factors": {"lvef": NaN}}'),
    ),
    Entry(
        "infinity-by-overflow",
        _raw(
            "infinity-by-overflow",
            b'{"format": "her2-pathway-case", "version": 1, "factors": {"lvef": 1e999}}',
        ),
    ),
    Entry("deep-arrays", _raw("deep-arrays", lambda: b"[" * 1_000_000 + b"]" * 1_000_000)),
    Entry("deep-objects", _raw("deep-objects", lambda: b'{"a":' * 500_000 + b"1" + b"}" * 500_000)),
    # -- size and length
    Entry("over-size-limit", _raw("over-size-limit", lambda: b" " * (MAX_CASE_BYTES + 1))),
    Entry("history-100000-empty", _json("history-100000-empty", base(history=[{}] * 100_000))),
    Entry("history-5000", _json("history-5000", base(history=_history(5000)))),
    Entry("history-201", _json("history-201", base(history=_history(MAX_HISTORY_LINES + 1)))),
    Entry("history-200", _json("history-200", base(history=_history(MAX_HISTORY_LINES))), True),
    Entry("largest-valid", _largest_valid, True),
    Entry("escaped-everything", _escaped_everything, True),
    Entry(
        "factors-100000-keys",
        _json("factors-100000-keys", base(factors={f"k{i}": SECRET for i in range(100_000)})),
    ),
    Entry("note-too-long", _json("note-too-long", base(history=[{**LINE, "note": SECRET * 500}]))),
    Entry("label-megabyte", _json("label-megabyte", base(label=SECRET * 100_000))),
    # -- identifiers and unknown keys: never echoed
    Entry(
        "patient-name-huge", _json("patient-name-huge", base(patient={"name": SECRET * 400_000}))
    ),
    Entry(
        "record-number-long",
        _json("record-number-long", base(patient={"record_number": SECRET * 20})),
    ),
    Entry(
        "birth-date-invalid",
        _json("birth-date-invalid", base(patient={"birth_date": f"19{SECRET}"})),
    ),
    Entry(
        "birth-date-future", _json("birth-date-future", base(patient={"birth_date": "9999-01-01"}))
    ),
    Entry("birth-date-number", _json("birth-date-number", base(patient={"birth_date": 0}))),
    Entry("patient-unknown-key", _json("patient-unknown-key", base(patient={SECRET: SECRET}))),
    Entry("patient-age-text", _json("patient-age-text", base(patient={"age": SECRET}))),
    Entry("unknown-top-key", _json("unknown-top-key", base(comment=SECRET))),
    Entry("unknown-factor", _json("unknown-factor", base(factors={"hormone_recepter": SECRET}))),
    Entry("unknown-line-key", _json("unknown-line-key", base(history=[{**LINE, "x": SECRET}]))),
    Entry("patient-is-list", _json("patient-is-list", base(patient=[SECRET]))),
    Entry(
        "lone-surrogate-name",
        _raw(
            "lone-surrogate-name",
            b'{"format": "her2-pathway-case", "version": 1, "patient": {"name": "A\\ud800B"}}',
        ),
    ),
    Entry(
        "lone-surrogate-label",
        _raw(
            "lone-surrogate-label",
            b'{"format": "her2-pathway-case", "version": 1, "label": "\\udfff"}',
        ),
    ),
    # -- silent acceptance
    Entry(
        "duplicate-history",
        _raw(
            "duplicate-history",
            json.dumps(base(history=[LINE])).encode()[:-1] + b', "history": []}',
        ),
    ),
    Entry(
        "duplicate-in-patient",
        _raw(
            "duplicate-in-patient",
            f'{{"format": "her2-pathway-case", "version": 1, "patient": {{"{SECRET}": 1, '
            f'"{SECRET}": 2}}}}'.encode(),
        ),
    ),
    Entry("version-true", _json("version-true", {**base(), "version": True})),
    Entry("version-text", _json("version-text", {**base(), "version": "1"})),
    Entry("version-2", _json("version-2", {**base(), "version": 2})),
    Entry("format-megabyte", _json("format-megabyte", {**base(), "format": "x" * 1_000_000})),
    Entry("date-zero", _json("date-zero", base(metastatic_diagnosis=0))),
    Entry("date-impossible", _json("date-impossible", base(metastatic_diagnosis="2023-13-45"))),
    Entry(
        "date-with-time", _json("date-with-time", base(metastatic_diagnosis="2023-01-02T00:00:00"))
    ),
    Entry("date-1800", _json("date-1800", base(metastatic_diagnosis="1800-01-01"))),
    Entry("boolean-as-text", _json("boolean-as-text", base(factors={"ild_history": "yes"}))),
    Entry("number-as-text", _json("number-as-text", base(factors={"lvef": "50"}))),
    Entry("number-as-boolean", _json("number-as-boolean", base(factors={"lvef": True}))),
    Entry(
        "hypothetical-line",
        _json("hypothetical-line", base(history=[{**LINE, "hypothetical": True}])),
    ),
    Entry(
        "regimen-megabyte",
        _json("regimen-megabyte", base(history=[{**LINE, "regimen": "x" * 1_000_000}])),
    ),
    Entry("regimen-number", _json("regimen-number", base(history=[{**LINE, "regimen": 7}]))),
    Entry("setting-object", _json("setting-object", base(history=[{**LINE, "setting": {}}]))),
    Entry(
        "ongoing-not-last",
        _json("ongoing-not-last", base(history=[{**LINE, "outcome": "ongoing"}, LINE])),
    ),
    Entry(
        "markup-label",
        _json(
            "markup-label",
            base(
                label='<img src="x"><a href="http://example.com">link</a>' + "<table><tr><td>" * 8,
                history=[{**LINE, "note": "<b>bold</b><img src=y>"}],
            ),
        ),
        True,
    ),
    Entry("control-characters-in-name", _control_characters_in_name),
    # -- not regular files
    Entry("fifo", _fifo, special=True),
    Entry("dev-zero", _symlink_to_zero, special=True),
    Entry("folder", _folder, special=True),
)


def make_corpus(folder: Path) -> dict[str, tuple[Path, Entry]]:
    folder.mkdir(parents=True, exist_ok=True)
    return {e.name: (e.make(folder), e) for e in CORPUS}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Entry]]:
    return make_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def check_message(line: str) -> None:
    """What every error message must be: one bounded line, no identifier, no traceback."""
    assert "\n" not in line.rstrip("\n"), line[:300]
    assert len(line) <= MAX_ERROR_LINE, line[:300]
    assert SECRET not in line and "Quux" not in line, line[:300]
    assert "Traceback" not in line
    assert "\x1b" not in line  # no terminal escape sequence obeyed


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.name)
def test_load_case_refuses_or_accepts_cleanly(
    entry: Entry, corpus: dict[str, tuple[Path, Entry]], content: Content
) -> None:
    path, _ = corpus[entry.name]
    if entry.valid:
        case = load_case(path, content)
        # A case that opens saves into a file that opens, with the same content.
        again = path.parent / f"{entry.name}.saved.json"
        save_case(case, again)
        assert load_case(again, content) == case
        assert again.stat().st_size <= MAX_CASE_BYTES
        return
    with pytest.raises(CaseError) as caught:
        load_case(path, content)
    check_message(caught.value.one_line())


def test_echoed_values_are_cut(corpus: dict[str, tuple[Path, Entry]], content: Content) -> None:
    path, _ = corpus["regimen-megabyte"]
    with pytest.raises(CaseError) as caught:
        load_case(path, content)
    assert "unknown regimen" in caught.value.problem
    assert len(caught.value.problem) < MAX_SHOWN + 100


def test_duplicate_history_key_names_the_key(
    corpus: dict[str, tuple[Path, Entry]], content: Content
) -> None:
    path, _ = corpus["duplicate-history"]
    with pytest.raises(CaseError, match='"history" appears twice'):
        load_case(path, content)


def test_history_cap_names_the_limit(corpus: dict[str, tuple[Path, Entry]]) -> None:
    path, _ = corpus["history-5000"]
    with pytest.raises(
        CaseError, match=f"5,000 lines of therapy; the limit is {MAX_HISTORY_LINES}"
    ):
        load_case(path)


def test_largest_valid_case_saves_under_the_content_limit(content: Content) -> None:
    case = parse_case(json.dumps(base(history=_history(MAX_HISTORY_LINES, note="\x01" * 2000))))
    assert len(dump_case(case).encode()) <= 3_000_000
