"""Fixtures for the FHIR import tests: the content's agents and regimens, and an import helper.

The agents and regimens come from the bundled content, as the app uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pathways.content import load_content
from pathways.fhir import FhirImport, import_fhir
from pathways.schema import Agent, Regimen
from tests.fhir.builders import to_bytes

DATA = Path(__file__).parent / "data"
EXAMPLES = DATA / "shared-examples"
TODAY = date(2025, 6, 30)


@dataclass(frozen=True)
class Drugs:
    agents: dict[str, Agent]
    regimens: dict[str, Regimen]


def _load_drugs() -> Drugs:
    content = load_content()
    return Drugs(dict(content.agents), dict(content.regimens))


@pytest.fixture(scope="session")
def drugs() -> Drugs:
    return _load_drugs()


class Importer:
    def __init__(self, drugs: Drugs) -> None:
        self.drugs = drugs

    def __call__(self, value: Any, source: str = "test.json", **kwargs: Any) -> FhirImport:
        data = value if isinstance(value, bytes) else to_bytes(value)
        kwargs.setdefault("today", TODAY)
        return import_fhir(data, source, self.drugs.agents, self.drugs.regimens, **kwargs)


@pytest.fixture(scope="session")
def run(drugs: Drugs) -> Importer:
    """Imports a dict or bytes with the content's agents and regimens (stateless: shareable)."""
    return Importer(drugs)
