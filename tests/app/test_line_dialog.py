"""The line dialog: brand and drug names by setting, a choice instead of a guess, resumed lines."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox

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
    paused = line.model_copy(
        update={
            "outcome": Outcome.TOXICITY,
            "toxicity_detail": ToxicityDetail.ILD_GRADE1,
            "resumed": False,
        }
    )
    dialog.set_line(paused)
    assert not dialog.resumed.isChecked()
