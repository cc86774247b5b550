"""The top of the window: which patient, which decision, and the warnings by weight."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from app import text
from app.main_window import MainWindow, demo_cases
from pathways.case import load_case
from pathways.content import Content
from pathways.vocab import FACTORS, WARNING_WEIGHT

DEMOS = demo_cases()
IDS = [p.stem for _, p in DEMOS]

# What a board member must read off the header of each demo case at its last step.
DECISIONS = {
    "01-new-metastatic": "Deciding line 1 at metastatic diagnosis",
    "02-after-first-line": "Deciding line 2 after progression on HP maintenance",
    "03-tdxd-unavailable": "Deciding line 2 after progression on THP",
    "04-after-thp-and-tdxd": "Deciding line 3 after progression on T-DXd",
    "05-brain-metastases": "Deciding line 3 after progression on T-DXd",
    "07-early-relapse": "Deciding line 2 after relapse following",
    "08-full-sequence": "Deciding line 6 after progression on",
    "09-ild-on-tdxd": "Deciding line 3 after T-DXd stopped for ILD/pneumonitis grade ≥2",
    "10-ongoing-first-line-hr-positive": "Deciding line 1: THP ongoing",
}


@pytest.mark.parametrize(("label", "path"), DEMOS, ids=IDS)
def test_header_names_the_patient_the_factors_and_the_decision(
    make_window: Callable[..., MainWindow], content: Content, label: str, path: Path
) -> None:
    window = make_window(None, show=False)
    case = load_case(path, content)
    window.document.load(case, path)
    header = window.header.header_text()
    assert label in header
    if case.patient is not None and case.patient.age is not None:
        assert f"{case.patient.age} y" in header
    if path.stem in DECISIONS:
        assert DECISIONS[path.stem] in window.header.decision.text()
    else:  # early setting
        assert window.header.decision.text().startswith("Deciding early therapy")
    # every factor marked for the header, and every notable value, is named
    for spec in FACTORS:
        value = getattr(case.factors, spec.name)
        if spec.header or value in spec.notable:
            assert text.factor_name(spec.name) in header, spec.name


def test_notable_factors_come_first_and_are_marked(
    make_window: Callable[..., MainWindow], content: Content
) -> None:
    window = make_window("09-ild-on-tdxd.json")
    # The grade 2 ILD recorded on T-DXd counts as prior ILD from then on: shown now, first...
    rec = window.document.recommendation
    effective = dataclasses.replace(rec.facts.factors, **dict(rec.facts.effective))
    items = text.header_factors(effective)
    assert items[0] == ("Prior ILD/pneumonitis", True)  # the one that changes the pathway
    window.resize(QSize(1366, 768))
    assert "● Prior ILD/pneumonitis" in window.header.factors.text()
    # ...but not at the step before T-DXd was given.
    window.document.set_step(1)
    assert "Prior ILD" not in window.header.factors.text()


@pytest.mark.parametrize(("label", "path"), DEMOS, ids=IDS)
def test_banner_and_header_keep_their_height_while_stepping(
    make_window: Callable[..., MainWindow], content: Content, label: str, path: Path
) -> None:
    window = make_window(None)
    window.resize(QSize(1366, 768))
    window.document.load(load_case(path, content), path)
    doc = window.document
    heights = set()
    tops = set()
    for k in range(doc.step_count):
        doc.set_step(k)
        window.layout().activate()
        window.centralWidget().layout().activate()
        heights.add((window.banner.sizeHint().height(), window.header.sizeHint().height()))
        tops.add(window.main_splitter.geometry().top())
    assert len(heights) == 1, heights
    assert len(tops) == 1, tops


def test_patient_warnings_open_and_evidence_notes_collapsed(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window("05-brain-metastases.json")
    rec = window.document.recommendation
    patient = [n for n in rec.warnings if WARNING_WEIGHT[n.kind] == "patient"]
    notes = [n for n in rec.warnings if WARNING_WEIGHT[n.kind] == "note"]
    assert patient and notes
    shown = [b.full_text() for _, b in window.banner._rows if b.isVisible() and b.full_text()]
    assert [n.text in s for n, s in zip(patient, shown, strict=False)] == [True] * len(patient)
    assert window.banner.notes_button.text() == f"Evidence notes ({len(notes)})"
    assert not window.banner.notes.isVisible()
    window.banner.notes_button.click()
    assert window.banner.notes.isVisible()
    assert all(n.text in window.banner.notes.text() for n in notes)


def test_banner_style_sheet_is_not_set_again_per_step(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window("08-full-sequence.json")
    sheet = window.banner.styleSheet()
    calls: list[str] = []
    original = window.banner.setStyleSheet
    window.banner.setStyleSheet = lambda s: (calls.append(s), original(s))  # type: ignore[method-assign]
    for k in range(window.document.step_count):
        window.document.set_step(k)
    assert calls == [] and window.banner.styleSheet() == sheet


def test_what_changed_is_said_in_words(make_window: Callable[..., MainWindow]) -> None:
    window = make_window("04-after-thp-and-tdxd.json")
    box = window.factors.checks["tdxd_available"]
    window.document.set_step(2)  # the second-line decision, where T-DXd leads
    box.click()
    explanation = window.options.changes.text()
    assert "T-DXd available" in explanation
    assert "rank " not in explanation  # no internal ranks ("rank 1 → 0")
    assert "now listed" in explanation or "→" in explanation


def test_full_text_shows_every_warning_whole(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window("05-brain-metastases.json")
    window.resize(QSize(960, 540))
    banner = window.banner
    body = banner._rows[0][1]
    closed = banner.sizeHint().height()  # the reserved one-line rows
    qtbot.waitUntil(lambda: body.width() < 900 and banner.height() == closed)
    assert body.is_elided()  # one line each: the action is cut at this width
    banner.full_button.click()
    assert body.text() == body.full_text() and body.wordWrap()
    qtbot.waitUntil(lambda: banner.height() > closed)  # the rows wrap: the banner grows
    banner.full_button.click()
    qtbot.waitUntil(lambda: banner.height() == closed)
    assert body.is_elided()


def _no_warning_row_left(window: MainWindow) -> int:
    prefix, body = window.banner._rows[0]
    assert body.full_text() == window.tr("No warnings about this patient at this step.")
    assert not prefix.isVisible()  # an empty prefix takes no room
    return body.mapTo(window.banner, body.rect().topLeft()).x()


def test_no_warnings_row_starts_at_the_same_place_however_the_case_was_opened(
    qtbot: QtBot, content: Content, make_window: Callable[..., MainWindow]
) -> None:
    """Opened at start (MainWindow(case=...)) or after another case, a case without warnings
    shows "No warnings" in the same place (an empty, shown prefix had kept a stale width)."""
    path = dict((p.stem, p) for _, p in DEMOS)["03-tdxd-unavailable"]
    later = make_window(None)
    later.document.load(load_case(path, content), path)
    first = MainWindow(
        content, later.engine, later.settings, case=load_case(path, content), case_path=path
    )
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    for window in (later, first):
        window.resize(QSize(1600, 1000))
        window.centralWidget().layout().activate()
    qtbot.wait(10)
    assert _no_warning_row_left(first) == _no_warning_row_left(later)
    assert first.banner.geometry().height() == later.banner.geometry().height()
