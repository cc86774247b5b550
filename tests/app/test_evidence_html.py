"""The evidence notes: what the clinician reads about the selected option."""

from __future__ import annotations

from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QApplication

from app.evidence_html import evidence_html
from pathways.content import Content
from pathways.engine import Engine
from tests.app.conftest import case_of


def test_evidence_notes_show_each_population_difference_once(
    qapp: QApplication, content: Content, engine: Engine
) -> None:
    """T-DM1 after T-DXd: the EMILIA sequence note appears under the trial, not twice."""
    case = case_of("04-after-thp-and-tdxd.json", content)
    rec = engine.next_options(case)
    option = rec.option("tdm1")
    assert option is not None
    doc = QTextDocument()
    doc.setHtml(evidence_html(content, "tdm1", option, rec, QPalette()))
    shown = doc.toPlainText()
    assert "EMILIA" in shown and "different sequence" in shown
    emilia_note = next(w.text for w in option.warnings if "EMILIA" in w.text)
    assert emilia_note in shown
    for line in shown.splitlines():
        assert line.count("different sequence") <= 1
    assert shown.count("EMILIA enrolled patients who had not received") == 1
