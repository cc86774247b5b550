"""Every item model passes QAbstractItemModelTester, and follows the document in place."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.document import CaseDocument
from app.models.history_model import HistoryTableModel
from app.models.options_model import OptionsListModel
from app.models.regimen_model import SEARCH_ROLE, RegimenListModel
from app.models.roles import (
    CURRENT_ROLE,
    FUTURE_ROLE,
    HYPOTHETICAL_ROLE,
    OBJECT_ROLE,
    TIER_ROLE,
    WHY_ROLE,
)
from pathways.case import Outcome
from pathways.content import Content
from pathways.engine import Engine
from pathways.ranking import Notice
from tests.app.conftest import CASES, case_of


def test_history_model_passes_the_model_tester(
    qtmodeltester: ModelTester, content: Content, engine: Engine
) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of("08-full-sequence.json", content), None)
    model = HistoryTableModel(doc)
    qtmodeltester.check(model)
    # and keeps passing while it changes (the tester stays connected)
    doc.step_first()
    doc.remove_line(0)
    doc.undo_stack.undo()
    doc.set_step(2)
    doc.add_whatif(doc.recommendation.options[0].regimen, Outcome.PROGRESSION)
    doc.discard_whatif()


def test_history_cells_read_in_one_call_show_what_their_roles_say(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    """The history model answers a delegate's roles in one call (multiData). One delegate
    reads every cell, current and dimmed rows in turn, as a view does: no value of the last
    cell may stay in the span it reuses (the current row's background, its bold font)."""
    from PySide6.QtGui import QBrush
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    doc = CaseDocument(content, engine)
    doc.load(case_of("08-full-sequence.json", content), None)
    doc.add_whatif(doc.recommendation.options[0].regimen, Outcome.PROGRESSION)  # a what-if row
    doc.set_step(2)
    model = HistoryTableModel(doc)
    delegate = QStyledItemDelegate()
    role = Qt.ItemDataRole
    seen = set()
    for row in [2, 0, 3, 2, model.rowCount() - 2, 1, model.rowCount() - 1, 2]:
        for col in range(model.columnCount()):
            index = model.index(row, col)
            opt = QStyleOptionViewItem()
            delegate.initStyleOption(opt, index)
            background = index.data(role.BackgroundRole)
            foreground = index.data(role.ForegroundRole)
            font = index.data(role.FontRole)
            assert opt.text == str(index.data(role.DisplayRole) or "").replace("\n", "\u2028")
            assert opt.backgroundBrush == (QBrush(background) if background else QBrush())
            assert opt.font.bold() == font.bold() and opt.font.italic() == font.italic()
            if foreground is not None:
                assert opt.palette.color(opt.palette.ColorRole.Text) == foreground
            seen.add((background is not None, foreground is not None, font.bold()))
    assert len(seen) >= 3  # current, past and dimmed (or what-if) rows were all read


def test_history_model_rows_are_the_steps(content: Content, engine: Engine) -> None:
    doc = CaseDocument(content, engine)
    case = case_of("04-after-thp-and-tdxd.json", content)
    doc.load(case, CASES / "04-after-thp-and-tdxd.json")
    model = HistoryTableModel(doc)
    assert model.rowCount() == len(case.history) + 1  # the lines, and "now"
    doc.set_step(1)
    assert model.index(1, 0).data(CURRENT_ROLE) is True
    assert model.index(2, 0).data(FUTURE_ROLE) is True
    assert model.index(0, 0).data(FUTURE_ROLE) is False
    assert model.index(0, 0).data(OBJECT_ROLE) == case.history[0]
    assert model.index(0, HistoryTableModel.PATHWAY).data(TIER_ROLE) == doc.steps[0].given_tier
    assert model.index(doc.step_count - 1, HistoryTableModel.STEP).data() == "Now"


def test_history_model_follows_edits_in_place(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)
    model = HistoryTableModel(doc)
    rows = model.rowCount()
    with qtbot.waitSignals([model.rowsAboutToBeRemoved, model.rowsRemoved], order="strict"):
        doc.remove_line(2)
    assert model.rowCount() == rows - 1
    with qtbot.waitSignals([model.rowsAboutToBeInserted, model.rowsInserted], order="strict"):
        doc.undo_stack.undo()
    assert model.rowCount() == rows


def test_history_model_marks_whatif_lines(content: Content, engine: Engine) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of("02-after-first-line.json", content), None)
    model = HistoryTableModel(doc)
    regimen = doc.recommendation.options[0].regimen
    doc.add_whatif(regimen, Outcome.PROGRESSION)
    last_line = len(doc.effective_case.history) - 1
    assert model.index(last_line, 0).data(HYPOTHETICAL_ROLE) is True
    assert "what-if" in model.index(last_line, HistoryTableModel.REGIMEN).data()


def test_options_model_passes_the_model_tester(
    qtmodeltester: ModelTester, content: Content, engine: Engine
) -> None:
    model = OptionsListModel()
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)
    model.set_recommendation(doc.recommendation)
    qtmodeltester.check(model)
    for k in range(doc.step_count):  # a new ranking at every step, checked as it changes
        doc.set_step(k)
        model.set_recommendation(doc.recommendation)
    model.set_recommendation(None)
    assert model.rowCount() == 0


