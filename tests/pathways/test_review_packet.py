"""The review packet (PDF, written without Qt), read back with pypdf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from pathways.content import bundled_content_dir, load_content
from pathways.content_diff import transition_key
from pathways.governance_cli import main
from pathways.review_packet import plain
from tests.pathways.content_variants import FIGURE, changed_content


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("packet")
    folder = base / "new"
    what = changed_content(folder)
    out = base / "packet.pdf"
    against = str(bundled_content_dir())
    assert main(["review-packet", str(out), str(folder), "--against", against]) == 0
    return out, folder, what


def test_packet_has_every_record_id(packet: tuple[Path, Path, dict[str, str]]) -> None:
    out, folder, _ = packet
    content = load_content(folder)
    text = _flat(_text(out))
    ids = [
        *content.regimens,
        *content.evidence,
        *content.guidelines,
        *content.safety,
        *(r.id for r in content.rules),
        *(p.id for p in content.pitfalls),
        *(transition_key(t) for t in content.transitions),
    ]
    missing = [i for i in ids if _flat(plain(i)) not in text]
    assert not missing


def test_packet_has_the_diff_and_the_scenario_table(
    packet: tuple[Path, Path, dict[str, str]],
) -> None:
    out, _, what = packet
    text = _text(out)
    flat = _flat(text)
    assert "Changes since the last signed version" in text
    assert _flat(f"removed regimen {what['regimen']}") in flat
    assert _flat(f"figures changed evidence {what['evidence']}") in flat
    assert _flat(f"{FIGURE[0]} -> {FIGURE[1]}") in flat
    assert _flat(f"transition {what['transition']}: tier alternative -> preferred") in flat
    # The scenario table: each scenario, its reference and whether the engine agrees.
    assert "Scenario after-thp-tdxd-available" in text
    assert "DIFFERS FROM EXPECTED" in text  # T-DM1 became preferred after THP
    assert "Guideline / reference: §1B" in text or "Guideline / reference:" in text
    assert "Not signed off by a clinical reviewer" in text
    assert "Initials: ________" in text


def test_unconfirmed_items_come_first_and_are_marked(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    assert main(["review-packet", str(out)]) == 0
    text = _text(out)
    trials = text[text.index("Trial records and their figures") :]
    flags = [m.group(1) or "" for m in re.finditer(r"(\[[A-Z]+\] )?Trial record \S+:", trials)]
    assert len(flags) == len(load_content().evidence)
    rank = {"[UNCONFIRMED] ": 0, "[SECONDARY] ": 1, "": 2}
    assert [rank[f] for f in flags] == sorted(rank[f] for f in flags)
    assert flags[0] == "[UNCONFIRMED] "  # the content has unconfirmed trial figures


def test_site_choices_are_in_the_footer(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(
        "format: her2-pathway-site\nversion: 1\nname: Example hospital\n"
        "unavailable_agents: [pyrotinib]\n",
        encoding="utf-8",
    )
    out = tmp_path / "p.pdf"
    assert main(["review-packet", str(out), "--site", str(site)]) == 0
    first_page = PdfReader(out).pages[0].extract_text()
    assert "Site: Example hospital - not available: Pyrotinib" in first_page


def test_bad_content_folder_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review-packet", str(tmp_path / "p.pdf"), str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "content folder not found" in err
    assert not (tmp_path / "p.pdf").exists()
