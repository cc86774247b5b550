"""Every warning kind the content may use has a label of its own in the window."""

from __future__ import annotations

from typing import ClassVar, get_args

from PySide6.QtCore import QCoreApplication, QTranslator

from app import text
from app.main_window import MainWindow
from pathways.schema import WarningKind


def test_every_warning_kind_has_a_label() -> None:
    for kind in get_args(WarningKind):
        label = text.warning_kind_label(kind)
        assert label and label != kind and label[0].isupper(), kind


class _German(QTranslator):
    """A translator as an installed .qm file would act, for two phrases."""

    WORDS: ClassVar[dict[str, str]] = {"Preferred": "Bevorzugt", "Avoid": "Vermeiden"}

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return self.WORDS.get(source, "") if context == "Pathways" else ""

    def isEmpty(self) -> bool:  # an empty translator changes nothing: Qt sends no event then
        return False


def test_remembered_phrases_follow_a_change_of_language(window: MainWindow) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    assert text.tier_label("preferred") == "Preferred"  # remembered in English
    german = _German()
    assert app.installTranslator(german)
    try:
        QCoreApplication.sendPostedEvents()  # the LanguageChange reaches the window
        assert text.tier_label("preferred") == "Bevorzugt"
        assert text.tier_badge("avoid") == "✕ Vermeiden"
    finally:
        app.removeTranslator(german)
        QCoreApplication.sendPostedEvents()
    assert text.tier_label("preferred") == "Preferred"
