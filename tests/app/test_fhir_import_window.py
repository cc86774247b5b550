"""File → Import FHIR…: the inferred case is reviewed before it replaces anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.widgets.fhir_review import FhirReviewDialog
from pathways.content import Content
from pathways.fhir import import_fhir_file
from tests.app.conftest import DialogCalls

FHIR = Path(__file__).resolve().parents[1] / "fhir" / "data"
SEQUENCE = FHIR / "her2_sequence_stu2plus.json"


def test_import_opens_the_reviewed_case(
    window: MainWindow, dialog_calls: DialogCalls, tmp_path: Path
) -> None:
    before = window.document.case
    dialog_calls.answer("ask_fhir_path", SEQUENCE)
    dialog_calls.answer("review_fhir_import", True)
    window.commands.import_fhir.trigger()
    assert dialog_calls.names() == ["ask_fhir_path", "review_fhir_import"]
    case = window.document.case
    assert case != before
    assert [line.regimen for line in case.history] == [
        "pertuzumab-trastuzumab-taxane",
        "tdxd",
        "tucatinib-trastuzumab-capecitabine",
        "tdm1",
    ]
    assert window.document.path is None  # saving asks where: the FHIR file is never overwritten


def test_cancelled_review_replaces_nothing(window: MainWindow, dialog_calls: DialogCalls) -> None:
    before = window.document.case
    dialog_calls.answer("review_fhir_import", False)
    assert window.import_fhir(SEQUENCE) is False
    assert window.document.case == before


def test_bad_fhir_file_shows_one_error_and_keeps_the_case(
    window: MainWindow, dialog_calls: DialogCalls, tmp_path: Path
) -> None:
    before = window.document.case
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [', encoding="utf-8")
    dialog_calls.answer("show_error", None)
    assert window.import_fhir(bad) is False
    assert dialog_calls.names() == ["show_error"]
    _, args = dialog_calls.calls[0]
    assert "bad.json" in args[2]
    assert window.document.case == before


def test_review_dialog_shows_lines_and_report_without_identifiers(
    qtbot: QtBot, content: Content
) -> None:
    result = import_fhir_file(SEQUENCE, content.agents, content.regimens)
    dialog = FhirReviewDialog(result, content)
    qtbot.addWidget(dialog)
    summary = dialog.summary.toPlainText()
    assert "Tucatinib + trastuzumab + capecitabine" in summary
    report = dialog.report.toPlainText()
    assert report == result.report.to_text() and report
    patient = result.case.patient
    assert patient is not None and patient.name and patient.record_number
    for identifier in (patient.name, patient.record_number):
        assert identifier not in summary and identifier not in report


@pytest.mark.parametrize(
    "name",
    ["extension_url_object", "surrogate_in_name", "duplicate_keys", "fifo", "long_value_in_error"],
)
def test_hostile_fhir_file_gives_one_dialog_and_keeps_the_case(
    window: MainWindow, dialog_calls: DialogCalls, tmp_path: Path, name: str
) -> None:
    # The first two used to escape as exceptions with no dialog at all.
    from tests.fhir.hostile import GENERATORS, SECRETS

    hostile = GENERATORS[name](tmp_path)
    before = window.document.case
    dialog_calls.answer("show_error", None)
    dialog_calls.answer("review_fhir_import", False)
    assert window.import_fhir(hostile.path) is False
    expected = "show_error" if hostile.refused else "review_fhir_import"
    assert dialog_calls.names() == [expected]
    if hostile.refused:
        message = dialog_calls.calls[0][1][2]
        assert hostile.refused in message and len(message) < 800
        assert not any(secret in message for secret in SECRETS)
    assert window.document.case == before
