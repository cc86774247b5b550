"""Cases known to be valid are read without pydantic (pathways.case.load_case, issue 14).

The first load of a file validates it with pydantic and remembers its digest; a later load of
the same bytes builds the case directly. Both must give the very same case, the checks that are
not pydantic's must still run, and what is saved must be what the pydantic models wrote
(``saved_cases/`` holds the files the pydantic-model version of ``dump_case`` wrote).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pathways import case as case_module
from pathways import records
from pathways.bundled import bundled_folder
from pathways.case import CASE_CODE, Case, dump_case, load_case
from pathways.content import Content
from pathways.errors import CaseError
from pathways.known_valid import KnownValid
from pathways.names import Resolution
from tests.fresh_process import PYDANTIC, pydantic_after_importing, report

ROOT = Path(__file__).resolve().parents[2]
DEMOS = sorted(bundled_folder("cases").glob("*.json"))
SAVED = Path(__file__).with_name("saved_cases")
DEMO_7 = next(p for p in DEMOS if p.name == "07-early-relapse.json")
DEMO_8 = next(p for p in DEMOS if p.name == "08-full-sequence.json")


@pytest.fixture
def known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KnownValid:
    """A fresh known-valid list for the test, as a new user's first start has."""
    store = KnownValid("cases", CASE_CODE, tmp_path / "cache")
    monkeypatch.setattr(case_module, "KNOWN_CASES", store)
    return store


class _Validations:
    """Counts what pydantic is asked to validate (and still validates it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._validate = records.validate
        monkeypatch.setattr(records, "validate", self)

    def __call__(self, tp: Any, data: Any) -> Any:
        self.calls += 1
        return self._validate(tp, data)


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_bytes(source.read_bytes())
    return target


def test_demo_names_match_the_saved_files() -> None:
    assert [p.name for p in DEMOS] == sorted(
        p.name for p in SAVED.glob("*.json") if not p.name.startswith("rich-case")
    )


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.name)
def test_a_known_case_is_built_without_pydantic_and_saves_as_before(
    path: Path,
    content: Content,
    known: KnownValid,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validations = _Validations(monkeypatch)
    for catalogue in (None, content):
        first = load_case(path, catalogue)
        calls = validations.calls
        again = load_case(path, catalogue)
        assert validations.calls == calls, "the second load of the same bytes used pydantic"
        assert again == first
        saved = (SAVED / path.name).read_text(encoding="utf-8")
        assert dump_case(first) == saved
        assert dump_case(again) == saved
    assert validations.calls == 2  # once without the content, once with it


def test_every_key_saves_as_the_pydantic_models_wrote(known: KnownValid, content: Content) -> None:
    source = SAVED / "rich-case.input.json"
    first = load_case(source, content)
    again = load_case(source, content)
    assert again == first
    assert again.patient is not None and again.patient.name == "Zelda Quux"  # stripped
    assert dump_case(again) == (SAVED / "rich-case.json").read_text(encoding="utf-8")


def test_changed_bytes_are_validated_again(
    tmp_path: Path, known: KnownValid, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _copy(DEMO_8, tmp_path / "cases")
    load_case(path)
    validations = _Validations(monkeypatch)
    path.write_bytes(path.read_bytes() + b" ")  # same case, other bytes
    load_case(path)
    assert validations.calls == 1
    text = path.read_text(encoding="utf-8").replace('"progression"', '"progressed"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_case(path)
    assert err.value.place.startswith("history[") and err.value.place.endswith("].outcome")
    assert validations.calls == 2


class _EarlyOnly:
    """The content's names, but every regimen called an early-setting one."""

    def __init__(self, content: Content) -> None:
        self._content = content

    def resolve_regimen(self, name: str) -> str | None:
        return self._content.resolve_regimen(name)

    def resolve(self, name: str, setting: str | None = None) -> Resolution:
        return self._content.resolve(name, setting)

    def regimen_setting(self, regimen_id: str) -> str:
        return "early"


