"""Every patient factor of the vocabulary reaches every place that shows factors: the factors
panel, the case header's phrases and the presentation. A factor added to pathways/vocab.py (and
the case model) needs no widget code; this test fails if a place keeps its own list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app import text
from app.main_window import MainWindow
from pathways import records
from pathways.case import Case, Factors
from pathways.content import Content
from pathways.engine import Engine
from pathways.vocab import FACTORS, FactorSpec

NOTABLE = [spec for spec in FACTORS if spec.notable]


def _notable(spec: FactorSpec) -> Factors:
    return records.validate(Factors, {spec.name: spec.notable[0]})


def test_the_factors_panel_has_a_field_for_every_factor(
    make_window: Callable[..., MainWindow],
) -> None:
    window = make_window(None, show=False)
    for spec in FACTORS:
        assert window.findChild(QWidget, f"factor_{spec.name}") is not None, spec.name


@pytest.mark.parametrize("spec", NOTABLE, ids=lambda s: s.name)
def test_a_notable_factor_is_flagged_in_the_header(spec: FactorSpec) -> None:
    phrases = text.header_factors(_notable(spec))
    assert any(notable and text.factor_name(spec.name) in p for p, notable in phrases)


@pytest.mark.parametrize("spec", NOTABLE, ids=lambda s: s.name)
def test_a_notable_factor_is_flagged_in_the_presentation(
    qtbot: QtBot, content: Content, engine: Engine, spec: FactorSpec
) -> None:
    from app.tumor_board.presentation import PresentationWindow, PresentedCase

    case = Case(label="factor", factors=_notable(spec))
    presentation = PresentationWindow(content, engine, [PresentedCase(case)])
    qtbot.addWidget(presentation)
    presentation.show_case(0)
    assert f"⚠ {text.factor_name(spec.name)}" in presentation.factors.text()


def test_presentation_numbers_options_as_the_engine_orders_them(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    from app.tumor_board.presentation import PresentationWindow, PresentedCase
    from pathways.case import load_case
    from tests.app.conftest import CASES

    case = load_case(CASES / "04-after-thp-and-tdxd.json", content)
    rec = engine.next_options(case)
    tied = [o for o in rec.options if o.tied and o.order == 1]
    assert len(tied) >= 2  # after T-DXd: the HER2CLIMB regimen and T-DM1, unranked
    presentation = PresentationWindow(content, engine, [PresentedCase(case)])
    qtbot.addWidget(presentation)
    presentation.show_case(0)
    html = presentation.options.text()
    assert html.count("<b>1=</b>") == len(tied)
    assert "<b>1.</b>" not in html and "<b>2.</b>" not in html.split("<b>1=</b>")[0]


def test_presentation_lists_this_patients_safety_before_evidence_notes(
    qtbot: QtBot, content: Content, engine: Engine
) -> None:
    from app.tumor_board.presentation import PresentationWindow, PresentedCase
    from pathways.case import load_case
    from tests.app.conftest import CASES

    case = load_case(CASES / "05-brain-metastases.json", content)
    kinds = [w.kind for w in engine.next_options(case).warnings]
    assert "brain-local-therapy" in kinds and "evidence-gap" in kinds
    presentation = PresentationWindow(content, engine, [PresentedCase(case)])
    qtbot.addWidget(presentation)
    presentation.show_case(0)
    html = presentation.warnings.text()
    assert html.index(text.warning_kind_label("brain-local-therapy")) < html.index(
        text.warning_kind_label("evidence-gap")
    )
