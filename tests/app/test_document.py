"""The document: stepping, undoable edits, what-if branches; none of it changes the file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.document import CaseDocument
from pathways.case import Outcome, Setting, TreatmentLine, load_case
from pathways.content import Content
from pathways.engine import Engine
from pathways.errors import CaseError
from tests.app.conftest import CASES, case_of


@pytest.fixture
def doc(content: Content, engine: Engine) -> CaseDocument:
    d = CaseDocument(content, engine)
    d.load(case_of("04-after-thp-and-tdxd.json", content), CASES / "04-after-thp-and-tdxd.json")
    return d


def test_load_starts_at_the_last_step(doc: CaseDocument) -> None:
    assert doc.step == len(doc.case.history) == doc.step_count - 1
    assert not doc.is_modified


def test_stepping_moves_only_the_step(qtbot: QtBot, doc: CaseDocument) -> None:
    case = doc.case
    with qtbot.waitSignal(doc.step_changed, check_params_cb=lambda k: k == doc.step_count - 2):
        doc.step_previous()
    doc.step_first()
    assert doc.step == 0
    doc.step_previous()  # clamps
    assert doc.step == 0
    doc.step_last()
    doc.step_next()  # clamps
    assert doc.step == doc.step_count - 1
    assert doc.case == case
    assert not doc.is_modified


def test_recommendation_follows_the_step(doc: CaseDocument, engine: Engine) -> None:
    for k in range(doc.step_count):
        doc.set_step(k)
        assert doc.recommendation == engine.options_at(doc.case, k)


def test_patient_path_goes_through_the_given_regimens(doc: CaseDocument) -> None:
    path = doc.patient_path()
    assert path[0] == doc.steps[0].recommendation.position
    for line in doc.case.history:
        assert line.regimen in path
    assert path[-1] == doc.recommendation.position


def test_factor_change_is_undoable_and_explained(qtbot: QtBot, doc: CaseDocument) -> None:
    before = doc.case.factors
    after = dataclasses.replace(before, brain_metastases="active")
    with qtbot.waitSignal(doc.change_explained) as blocker:
        doc.set_factors(after)
    lines = blocker.args[0] if blocker.args else []
    assert any("Brain metastases" in line for line in lines)
    assert doc.case.factors == after and doc.is_modified
    doc.undo_stack.undo()
    assert doc.case.factors == before and not doc.is_modified
    doc.undo_stack.redo()
    assert doc.case.factors == after


def test_impossible_edit_is_refused(doc: CaseDocument) -> None:
    ongoing = dataclasses.replace(doc.case.history[0], outcome=Outcome.ONGOING)
    with pytest.raises(CaseError, match="ongoing"):
        doc.replace_line(0, ongoing)
    assert not doc.is_modified


def test_line_edits_are_undoable(doc: CaseDocument) -> None:
    original = doc.case
    doc.remove_line(2)
    assert len(doc.case.history) == 2
    line = TreatmentLine(regimen="tdm1", setting=Setting.METASTATIC, outcome=Outcome.PROGRESSION)
    doc.insert_line(2, line)
    assert doc.case.history[2].regimen == "tdm1"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.case == original
    assert doc.undo_stack.isClean()


def test_whatif_adds_a_hypothetical_line_and_discard_restores(
    qtbot: QtBot, doc: CaseDocument
) -> None:
    real = doc.case
    option = doc.recommendation.options[0]
    with qtbot.waitSignal(doc.whatif_changed, check_params_cb=lambda on: on is True):
        doc.add_whatif(option.regimen, Outcome.PROGRESSION)
    effective = doc.effective_case.history
    assert effective[-1].regimen == option.regimen and effective[-1].hypothetical
    assert doc.step == len(effective)  # stepped past the new line
    assert doc.case == real  # never silently part of the real history
    assert not doc.is_modified
    # keep stepping into the future: the options after the what-if line
    nxt = doc.recommendation.options
    if nxt:
        doc.add_whatif(nxt[0].regimen, Outcome.PROGRESSION)
        assert len(doc.effective_case.history) == len(real.history) + 2
    doc.discard_whatif()
    assert doc.whatif is None and doc.effective_case == real
    assert doc.step == len(real.history)


def test_whatif_is_never_saved(doc: CaseDocument, tmp_path: Path, content: Content) -> None:
    doc.add_whatif(doc.recommendation.options[0].regimen, Outcome.PROGRESSION)
    out = tmp_path / "case.json"
    doc.save(out)
    saved = load_case(out, content)
    assert saved.history == doc.case.history
    assert len(json.loads(out.read_text())["history"]) == len(doc.case.history)


def test_keep_whatif_is_an_explicit_undoable_edit(doc: CaseDocument) -> None:
    real = doc.case
    regimen = doc.recommendation.options[0].regimen
    doc.add_whatif(regimen, Outcome.PROGRESSION)
    doc.keep_whatif()
    assert doc.whatif is None
    assert doc.case.history[-1].regimen == regimen
    assert not any(line.hypothetical for line in doc.case.history)
    assert doc.is_modified
    doc.undo_stack.undo()
    assert doc.case == real


def test_whatif_from_an_earlier_step_branches_there(doc: CaseDocument) -> None:
    doc.set_step(2)  # before T-DXd
    option = doc.recommendation.options[-1]
    doc.add_whatif(option.regimen, Outcome.PROGRESSION)
    assert doc.whatif is not None and doc.whatif.base == 2
    assert len(doc.effective_case.history) == 3
    assert doc.effective_case.history[2].regimen == option.regimen


def test_whatif_after_an_ongoing_line_ends_it_in_the_branch(
    content: Content, engine: Engine
) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of("10-ongoing-first-line-hr-positive.json", content), None)
    candidates = [o for o in doc.recommendation.options if not o.continuing]
    assert candidates, "the content offers HP maintenance besides continuing THP"
    doc.add_whatif(candidates[0].regimen, Outcome.PROGRESSION)
    first = doc.effective_case.history[0]
    assert first.outcome is not Outcome.ONGOING and first.hypothetical
    assert doc.case.history[0].outcome is Outcome.ONGOING  # the real case is untouched