def test_the_history_is_checked_against_the_content_at_every_load(
    content: Content, known: KnownValid, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_case(DEMO_8, content)
    validations = _Validations(monkeypatch)
    with pytest.raises(CaseError) as err:
        load_case(DEMO_8, _EarlyOnly(content))
    assert validations.calls == 0  # the same bytes and ids: known, yet refused
    assert err.value.place == "history[0].setting"
    assert "early-setting regimen" in err.value.problem


def test_a_case_rebuilt_otherwise_is_not_remembered(
    tmp_path: Path, known: KnownValid, monkeypatch: pytest.MonkeyPatch
) -> None:
    def other(tp: Any, data: Any) -> Any:
        return Case(label="not what pydantic made")

    load_case(DEMO_8)
    monkeypatch.setattr(records, "from_valid_data", other)
    path = _copy(DEMO_7, tmp_path / "cases")
    load_case(path)
    assert _listed(tmp_path) == 1  # demo 8 only


def _listed(tmp_path: Path) -> int:
    """How many digests the test's known-valid list holds on disk."""
    lines = (tmp_path / "cache" / "cases.valid").read_text(encoding="ascii").splitlines()
    return len(lines) - 1


def test_the_list_holds_digests_only(tmp_path: Path, known: KnownValid, content: Content) -> None:
    load_case(SAVED / "rich-case.input.json", content)
    text = (tmp_path / "cache" / "cases.valid").read_text(encoding="ascii")
    assert _listed(tmp_path) == 1
    assert len(text.splitlines()[1]) == 64
    for secret in ("Zelda", "MRN-0001", "1960-05-06", "tdxd", "Rich case"):
        assert secret not in text


def test_every_module_a_case_depends_on_is_in_the_code_or_cannot_decide_validity() -> None:
    # Modules of pathways that reading a case imports, apart from those that cannot change
    # whether a file is valid: errors (messages), safe_write (reading bounded bytes),
    # known_valid and content_cache (the list itself), version (in every fingerprint).
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pathways.case; "
            "print(' '.join(m for m in sys.modules if m.startswith('pathways.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    imported = {m.removeprefix("pathways.") + ".py" for m in out.stdout.split()}
    neutral = {"errors.py", "safe_write.py", "known_valid.py", "content_cache.py", "version.py"}
    assert imported - neutral == set(CASE_CODE)


_LOAD = f"""
import json, sys
from pathlib import Path
from pathways.case import dump_case, load_case
case = load_case(Path(sys.argv[1]))
print(json.dumps({{"pydantic": {PYDANTIC}, "saved": dump_case(case)}}))
"""


def _load_in_new_process(path: Path, cache: Path) -> dict[str, Any]:
    return report(_LOAD, str(path), cache=cache)


def test_the_second_start_with_a_case_imports_no_pydantic(tmp_path: Path) -> None:
    first = _load_in_new_process(DEMO_8, tmp_path)
    assert "pydantic" in first["pydantic"]  # the first start validates the file
    second = _load_in_new_process(DEMO_8, tmp_path)
    assert second["pydantic"] == []
    assert second["saved"] == first["saved"] == (SAVED / DEMO_8.name).read_text(encoding="utf-8")


def test_reading_the_case_module_imports_no_pydantic() -> None:
    assert pydantic_after_importing("pathways.case") == []


def test_a_list_that_lies_lets_no_invalid_file_through(tmp_path: Path, known: KnownValid) -> None:
    """A digest planted for bytes that were never valid (a damaged or forged list) is no way
    round validation: what cannot be built falls back to it, and says why."""
    path = _copy(DEMO_8, tmp_path / "cases")
    text = path.read_text(encoding="utf-8").replace('"label": ', '"label": 12, "x": ', 1)
    path.write_text(text, encoding="utf-8")
    digest = case_module._known_digest(path.read_bytes(), json.loads(text), str(path), None, None)
    assert digest is not None
    known.add(digest)
    with pytest.raises(CaseError):
        load_case(path)
