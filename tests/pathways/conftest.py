from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pathways import records
from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine
from pathways.content import Content, load_content
from pathways.engine import Engine


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def engine(content: Content) -> Engine:
    return Engine(content)


def line(
    regimen: str,
    outcome: str = "progression",
    setting: str = "metastatic",
    start: date | None = None,
    end: date | None = None,
    toxicity: str | None = None,
) -> TreatmentLine:
    return records.validate(
        TreatmentLine,
        {
            "regimen": regimen,
            "setting": Setting(setting),
            "start": start,
            "end": end,
            "outcome": Outcome(outcome),
            "toxicity_detail": toxicity,
        },
    )


def make_case(
    *lines: TreatmentLine, metastatic: date | None = date(2024, 1, 1), **factors: object
) -> Case:
    return Case(
        label="test",
        factors=records.validate(Factors, factors),
        metastatic_diagnosis=metastatic,
        history=tuple(lines),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a case library goes: an SQLite file, then a fresh PostgreSQL database.

    The PostgreSQL run is skipped, with the reason, where no server can be started.
    """
    if request.param == "sqlite":
        return tmp_path / "library.sqlite3"
    dsn: str = request.getfixturevalue("postgres_dsn")
    return dsn
