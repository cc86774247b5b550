"""Render the README pictures of tumor-board mode from the demo cases, offscreen.

``QT_QPA_PLATFORM=offscreen python -m app.tumor_board.render_docs [DOCS_DIR]`` writes
``screenshot-presentation.png`` (presentation mode at 1600×1000) and ``report-page1.png`` (page 1
of a case report, through ``pdftoppm -png -r 60 -f 1 -l 1``). Everything happens in a temporary
library; the user's data folder is never touched.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
AGENDA = (
    "02-after-first-line.json",
    "04-after-thp-and-tdxd.json",
    "05-brain-metastases.json",
    "09-ild-on-tdxd.json",
)


def render(docs: Path) -> int:
    from app.main_window import demo_cases_dir
    from app.safe_output import qt_output
    from app.settings import init_application_names
    from app.tumor_board import report
    from app.tumor_board.presentation import PresentationWindow, PresentedCase
    from app.tumor_board.storage import case_from_library
    from pathways import safe_write
    from pathways.case import dump_case, load_case
    from pathways.content import load_content
    from pathways.engine import Engine
    from pathways.errors import PathwayError
    from pathways.library import CaseLibrary
    from pathways.snapshot_diff import is_on_pathway, take_snapshot

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("render_docs: pdftoppm is not installed", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    init_application_names()
    content = load_content()
    engine = Engine(content)
    with tempfile.TemporaryDirectory(prefix="her2-docs-") as scratch:
        folder = Path(scratch)
        with CaseLibrary.open(folder / "library.sqlite3") as library:
            meeting_id = library.create_meeting("Breast tumor board", dt.date(2026, 5, 12))
            ids = []
            for name in AGENDA:
                case = load_case(demo_cases_dir() / name, content)
                ids.append(library.add_case(dump_case(case)))
                library.add_to_agenda(meeting_id, ids[-1])
            snapshot, rec = take_snapshot(engine, case_from_library(library, ids[1], content))
            library.record_decision(
                meeting_id,
                ids[1],
                chosen_regimen="tdm1",
                on_pathway=is_on_pathway(rec, "tdm1"),
                off_pathway_reason=None,
                off_pathway_detail="",
                alternatives=["tucatinib-trastuzumab-capecitabine"],
                note="No brain metastases; tucatinib kept for later.",
                dissent="",
                recorded_by="Dr Demo",
                snapshot=snapshot,
            )
            meeting = library.get_meeting(meeting_id)
            cases = [
                PresentedCase(
                    case_from_library(library, i, content),
                    i,
                    tuple(library.decisions(i, meeting_id)),
                )
                for i in ids
            ]
            view = PresentationWindow(content, engine, cases, meeting)
            view.show_case(1)
            image = view.render_image(QSize(1600, 1000))
            view.close()
            shot = docs / "screenshot-presentation.png"
            try:  # whole or not at all, like every output of the app
                with qt_output(shot) as out:
                    # str, not bytes: PySide6 refuses bytes here at run time, whatever its stubs say
                    if not image.save(out.device, "PNG"):  # type: ignore[call-overload]
                        out.fail("cannot write the PNG")
            except PathwayError as exc:
                print(f"render_docs: {exc.one_line()}", file=sys.stderr)
                return 2
            doc = report.case_document(
                content, engine, cases[1].case, list(cases[1].decisions), meeting
            )
            pdf = folder / "report.pdf"
            report.write_pdf(doc, pdf, content)
        prefix = folder / "page"
        subprocess.run(
            [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(prefix)],
            check=True,
        )
        page = next(folder.glob("page*.png"))
        try:
            safe_write.write_bytes(docs / "report-page1.png", page.read_bytes())
        except PathwayError as exc:
            print(f"render_docs: {exc.one_line()}", file=sys.stderr)
            return 2
    print(f"render_docs: wrote {shot.name} and report-page1.png to {docs}")
    return 0


if __name__ == "__main__":
    sys.exit(render(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"))
