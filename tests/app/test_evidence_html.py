"""The evidence notes: what the clinician reads about the selected option."""

from __future__ import annotations

import re

from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QApplication

from app.evidence_html import decimals, evidence_html, format_hr, format_values, phase_text
from app.text import status_label as tr_status
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


def _panel(content: Content, regimen: str) -> tuple[str, str]:
    """The evidence notes of a regimen (no case): the HTML and the text a reader sees."""
    html = evidence_html(content, regimen, None, None, QPalette())
    doc = QTextDocument()
    doc.setHtml(html)
    return html, doc.toPlainText()


def test_figures_keep_their_reported_precision(qapp: QApplication) -> None:
    assert decimals(0.3) == 1 and decimals(29.0) == 0 and decimals(0.641) == 3
    assert format_hr(0.3, 0.24, 0.38) == "HR 0.30 (95% CI 0.24–0.38)"
    assert format_hr(0.5) == "HR 0.50"
    assert format_hr(0.641, 0.514, 0.799) == "HR 0.641 (95% CI 0.514–0.799)"
    assert format_hr(1.23) == "HR 1.23"
    assert format_values(29.0, 7.2) == ["29.0", "7.2"]
    assert format_values(88.3, 77.0) == ["88.3", "77.0"]
    assert format_values(24.9, 0) == ["24.9", "0"]
    assert format_values(67, 52) == ["67", "52"]
    assert format_values(62.0) == ["62"]


def test_phase_reads_as_a_phase_or_as_written(qapp: QApplication) -> None:
    assert phase_text("3") == "phase 3"
    assert phase_text("3b/4") == "phase 3b/4"
    assert (
        phase_text("phase 2 pivotal; ESMO lists phase 3") == "phase 2 pivotal; ESMO lists phase 3"
    )
    assert phase_text("retrospective real-world cohort") == "retrospective real-world cohort"


def test_trial_heads_and_hazard_ratios_read_well(qapp: QApplication, content: Content) -> None:
    _, tdxd = _panel(content, "tdxd")
    # DESTINY-Breast03 long-term analysis: HR 0.30 (0.24-0.38), as reported.
    assert "HR 0.30 (95% CI 0.24–0.38)" in tdxd
    assert "29.0 vs 7.2 months" in tdxd
    _, tucatinib = _panel(content, "tucatinib-trastuzumab-capecitabine")
    assert "HER2CLIMB (phase 2 pivotal; ESMO lists phase 3, n = 612, " in tucatinib
    # The brain-metastasis row carries the medians and the 1-year PFS, not only an HR.
    assert "7.6 vs 5.4 months" in tucatinib and "24.9 vs 0%" in tucatinib
    for regimen in content.regimens:
        _, shown = _panel(content, regimen)
        for bad in ("HR 0.3 ", "(phase randomised", "(phase real-world", "(phase phase"):
            assert bad not in shown, (regimen, bad)
        assert re.search(r"\(phase (?!\d|not in)", shown) is None, regimen


def test_unconfirmed_positions_show_the_mark_first_and_no_bold(
    qapp: QApplication, content: Content
) -> None:
    """NCCN 'Preferred' for T-DXd + pertuzumab and for adjuvant T-DXd rests on a low-reliability
    site: the mark comes first and the position is not set in bold like a settled one."""
    unconfirmed = tr_status("unconfirmed")
    for regimen in ("tdxd-pertuzumab", "adjuvant-tdxd"):
        html, shown = _panel(content, regimen)
        claims = [
            g
            for g in content.guidelines.values()
            if regimen in g.regimens and g.status == "unconfirmed" and g.position == "preferred"
        ]
        assert claims, regimen
        assert f"[{unconfirmed}] unverified position: Preferred" in shown
        assert "<b>Preferred</b>" not in html
        # Nothing shown for these regimens puts "Preferred" before an UNCONFIRMED mark.
        for line in shown.splitlines():
            if "Preferred" in line and unconfirmed in line:
                assert line.index(unconfirmed) < line.index("Preferred"), line


def test_settled_claims_are_bold_and_unsettled_ones_marked_first(
    qapp: QApplication, content: Content
) -> None:
    html, shown = _panel(content, "tucatinib-trastuzumab-capecitabine")
    assert "<b>7.8</b> vs 5.6" in html  # HER2CLIMB primary PFS: confirmed
    # HER2CLIMB median OS 21.9 vs 17.4: UNCONFIRMED in the reference.
    assert f"[{tr_status('unconfirmed')}] 21.9 vs 17.4 months" in shown
    assert "<b>21.9</b>" not in html
    _, pertuzumab = _panel(content, "tdxd-pertuzumab")
    assert f"[{tr_status('secondary')}] DESTINY-Breast09 (phase 3" in pertuzumab
    _, tdxd = _panel(content, "tdxd")
    assert f"[{tr_status('unconfirmed')}] Dose reduction steps: 5.4 mg/kg" in tdxd


def test_local_therapy_and_team_care_are_not_drug_positions(
    qapp: QApplication, content: Content
) -> None:
    """ASCO BM 1.0 (team care) and 2.x (local therapy) say nothing about T-DXd or tucatinib."""
    for regimen in ("tdxd", "tucatinib-trastuzumab-capecitabine"):
        html, _ = _panel(content, regimen)
        positions = html[html.index("Guideline positions") :]
        for phrase in (
            "multidisciplinary team",
            "neurosurgical",
            "Recommendation 1.0",
            "Recommendations 2.1",
        ):
            assert phrase not in positions, (regimen, phrase)


def test_event_proportions_say_which_way_is_better(qapp: QApplication, content: Content) -> None:
    _, shown = _panel(content, "adjuvant-tdxd")
    assert "patients with an iDFS event" in shown and "lower is better" in shown


def test_guideline_source_and_p_values_read_well(qapp: QApplication, content: Content) -> None:
    for regimen in content.regimens:
        _, shown = _panel(content, regimen)
        for body in ("NCCN", "ESMO", "ASCO", "FDA", "EMA"):
            assert f"{body} {body}" not in shown, (regimen, body)
        assert "p = NS" not in shown, regimen
    _, shown = _panel(content, "trastuzumab-chemotherapy")
    assert "25.5 vs 20.4 months · not significant" in shown  # GBG 26 overall survival


def test_the_panel_says_where_an_option_stands_and_which_rule_put_it_there(
    qapp: object,
) -> None:
    from PySide6.QtGui import QPalette

    from app.evidence_html import evidence_html
    from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine
    from pathways.content import load_content
    from pathways.engine import Engine

    content = load_content()
    case = Case(
        factors=Factors(brain_metastases="active"),
        history=(
            TreatmentLine(
                regimen="pertuzumab-trastuzumab-taxane",
                setting=Setting.METASTATIC,
                outcome=Outcome.PROGRESSION,
            ),
        ),
    )
    rec = Engine(content).next_options(case)
    first = rec.options[0]
    html = evidence_html(content, first.regimen, first, rec, QPalette())
    assert "Listed 1." in html
    assert "adjustment:second-line-tucatinib-bm-active" in html
    tied = next(o for o in rec.options if o.tied)
    html = evidence_html(content, tied.regimen, tied, rec, QPalette())
    assert content.message("tie") in html