def test_options_model_rows_are_the_ranked_options(content: Content, engine: Engine) -> None:
    doc = CaseDocument(content, engine)
    doc.load(case_of("04-after-thp-and-tdxd.json", content), None)
    model = OptionsListModel()
    model.set_recommendation(doc.recommendation)
    options = doc.recommendation.options
    assert [model.index(i).data(OBJECT_ROLE) for i in range(model.rowCount())] == list(options)
    first = model.index(0)
    assert first.data(TIER_ROLE) == options[0].tier
    assert options[0].name in first.data()


def test_regimen_model_passes_the_model_tester_and_searches_aliases(
    qtmodeltester: ModelTester, content: Content
) -> None:
    model = RegimenListModel(content)
    qtmodeltester.check(model)
    assert model.rowCount() == len(content.regimens)
    with_alias = next(r for r in content.regimens.values() if r.aliases)
    row = model.row_of(with_alias.id)
    assert with_alias.aliases[0] in model.index(row).data(SEARCH_ROLE)


def test_options_show_their_order_and_ties_in_words(content: Content, engine: Engine) -> None:
    from app.models.roles import ORDER_ROLE, TIE_ROLE

    rec = engine.next_options(case_of("04-after-thp-and-tdxd.json", content))
    model = OptionsListModel()
    model.set_recommendation(rec)
    tied = [o for o in rec.options if o.tied]
    assert tied, "demo 4's third line has options the guidelines do not rank"
    for row, option in enumerate(rec.options):
        index = model.index(row)
        expected = f"{option.order}." if option.order is not None else "–"  # avoid: no place
        assert index.data(ORDER_ROLE) == expected
        note = index.data(TIE_ROLE)
        assert (note == "not ranked by the guidelines") == option.tied
        if option.tied:
            assert "not ranked by the guidelines" in index.data(Qt.ItemDataRole.ToolTipRole)
    orders = [o.order for o in rec.options]
    assert len(set(orders)) < len(orders)  # ties share a number


def test_history_model_repaints_only_the_rows_an_edit_changes(
    content: Content, engine: Engine
) -> None:
    """A factor or label edit keeps the rows: only those showing something else are updated
    (every visible row was repainted at every factor change before)."""
    doc = CaseDocument(content, engine)
    doc.load(case_of("08-full-sequence.json", content), None)
    doc.set_step(2)
    model = HistoryTableModel(doc)
    updated: list[set[int]] = []

    def on_data_changed(top: QModelIndex, bottom: QModelIndex) -> None:
        assert (top.column(), bottom.column()) == (0, HistoryTableModel.COLUMNS - 1)
        updated[-1].update(range(top.row(), bottom.row() + 1))

    model.dataChanged.connect(on_data_changed)
    updated.append(set())
    doc.set_label("Renamed")
    assert updated[-1] == set()  # nothing a row shows

    def shown() -> list[tuple[object, ...]]:
        return [
            (s.given_tier, s.recommendation.line, model.index(r, HistoryTableModel.REGIMEN).data())
            for r, s in enumerate(doc.steps)
        ]

    before = shown()
    updated.append(set())
    doc.set_factors(dataclasses.replace(doc.case.factors, tdxd_available=False))
    after = shown()
    changed = {r for r, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
    assert changed and len(changed) < model.rowCount()  # a partial change, or this tests nothing
    assert updated[-1] == changed
    for row in range(model.rowCount()):  # and every row reads as the document says
        assert model.index(row, HistoryTableModel.PATHWAY).data(TIER_ROLE) == (
            doc.steps[row].given_tier
        )


def test_options_model_updates_only_the_rows_that_change(content: Content, engine: Engine) -> None:
    """The same options in the same places (a step often keeps them): only the rows holding
    something else are updated, and every row reads as the new ranking says."""
    rec = engine.next_options(case_of("04-after-thp-and-tdxd.json", content))
    assert len(rec.options) >= 3
    model = OptionsListModel()
    model.set_recommendation(rec)
    updated: list[int] = []
    model.modelReset.connect(lambda: updated.append(-1))
    model.dataChanged.connect(
        lambda top, bottom: updated.extend(range(top.row(), bottom.row() + 1))
    )
    model.set_recommendation(dataclasses.replace(rec))  # an equal ranking, a new object
    assert updated == []
    options = list(rec.options)
    options[1] = dataclasses.replace(options[1], why="another reason")
    # safety notes are left out of an option's equality, yet the row hands the option out
    extra = Notice(kind="ild", text="a note")
    options[2] = dataclasses.replace(options[2], safety=(*options[2].safety, extra))
    model.set_recommendation(dataclasses.replace(rec, options=tuple(options)))
    assert updated == [1, 2]
    assert [model.index(r).data(OBJECT_ROLE) for r in range(model.rowCount())] == options
    assert model.index(1).data(WHY_ROLE) == "another reason"
    reordered = dataclasses.replace(rec, options=(rec.options[1], rec.options[0], *rec.options[2:]))
    model.set_recommendation(reordered)
    assert updated[-1] == -1  # other places: the list is made anew
