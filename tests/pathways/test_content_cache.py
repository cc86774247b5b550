"""The validated-content cache: used when it holds exactly these files, else validated again.

Each test starts as a new process would: the in-memory caches are emptied, and the disk cache
lives in the test's own folder. Whether a load validated is seen through a spy on
``load_content_texts`` (what ``load_content`` calls when the cache cannot be used).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pathways import content as content_module
from pathways import content_cache
from pathways.content import Content, bundled_content_dir, load_content
from pathways.errors import ContentErrors
from tests.fresh_process import PYDANTIC, pydantic_after_importing, report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the bundled content, which the test may change."""
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(content_cache.CACHE_DIR_ENV, str(where))
    fresh_process(monkeypatch)
    return where / "content"


def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content_cache, "_MEMO", {})
    monkeypatch.setattr(content_module, "_CACHE", {})


class Spy:
    """Counts the validations that ``load_content`` falls back to."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._real: Callable[[Mapping[str, str], str], Content] = content_module.load_content_texts
        monkeypatch.setattr(content_module, "load_content_texts", self)

    def __call__(self, texts: Mapping[str, str], origin: str = "<content>") -> Content:
        self.calls += 1
        return self._real(texts, origin)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"*{content_cache.SUFFIX}"))


def test_a_valid_cache_is_used_instead_of_validating(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    first = load_content(folder)
    assert spy.calls == 1
    assert len(entries(cache)) == 1

    fresh_process(monkeypatch)
    second = load_content(folder)
    assert spy.calls == 1  # read back, not validated
    assert second is not first
    assert second.digest == first.digest
    assert second.version == first.version
    assert set(second.regimens) == set(first.regimens)
    assert second.regimens["tdm1"] == first.regimens["tdm1"]
    assert second.transitions == first.transitions
    assert second.resolve_regimen("Enhertu") == first.resolve_regimen("Enhertu")
    # One object per content in a process, whichever way it is asked for.
    assert load_content(folder) is second
    texts = {name: (folder / name).read_text("utf-8") for name in content_module.FILES}
    assert content_module.load_content_texts(texts, str(folder)) is second


def test_changed_files_are_validated_again_and_cached_anew(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    before = load_content(folder)
    header = folder / "pathway.yaml"
    text = header.read_text("utf-8")
    assert before.version in text
    header.write_text(text.replace(before.version, "9.9.9", 1), "utf-8")

    fresh_process(monkeypatch)
    after = load_content(folder)
    assert spy.calls == 2
    assert after.version == "9.9.9"
    assert len(entries(cache)) == 2  # the old entry stays (another folder may still use it)

    fresh_process(monkeypatch)
    assert load_content(folder).version == "9.9.9"
    assert spy.calls == 2


def test_bad_content_is_never_cached(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drugs = folder / "drugs.yaml"
    drugs.write_text(drugs.read_text("utf-8") + "\nunexpected_key: 1\n", "utf-8")
    for _ in range(2):
        fresh_process(monkeypatch)
        with pytest.raises(ContentErrors) as caught:
            load_content(folder)
        assert "unexpected_key" in str(caught.value)
    assert entries(cache) == []


def test_another_schema_or_check_code_is_another_key(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    for name in content_cache._CODE:
        shutil.copy(Path(content_cache.__file__).with_name(name), code / name)
    same = content_cache.code_fingerprint(here=code)
    assert same == content_cache.code_fingerprint(here=content_cache._HERE)
    schema = code / "schema.py"
    schema.write_text(schema.read_text("utf-8") + "\n# a changed schema\n", "utf-8")
    content_cache.code_fingerprint.cache_clear()
    assert content_cache.code_fingerprint(here=code) != same


def test_a_cache_written_by_other_code_is_not_used(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(content_cache, "code_fingerprint", lambda: b"an older schema")
        load_content(folder)
    assert spy.calls == 1 and len(entries(cache)) == 1

    fresh_process(monkeypatch)
    load_content(folder)
    assert spy.calls == 2  # the older entry is ignored
    assert len(entries(cache)) == 2


def _damaged(data: bytes) -> list[tuple[str, bytes]]:
    head = len(content_cache.MAGIC) + 64
    flipped = bytearray(data)
    flipped[head + len(data[head:]) // 2] ^= 0x40
    other_key = bytearray(data)
    other_key[len(content_cache.MAGIC)] ^= 0x01
    return [
        ("truncated", data[: len(data) // 2]),
        ("header only", data[:head]),
        ("empty", b""),
        ("one byte changed", bytes(flipped)),
        ("key of other files", bytes(other_key)),
        ("not a cache", b"\x80\x04garbage" * 100),
    ]


@pytest.mark.parametrize("case", [name for name, _ in _damaged(b"x" * 200)])
def test_a_damaged_cache_falls_back_to_validation(
    case: str, folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    good = load_content(folder)
    [path] = entries(cache)
    path.write_bytes(dict(_damaged(path.read_bytes()))[case])

    fresh_process(monkeypatch)
    again = load_content(folder)
    assert spy.calls == 2
    assert again.digest == good.digest and set(again.regimens) == set(good.regimens)
    fresh_process(monkeypatch)  # and the entry was rewritten whole
    load_content(folder)
    assert spy.calls == 2


class _Planted:
    """Unpickles as a call to os.remove: what a planted cache file would try."""

    def __init__(self, victim: Path) -> None:
        self.victim = victim

    def __reduce__(self) -> tuple[object, ...]:
        return (os.remove, (str(self.victim),))


def test_a_planted_pickle_with_a_matching_digest_runs_nothing(
    folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    load_content(folder)
    [path] = entries(cache)
    victim = tmp_path / "victim.txt"
    victim.write_text("still here", "utf-8")
    head = len(content_cache.MAGIC) + 32
    payload = pickle.dumps(_Planted(victim))
    path.write_bytes(path.read_bytes()[:head] + hashlib.sha256(payload).digest() + payload)

    fresh_process(monkeypatch)
    content = load_content(folder)
    assert victim.read_text("utf-8") == "still here"
    assert spy.calls == 2
    assert isinstance(content, Content)


def test_a_cache_that_holds_something_else_is_refused(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    load_content(folder)
    [path] = entries(cache)
    head = len(content_cache.MAGIC) + 32
    payload = pickle.dumps({"regimens": {}})  # only built-in types: unpickles, but is no content
    path.write_bytes(path.read_bytes()[:head] + hashlib.sha256(payload).digest() + payload)
    fresh_process(monkeypatch)
    assert load_content(folder).regimens
    assert spy.calls == 2


def test_an_unwritable_cache_folder_only_costs_the_cache(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")  # a folder cannot be made below a file (even as root)
    monkeypatch.setenv(content_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    fresh_process(monkeypatch)
    spy = Spy(monkeypatch)
    assert load_content(folder).regimens
    fresh_process(monkeypatch)
    assert load_content(folder).regimens
    assert spy.calls == 2
    assert blocker.read_text("utf-8") == ""


def test_a_cache_entry_that_is_a_folder_is_ignored(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    load_content(folder)
    [path] = entries(cache)
    path.unlink()
    path.mkdir()
    fresh_process(monkeypatch)
    assert load_content(folder).regimens
    assert spy.calls == 2


def test_only_the_most_recent_entries_are_kept(
    folder: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = folder / "pathway.yaml"
    text = header.read_text("utf-8")
    for i in range(content_cache.KEEP + 3):
        header.write_text(f"{text}\n# edit {i}\n", "utf-8")
        fresh_process(monkeypatch)
        load_content(folder)
        assert len(entries(cache)) == min(i + 1, content_cache.KEEP)


@pytest.mark.slow
def test_the_app_starts_with_an_unwritable_cache_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env[content_cache.CACHE_DIR_ENV] = str(blocker / "cache")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("her2-pathways ")
    assert proc.stderr == ""


_LOAD_AND_REPORT = f"""
import json, sys
from pathways.content import load_content
content = load_content()
print(json.dumps({{
    "regimens": len(content.regimens),
    "pydantic": {PYDANTIC},
    "yaml": "yaml" in sys.modules,
}}))
"""


def _load_in_a_process(cache_dir: Path) -> dict[str, Any]:
    return report(_LOAD_AND_REPORT, cache=cache_dir)


@pytest.mark.slow
def test_a_start_from_a_warm_cache_imports_no_pydantic(tmp_path: Path) -> None:
    """Pydantic validates the content on a cache miss only: the records are plain dataclasses,
    and a start that reads them back imports neither pydantic nor the YAML parser."""
    cold = _load_in_a_process(tmp_path)
    assert cold["pydantic"] and cold["yaml"]  # the miss: parsed and validated
    assert entries(tmp_path / "content")
    warm = _load_in_a_process(tmp_path)
    assert warm["regimens"] == cold["regimens"] > 0
    assert not warm["yaml"]  # read back from the cache, not parsed
    assert warm["pydantic"] == []


@pytest.mark.slow
def test_the_content_modules_import_no_pydantic() -> None:
    modules = (
        "pathways.schema",
        "pathways.content",
        "pathways.engine",
        "pathways.content_diff",
        "pathways.review_packet",
        "pathways.content_cache",
        "pathways.signoff",
    )
    assert pydantic_after_importing(*modules) == []
