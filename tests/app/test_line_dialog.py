"""The line dialog: brand and drug names by setting, a choice instead of a guess, resumed lines."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.main_window import MainWindow
from app.widgets.line_dialog import LineDialog
from pathways.case import Outcome, Setting, ToxicityDetail, TreatmentLine
from pathways.content import Content


def _dialog(content: Content) -> LineDialog:
    return LineDialog(content, None)


def _ok(dialog: LineDialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_a_drug_name_with_several_regimens_asks_which(qapp: QApplication, content: Content) -> None:
    dialog = _dialog(content)
    dialog.regimen.setEditText("lapatinib")
    assert not dialog.choice.isHidden()
    assert not _ok(dialog) and "choose one" in dialog.problem.text()
    offered = {dialog.choice.itemData(i) for i in range(1, dialog.choice.count())}
    assert {"lapatinib-capecitabine", "lapatinib-trastuzumab"} <= offered
    dialog.choice.setCurrentIndex(dialog.choice.findData("lapatinib-trastuzumab"))
    assert _ok(dialog)
    line = dialog.line()
    assert line is not None and line.regimen == "lapatinib-trastuzumab"


def test_a_brand_name_resolves_in_the_setting_of_the_line(
    qapp: QApplication, content: Content
) -> None:
    dialog = _dialog(content)
    dialog.setting.setCurrentIndex(dialog.setting.findData(Setting.ADJUVANT.value))
    dialog.regimen.setEditText("Kadcyla")
    assert dialog.choice.isHidden() and _ok(dialog)
    assert dialog.regimen_id() == "adjuvant-tdm1"
    dialog.setting.setCurrentIndex(dialog.setting.findData(Setting.METASTATIC.value))
    assert dialog.regimen_id() == "tdm1"


def test_typed_markup_is_shown_as_plain_text(qapp: QApplication, content: Content) -> None:
    dialog = _dialog(content)
    dialog.regimen.setEditText("<b>nothing</b>")
    assert "<b>nothing</b>" in dialog.problem.text()
    assert not _ok(dialog)


def test_resumed_round_trips(qapp: QApplication, content: Content) -> None:
    line = TreatmentLine(
        regimen="tdxd", setting=Setting.METASTATIC, outcome=Outcome.ONGOING, resumed=True
    )
    dialog = LineDialog(content, line)
    assert dialog.resumed.isChecked()
    out = dialog.line()
    assert out is not None and out.resumed and out.toxicity_detail is None
    paused = dataclasses.replace(
        line, outcome=Outcome.TOXICITY, toxicity_detail=ToxicityDetail.ILD_GRADE1, resumed=False
    )
    dialog.set_line(paused)
    assert not dialog.resumed.isChecked()


def test_opening_a_case_with_an_ambiguous_drug_asks_which_regimen(
    make_window: Callable[..., MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import dialogs

    path = tmp_path / "case.json"
    path.write_text(
        json.dumps(
            {
                "format": "her2-pathway-case",
                "version": 1,
                "metastatic_diagnosis": "2024-01-01",
                "history": [
                    {"regimen": "THP", "setting": "metastatic", "outcome": "progression"},
                    {"regimen": "Tukysa", "setting": "metastatic", "outcome": "progression"},
                ],
            }
        ),
        encoding="utf-8",
    )
    asked: list[tuple[int, tuple[str, ...]]] = []

    def pick(_parent: object, _content: Content, index: int, candidates: tuple[str, ...]) -> str:
        asked.append((index, candidates))
        return "tucatinib-tdm1"

    monkeypatch.setattr(dialogs, "pick_regimen", pick)
    window = make_window(None)
    assert window.open_case(path, ask=False)
    assert asked and asked[0][0] == 1
    assert "tucatinib-trastuzumab-capecitabine" in asked[0][1]
    assert [ln.regimen for ln in window.document.case.history] == [
        "pertuzumab-trastuzumab-taxane",
        "tucatinib-tdm1",
    ]
    # Cancelling the choice keeps what was open.
    monkeypatch.setattr(dialogs, "pick_regimen", lambda *_args: None)
    assert not window.open_case(path, ask=False)
    assert window.document.case.history[-1].regimen == "tucatinib-tdm1"
