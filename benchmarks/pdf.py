"""PDF export of a tumor-board meeting of 20 cases (the demo cases twice, with decisions)."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Context, Figure, measured, not_landed, qt_app
from benchmarks.library import demo_case_texts

TARGET = "≤ 3 s"


def run(ctx: Context) -> list[Figure]:
    import json

    label = "PDF export of a 20-case meeting"
    try:
        report: Any = importlib.import_module("app.tumor_board.report")
        meeting_document = report.meeting_document
        write_pdf = report.write_pdf
        library_module: Any = importlib.import_module("pathways.library")
        case_library = library_module.CaseLibrary
    except (ImportError, AttributeError) as exc:
        why = f"app.tumor_board.report.meeting_document/write_pdf ({exc})"
        return [not_landed("pdf_export", label, TARGET, why)]
    from pathways.content import load_content
    from pathways.engine import Engine

    qt_app()
    content = load_content()
    engine = Engine(content)
    cases = ctx.pick(4, 20)
    path = Path(ctx.scratch) / "meeting.sqlite"
    demos = demo_case_texts()
    with case_library.open(path) as library:
        meeting_id = library.create_meeting("Benchmark board", dt.date(2026, 1, 5))
        for i in range(cases):
            data = dict(demos[i % len(demos)])
            data["label"] = f"{i + 1:02d} {data['label']}"
            case_id = library.add_case(json.dumps(data))
            library.add_to_agenda(meeting_id, case_id)
            if i % 2 == 0:
                # Decisions carry a snapshot since library schema 3 (the PDF is drawn from it).
                from pathways.case import parse_case
                from pathways.snapshot_diff import is_on_pathway, take_snapshot

                case = parse_case(json.dumps(data), "benchmark case", content)
                snapshot, rec = take_snapshot(engine, case)
                on = is_on_pathway(rec, "tdxd")
                library.record_decision(
                    meeting_id,
                    case_id,
                    snapshot=snapshot,
                    chosen_regimen="tdxd",
                    on_pathway=on,
                    off_pathway_reason=None if on else "other",
                    off_pathway_detail="" if on else "benchmark",
                    alternatives=["tdm1"],
                    note="Benchmark decision",
                    dissent="",
                    recorded_by="benchmark",
                )
        samples: list[float] = []
        documents: list[float] = []
        size = 0
        for r in range(ctx.pick(1, 3) + 1):  # the first run is the warm-up
            out = Path(ctx.scratch) / f"meeting-{r}.pdf"
            start = time.perf_counter()
            doc = meeting_document(content, engine, library, meeting_id)
            built = time.perf_counter()
            write_pdf(doc, out, content)
            done = time.perf_counter()
            size = out.stat().st_size
            if r:
                samples.append(done - start)
                documents.append(built - start)
    return [
        measured(
            "pdf_export",
            f"PDF export, meeting of {cases} cases",
            "s",
            samples,
            target=TARGET,
            limit=3.0,
            details={
                "document_s": round(sorted(documents)[len(documents) // 2], 3),
                "pdf_bytes": size,
            },
        )
    ]
