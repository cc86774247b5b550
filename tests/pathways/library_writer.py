"""Child process for the crash test in test_library.py: edits a case library until killed.

Usage: python library_writer.py LIBRARY_PATH

Each stdout line reports one operation and is printed only after that operation committed, so
the parent may SIGKILL this process at any instant and still expect every reported row stored:
    meeting M | case C | update C | agenda M C | decision D M C
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from pathways.library import CaseLibrary, DecisionSnapshot


def report(*words: object) -> None:
    # One write per line: under PYTHONUNBUFFERED, print() would emit each word separately and
    # a kill between them would leave a partial line.
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


def main() -> None:
    with CaseLibrary.open(Path(sys.argv[1])) as library:
        meeting_id = library.create_meeting("Crash test board", dt.date(2025, 1, 15))
        report("meeting", meeting_id)
        n = 0
        while True:
            n += 1
            case_id = library.add_case(json.dumps({"label": f"Writer case {n}", "rev": 0}))
            report("case", case_id)
            library.update_case(case_id, json.dumps({"label": f"Writer case {n}", "rev": 1}))
            report("update", case_id)
            library.add_to_agenda(meeting_id, case_id, position=0 if n % 2 else None)
            report("agenda", meeting_id, case_id)
            decision_id = library.record_decision(
                meeting_id,
                case_id,
                chosen_regimen="T-DXd",
                on_pathway=True,
                off_pathway_reason=None,
                off_pathway_detail="",
                alternatives=["T-DM1"],
                note="",
                dissent="",
                recorded_by="crash test",
                # A snapshot as large as a real one: the crash test covers these writes too.
                snapshot=DecisionSnapshot(
                    case_json=json.dumps({"label": f"Writer case {n}", "rev": 1}),
                    recommendation={"options": [{"regimen": "tdxd", "why": "x" * 4000}]},
                    content_version="1.0.0",
                    content_digest="0" * 64,
                    app_version="crash-test",
                ),
            )
            report("decision", decision_id, meeting_id, case_id)


if __name__ == "__main__":
    main()
