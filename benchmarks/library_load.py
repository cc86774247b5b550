"""The shared case library under load (issue 17): many workstations on one PostgreSQL database.

Two parts, both on a throw-away server (:class:`tests.postgres_server.PostgresServer`):

1. **Load**: ``workers`` processes (20 for ``seconds`` = 60; 4 × 3 s with ``--quick``), each with
   its own :class:`~pathways.library.CaseLibrary` connection to one database, all working on the
   same 3 meetings: adding cases and putting them on an agenda, moving agenda entries, recording
   decisions and corrections, setting attendees. Every call is logged by its worker (kind,
   latency, success or refusal and why). A correction that names a decision another workstation
   has just superseded is refused by the library ("not the current decision"): a legitimate
   race, counted as a refusal, not an error. Afterwards a fresh connection checks that nothing
   was lost or duplicated, that every decision chain is intact and that the database itself
   refuses to change or delete a decision (integrity, unlike time, is a verdict: ERROR if broken).
2. **Scale**: 100,000 cases (bulk-copied as the superuser, shaped as the library writes them) and
   500 meetings of 20 cases; open, list, search, list meetings, one agenda: the SQLite library's
   targets (:mod:`benchmarks.library`).

Timings are printed, never asserted. Without PostgreSQL binaries the group reports
"not available: <reason>". Run alone: ``python -m benchmarks.library_load [--workers N]
[--seconds S] [--cases N] [--quick]``; in the suite: ``python -m benchmarks --only library-pg``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import queue
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import ERROR, NA, PASS, Context, Figure, measured, percentile
from benchmarks.library import time_operations

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

    from pathways.library import CaseLibrary
    from tests.postgres_server import PostgresServer

TARGET = "≤ 100 ms"
LIMIT_MS = 100.0
MEETINGS = 3
START_WAIT_S = 300  # 20 spawned interpreters importing psycopg on a busy 2-core machine
SEED_CASES_PER_MEETING = 5
# What a workstation does, and how often: the board's agenda and decisions are the hot spots.
MIX: tuple[tuple[str, int], ...] = (
    ("add case", 20),
    ("move in agenda", 35),
    ("record decision", 38),
    ("set attendees", 7),
)
# Refusals the library gives when another workstation got there first: legitimate races.
RACES: tuple[tuple[str, str], ...] = (
    ("is not the current decision", "not the current decision (corrected meanwhile)"),
    ("already has decision", "already has a decision (first version recorded meanwhile)"),
)
GAVE_UP = "kept changing the same records"  # _retried's message after its last try
NAMES = ("Dr Adams", "Dr Baker", "Dr Chen", "Dr Diaz", "Dr Evans", "Dr Fox", "Dr Gray")
ROLES = ("chair", "medical oncology", "radiology", "pathology", "surgery", "nursing")


@dataclass
class Op:
    kind: str
    ms: float
    outcome: str  # "ok", "refused", "failed"
    reason: str = ""


@dataclass
class WorkerLog:
    worker: int
    ops: list[Op] = field(default_factory=list)
    conflicts_retried: int = 0
    case_ids: list[int] = field(default_factory=list)
    decision_ids: list[int] = field(default_factory=list)
    on_agenda: list[tuple[int, int]] = field(default_factory=list)  # (meeting, case) added
    error: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "worker": self.worker,
                "ops": [[o.kind, round(o.ms, 4), o.outcome, o.reason] for o in self.ops],
                "conflicts_retried": self.conflicts_retried,
                "case_ids": self.case_ids,
                "decision_ids": self.decision_ids,
                "on_agenda": self.on_agenda,
                "error": self.error,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> WorkerLog:
        data = json.loads(text)
        return cls(
            worker=data["worker"],
            ops=[Op(k, ms, outcome, reason) for k, ms, outcome, reason in data["ops"]],
            conflicts_retried=data["conflicts_retried"],
            case_ids=data["case_ids"],
            decision_ids=data["decision_ids"],
            on_agenda=[(m, c) for m, c in data["on_agenda"]],
            error=data["error"],
        )


def _why(message: str) -> tuple[str, str]:
    """(outcome, reason) of a LibraryError: a known race is "refused"; anything else "failed"."""
    for needle, reason in RACES:
        if needle in message:
            return "refused", reason
    if GAVE_UP in message:
        return "failed", "failed after all retries"
    # Numbers (ids, positions) vary; the rest of the message names the problem.
    return "failed", re.sub(r"\d+", "N", message.split(": ", 1)[-1])[:160]


# -- one workstation ---------------------------------------------------------------------------


def case_text(label: str) -> str:
    return json.dumps({"label": label})


def _snapshot(case_json: str) -> Any:
    from pathways.library import DecisionSnapshot

    return DecisionSnapshot(
        case_json=case_json,
        recommendation={"position": "load-test", "options": []},
        content_version="load-test",
        content_digest="0" * 64,
        app_version="load-test",
    )


class Station:
    """One workstation's loop: its own connection, a random mix of the board's edits."""

    def __init__(self, library: CaseLibrary, meetings: Sequence[int], worker: int) -> None:
        self.library = library
        self.meetings = list(meetings)
        self.log = WorkerLog(worker)
        self.rng = random.Random(worker * 7919 + 1)
        self.made = 0

    def timed(self, kind: str, call: Callable[[], Any]) -> tuple[bool, Any]:
        """(succeeded, result) of one library call, logged with its latency and outcome."""
        from pathways.library import LibraryError

        start = time.perf_counter()
        try:
            result = call()
        except LibraryError as exc:
            outcome, reason = _why(str(exc))
            self.log.ops.append(Op(kind, (time.perf_counter() - start) * 1000, outcome, reason))
            return False, None
        self.log.ops.append(Op(kind, (time.perf_counter() - start) * 1000, "ok"))
        return True, result

    def step(self) -> None:
        kinds = [k for k, _ in MIX]
        kind = self.rng.choices(kinds, weights=[w for _, w in MIX])[0]
        meeting = self.rng.choice(self.meetings)
        if kind == "add case":
            self.add_case(meeting)
        elif kind == "move in agenda":
            self.move(meeting)
        elif kind == "record decision":
            self.decide(meeting)
        else:
            self.attendees(meeting)

    def agenda(self, meeting: int) -> list[int]:
        ok, rows = self.timed("read agenda", lambda: self.library.agenda(meeting))
        return [r.id for r in rows] if ok else []

    def add_case(self, meeting: int) -> None:
        self.made += 1
        text = case_text(f"Load w{self.log.worker:02d} case {self.made}")
        ok, case_id = self.timed("add case", lambda: self.library.add_case(text))
        if not ok:
            return
        self.log.case_ids.append(case_id)
        # The agenda only grows (nothing is taken off), so a position read earlier stays valid.
        size = len(self.agenda(meeting))
        position = self.rng.choice([None, self.rng.randint(0, size)])
        ok, _ = self.timed(
            "add to agenda", lambda: self.library.add_to_agenda(meeting, case_id, position)
        )
        if ok:
            self.log.on_agenda.append((meeting, case_id))

    def move(self, meeting: int) -> None:
        cases = self.agenda(meeting)
        if not cases:
            return
        case_id = self.rng.choice(cases)
        target = self.rng.randrange(len(cases))
        self.timed("move in agenda", lambda: self.library.move_in_agenda(meeting, case_id, target))

    def decide(self, meeting: int) -> None:
        cases = self.agenda(meeting)
        if not cases:
            return
        # Half the time one of the first cases (the one being presented): where stations race.
        case_id = self.rng.choice(cases[:3] if self.rng.random() < 0.5 else cases)
        ok, current = self.timed(
            "read current decision", lambda: self.library.current_decision(meeting, case_id)
        )
        if not ok:
            return
        supersedes = None if current is None else current.id
        regimen = self.rng.choice(("T-DXd", "THP", "T-DM1", "tucatinib + trastuzumab + cape"))
        ok, decision_id = self.timed(
            "record decision",
            lambda: self.library.record_decision(
                meeting,
                case_id,
                chosen_regimen=regimen,
                on_pathway=True,
                off_pathway_reason=None,
                off_pathway_detail="",
                alternatives=["THP"],
                note=f"load test, station {self.log.worker}",
                dissent="",
                recorded_by=f"station {self.log.worker}",
                snapshot=_snapshot(case_text(f"case {case_id}")),
                supersedes=supersedes,
            ),
        )
        if ok:
            self.log.decision_ids.append(decision_id)

    def attendees(self, meeting: int) -> None:
        from pathways.library import Attendee

        people = [
            Attendee(name, self.rng.choice(ROLES))
            for name in self.rng.sample(NAMES, self.rng.randint(3, len(NAMES)))
        ]
        self.timed("set attendees", lambda: self.library.set_attendees(meeting, people))


def worker_main(
    worker: int,
    dsn: str,
    meetings: list[int],
    seconds: float,
    out: str,
    ready: Queue[int],
    go: Event,
) -> None:
    """A spawned process: one workstation until the time is up; its log to ``out``."""
    from pathways.library import CaseLibrary

    log = WorkerLog(worker)
    try:
        try:
            library = CaseLibrary.open(dsn)
        finally:
            ready.put(worker)  # connected or not: the parent need not wait for this station
        try:
            station = Station(library, meetings, worker)
            log = station.log
            # Every station connected: the clock starts for all at once.
            if not go.wait(timeout=START_WAIT_S):
                raise RuntimeError(f"no start signal within {START_WAIT_S} s")
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                station.step()
            log.conflicts_retried = library.conflicts_retried
        finally:
            library.close()
    except Exception as exc:  # reported by the parent: the run's figures would be incomplete
        log.error = f"{type(exc).__name__}: {exc}"[:500]
    Path(out).write_text(log.to_json(), "utf-8")


# -- the load run ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    workers: int
    seconds: float
    wall_s: float
    logs: list[WorkerLog]
    seed_cases: int
    checks: dict[str, str]  # check -> "ok" or what is wrong
    extra: dict[str, Any]


def seed(dsn: str) -> tuple[list[int], int]:
    """The 3 meetings everyone works on, each with a few cases on its agenda."""
    from pathways.library import CaseLibrary

    with CaseLibrary.open(dsn) as library:
        meetings = []
        seeded = 0
        for m in range(MEETINGS):
            meeting = library.create_meeting(f"Load-test board {m + 1}", dt.date(2026, 12, 1 + m))
            meetings.append(meeting)
            for c in range(SEED_CASES_PER_MEETING):
                case_id = library.add_case(case_text(f"Seed m{m + 1} case {c + 1}"))
                library.add_to_agenda(meeting, case_id)
                seeded += 1
        return meetings, seeded


def _wait_ready(procs: Sequence[BaseProcess], ready: Queue[int]) -> None:
    """Until every station has tried to connect, or died before it could (bounded)."""
    seen: set[int] = set()
    deadline = time.monotonic() + START_WAIT_S
    while len(seen) < len(procs) and time.monotonic() < deadline:
        try:
            seen.add(ready.get(timeout=0.5))
        except queue.Empty:
            if all(not p.is_alive() for w, p in enumerate(procs) if w not in seen):
                return  # the missing ones died during start-up (their errors are reported)


def run_load(server: PostgresServer, workers: int, seconds: float, scratch: Path) -> LoadResult:
    dsn = server.create_database("load_test")
    meetings, seeded = seed(dsn)
    ctx = multiprocessing.get_context("spawn")
    ready: Queue[int] = ctx.Queue()
    go = ctx.Event()
    outs = [scratch / f"worker-{w:02d}.json" for w in range(workers)]
    procs = [
        ctx.Process(
            target=worker_main,
            args=(w, dsn, meetings, seconds, str(outs[w]), ready, go),
            name=f"station-{w}",
        )
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        _wait_ready(procs, ready)
        go.set()
        start = time.perf_counter()
        for p in procs:
            p.join(timeout=seconds + 120)
        wall = time.perf_counter() - start
    finally:
        for p in procs:
            if p.is_alive():  # only this run's own children
                p.terminate()
                p.join(timeout=10)
    logs = []
    for w, out in enumerate(outs):
        if out.exists():
            logs.append(WorkerLog.from_json(out.read_text("utf-8")))
        else:
            logs.append(WorkerLog(w, error=f"no result (exit code {procs[w].exitcode})"))
    checks, extra = verify(server, dsn, meetings, seeded, logs)
    return LoadResult(workers, seconds, wall, logs, seeded, checks, extra)


def verify(
    server: PostgresServer, dsn: str, meetings: list[int], seeded: int, logs: list[WorkerLog]
) -> tuple[dict[str, str], dict[str, Any]]:
    """From a fresh connection: nothing lost, nothing duplicated, chains intact, append-only."""
    import psycopg

    from pathways.library import CaseLibrary

    checks: dict[str, str] = {}
    extra: dict[str, Any] = {}

    def check(name: str, problems: list[str]) -> None:
        checks[name] = "ok" if not problems else "; ".join(problems[:5])

    case_ids = [c for log in logs for c in log.case_ids]
    decision_ids = [d for log in logs for d in log.decision_ids]
    added = [pair for log in logs for pair in log.on_agenda]
    recorded = sum(
        1 for log in logs for o in log.ops if o.kind == "record decision" and o.outcome == "ok"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        stored_cases = {r[0] for r in conn.execute("SELECT id FROM cases")}
        n_cases = conn.execute("SELECT count(*) FROM cases").fetchone()
        rows = conn.execute("SELECT id, meeting_id, case_id, supersedes FROM decisions").fetchall()
        agenda = conn.execute("SELECT meeting_id, case_id, position FROM agenda").fetchall()
        check(
            "no case lost",
            [
                f"case {c} returned by add_case is missing"
                for c in case_ids
                if c not in stored_cases
            ],
        )
        total_cases = int(n_cases[0]) if n_cases else -1
        check(
            "no case duplicated",
            []
            if total_cases == seeded + len(case_ids) and len(set(case_ids)) == len(case_ids)
            else [f"{total_cases} cases stored, {seeded} seeded + {len(case_ids)} added"],
        )
        decisions = {r[0]: r for r in rows}
        check(
            "no decision lost",
            [f"decision {d} is missing" for d in decision_ids if d not in decisions],
        )
        check(
            "decisions = successful record_decision calls",
            []
            if len(rows) == recorded == len(set(decision_ids))
            else [f"{len(rows)} rows, {recorded} successful calls"],
        )
        check("agenda", _agenda_problems(meetings, agenda, added))
        check("decision chains", _chain_problems(decisions))
        extra["agenda_sizes"] = dict(Counter(m for m, _, _ in agenda))
        extra["decision_chains"] = len({(r[1], r[2]) for r in rows})
        extra["longest_chain"] = max(Counter((r[1], r[2]) for r in rows).values(), default=0)
        check("append-only held (superuser)", _append_only_problems(conn))
        extra["truncate_by_owner"] = _truncate_outcome(conn)
        # The server's own count of rolled-back transactions and of deadlocks it broke (each
        # one after deadlock_timeout, 1 s by default): the costly kind of collision.
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_clear_snapshot()")
        stats = conn.execute(
            "SELECT xact_commit, xact_rollback, deadlocks, current_setting('deadlock_timeout')"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        if stats:
            extra["server"] = {
                "commits": stats[0],
                "rollbacks": stats[1],
                "deadlocks": stats[2],
                "deadlock_timeout": stats[3],
            }
    # The library's own reading of the same rows: versions numbered 1..n along each chain.
    with CaseLibrary.open(dsn, read_only=True) as library:
        problems = []
        by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
        for d in library.all_decisions():
            by_key[(d.meeting_id, d.case_id)].append(d.version)
        for key, versions in by_key.items():
            if versions != list(range(1, len(versions) + 1)):
                problems.append(f"meeting {key[0]} case {key[1]}: versions {versions[:10]}")
        check("library reads every chain in order", problems)
    return checks, extra


def _agenda_problems(
    meetings: list[int], agenda: list[tuple[Any, ...]], added: list[tuple[int, int]]
) -> list[str]:
    problems = []
    positions: dict[int, list[int]] = defaultdict(list)
    entries: Counter[tuple[int, int]] = Counter()
    for meeting, case, position in agenda:
        positions[meeting].append(position)
        entries[(meeting, case)] += 1
    for meeting in meetings:
        got = sorted(positions[meeting])
        if got != list(range(len(got))):
            dupes = sorted(p for p, n in Counter(got).items() if n > 1)[:5]
            problems.append(
                f"meeting {meeting}: positions not 0..{len(got) - 1} (repeated {dupes})"
            )
    problems += [f"meeting {m} lists case {c} {n} times" for (m, c), n in entries.items() if n > 1]
    problems += [
        f"case {c} added to meeting {m} is not on it" for m, c in added if (m, c) not in entries
    ]
    return problems


def _chain_problems(decisions: dict[int, tuple[Any, ...]]) -> list[str]:
    """Per meeting and case: one first version, each next supersedes the previous, one current."""
    problems = []
    groups: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    for row in decisions.values():
        groups[(row[1], row[2])].append(row)
    for (meeting, case), rows in groups.items():
        where = f"meeting {meeting} case {case}"
        firsts = [r for r in rows if r[3] is None]
        if len(firsts) != 1:
            problems.append(f"{where}: {len(firsts)} first versions")
            continue
        next_of: dict[int, list[int]] = defaultdict(list)
        for r in rows:
            if r[3] is not None:
                next_of[r[3]].append(r[0])
        chain = [firsts[0][0]]
        while next_of.get(chain[-1]):
            following = next_of[chain[-1]]
            if len(following) > 1:
                problems.append(f"{where}: decision {chain[-1]} superseded {len(following)} times")
                break
            chain.append(following[0])
        if len(chain) != len(rows):
            problems.append(f"{where}: chain of {len(chain)} holds {len(rows)} versions")
        if chain != sorted(chain):
            problems.append(f"{where}: a correction is older than what it corrects")
        current = [r[0] for r in rows if not next_of.get(r[0])]
        if len(current) != 1:
            problems.append(f"{where}: {len(current)} current versions")
    return problems


def _append_only_problems(conn: Any) -> list[str]:
    """The superuser tries to change and to delete a decision: the database must refuse both."""
    import psycopg

    problems = []
    for statement in (
        "UPDATE decisions SET note = 'tampered' WHERE id = (SELECT min(id) FROM decisions)",
        "DELETE FROM decisions WHERE id = (SELECT max(id) FROM decisions)",
    ):
        verb = statement.split()[0]
        try:
            with conn.transaction():
                cur = conn.execute(statement)
                if cur.rowcount == 0:
                    problems.append(f"not tried: no decision to {verb}")
                else:
                    problems.append(f"{verb} was accepted ({cur.rowcount} rows)")
                raise _Undo
        except _Undo:
            pass
        except psycopg.errors.RaiseException:
            pass  # the guard's refusal: what the check wants
    return problems


def _truncate_outcome(conn: Any) -> str:
    """Whether the tables' owner can empty the decisions (row triggers do not see TRUNCATE).

    Reported, not a check: the board's roles have no TRUNCATE privilege, only the owner has.
    """
    import psycopg

    try:
        with conn.transaction():
            conn.execute("TRUNCATE decisions")
            raise _Undo
    except _Undo:
        return "accepted (rolled back here)"
    except psycopg.Error as exc:
        return f"refused ({type(exc).__name__})"


class _Undo(Exception):
    """Rolls back a tampering statement that the database wrongly accepted."""


# -- 100,000 cases -----------------------------------------------------------------------------


def fill_pg(dsn: str, cases: int, meetings: int, per_meeting: int = 20) -> float:
    """COPY ``cases`` cases and ``meetings`` meetings into a library; seconds taken."""
    import psycopg

    from pathways.library import CaseLibrary, _now

    CaseLibrary.open(dsn).close()  # the schema, as the app creates it
    start = time.perf_counter()
    stamp = _now()  # the library's own ISO UTC format
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:  # one transaction
        with cur.copy("COPY cases (label, case_json, created_at, updated_at) FROM STDIN") as cp:
            for i in range(cases):
                label = f"Case {i}"
                cp.write_row((label, json.dumps({"label": label}), stamp, stamp))
        day = dt.date(2020, 1, 6)
        with cur.copy("COPY meetings (title, meeting_date) FROM STDIN") as cp:
            for m in range(meetings):
                title = f"Breast tumor board {m + 1}"
                cp.write_row((title, (day + dt.timedelta(weeks=m)).isoformat()))
        ids = [r[0] for r in cur.execute("SELECT id FROM meetings ORDER BY id").fetchall()]
        first = cur.execute("SELECT min(id) FROM cases").fetchone()
        base = int(first[0]) if first else 1
        with cur.copy("COPY agenda (meeting_id, case_id, position) FROM STDIN") as cp:
            for m, meeting_id in enumerate(ids):
                for p in range(min(per_meeting, cases)):
                    cp.write_row((meeting_id, base + (m * per_meeting + p) % cases, p))
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Autovacuum would do it within a minute of such a load; done now so the planner knows.
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def run_scale(server: PostgresServer, cases: int, meetings: int, repeats: int) -> list[Figure]:
    from pathways.library import CaseLibrary

    dsn = server.create_database("scale_test")
    fill_s = fill_pg(dsn, cases, meetings)
    print(f"  filled {cases:,} cases and {meetings} meetings in {fill_s:.1f} s (COPY)")
    library = CaseLibrary.open(dsn)
    try:
        agenda_id = library.list_meetings()[0].id
        deep = library.list_cases()[cases * 9 // 10]
        ops: dict[str, tuple[str, Callable[[], object]]] = {
            "library_pg_open": ("open", lambda: CaseLibrary.open(dsn).close()),
            "library_pg_list": ("list cases, all at once", library.list_cases),
            # What the dock reads: the first page, and later pages as the list scrolls.
            "library_pg_first_page": (
                "list cases, first page of 500 (the dock)",
                lambda: library.list_cases(limit=500),
            ),
            "library_pg_deep_page": (
                "list cases, a page of 500 after 90% of the list",
                lambda: library.list_cases(after=deep, limit=500),
            ),
            "library_pg_search": ("search 'case 4242'", lambda: library.search_cases("case 4242")),
            "library_pg_meetings": ("list meetings", library.list_meetings),
            "library_pg_agenda": ("one agenda", lambda: library.agenda(agenda_id)),
        }
        figures = time_operations(
            ops, repeats, f"{cases:,} cases, {meetings} meetings", "PG library"
        )
        figures.append(_list_breakdown(dsn, cases, meetings, repeats))
    finally:
        library.close()
    return figures


def run_live(server: PostgresServer, samples: int) -> Figure:
    """How soon one workstation's commit reaches another's change feed (LISTEN/NOTIFY).

    From just before the writer's ``add_case`` call (its whole transaction included) to the
    moment the other workstation's ``poll()`` returns the change, waiting on the feed's socket
    with ``select`` as the window's QSocketNotifier does.
    """
    import select

    from pathways.library import CaseLibrary

    dsn = server.create_database("live_test")
    watcher, writer = CaseLibrary.open(dsn), CaseLibrary.open(dsn)
    feed = watcher.changes()
    latencies = []
    try:
        for n in range(samples):
            start = time.perf_counter()
            writer.add_case(case_text(f"Live {n}"))
            seen: frozenset[str] = frozenset()
            while not seen:
                fd = feed.fileno()
                if fd is not None:
                    select.select([fd], [], [], 5.0)
                seen = feed.poll()
                if time.perf_counter() - start > 10:
                    raise RuntimeError("a change did not arrive within 10 s")
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        feed.close()
        watcher.close()
        writer.close()
    return measured(
        "library_pg_live",
        f"live refresh: a commit seen by another workstation ({samples} commits)",
        "ms",
        latencies,
        target="≤ 1000 ms",
        limit=1000.0,
        note="from the writer's call to the watcher's poll(); the window adds a 100 ms coalescing",
    )


def _list_breakdown(dsn: str, cases: int, meetings: int, repeats: int) -> Figure:
    """The list query alone (server and transfer, rows as tuples); decoding is the rest."""
    import psycopg

    from pathways.library_schema import POSTGRESQL

    # The library's own query (its sort key is the dialect's).
    query = f"SELECT id, label, updated_at FROM cases ORDER BY {POSTGRESQL.label_key}, id"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(query).fetchall()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            conn.execute(query).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}").fetchall()
    return measured(
        "library_pg_list_query",
        f"PG list-cases query alone, no decoding ({cases:,} cases, {meetings} meetings)",
        "ms",
        samples,
        note="psycopg fetchall of the library's list query: the rest of list cases is decoding",
        details={"plan": [str(r[0]) for r in plan]},
    )


# -- figures -----------------------------------------------------------------------------------


def load_figures(result: LoadResult) -> list[Figure]:
    ops = [o for log in result.logs for o in log.ops]
    wall = result.wall_s
    conflicts = sum(log.conflicts_retried for log in result.logs)
    failed = [o for o in ops if o.outcome == "failed"]
    refusals = Counter(o.reason for o in ops if o.outcome == "refused")
    failures = Counter(o.reason for o in ops if o.outcome == "failed")
    errors = [f"station {log.worker}: {log.error}" for log in result.logs if log.error]
    broken = {k: v for k, v in result.checks.items() if v != "ok"}
    who = f"{result.workers} stations × {result.seconds:g} s"
    figures = [
        Figure(
            "library_pg_load_total",
            f"PG load, all operations ({who})",
            "ops/s",
            median=len(ops) / wall if wall else None,
            note=(
                f"{len(ops):,} operations in {wall:.1f} s; {conflicts} collisions retried; "
                f"{len(failed)} failed"
            ),
            details={
                "operations": len(ops),
                "wall_s": round(wall, 2),
                "conflicts_retried": conflicts,
                "failed": len(failed),
                "failures": dict(failures),
                "refusals": dict(refusals),
                "stations": result.workers,
                "seconds": result.seconds,
                **result.extra,
            },
        )
    ]
    for kind in dict.fromkeys(o.kind for o in ops):
        mine = [o for o in ops if o.kind == kind]
        ms = [o.ms for o in mine]
        ok = sum(1 for o in mine if o.outcome == "ok")
        refused = sum(1 for o in mine if o.outcome == "refused")
        slug = kind.replace(" ", "_")
        figures.append(
            Figure(
                f"library_pg_load_{slug}",
                f"PG load: {kind} ({who})",
                "ms",
                median=percentile(ms, 50),
                p95=percentile(ms, 95),
                low=min(ms),
                high=max(ms),
                details={
                    "count": len(mine),
                    "ok": ok,
                    "refused": refused,
                    "failed": len(mine) - ok - refused,
                    "ops_per_s": round(len(mine) / wall, 2) if wall else None,
                    "p99_ms": round(percentile(ms, 99), 3),
                },
            )
        )
    integrity = Figure(
        "library_pg_integrity",
        f"PG load: nothing lost or duplicated, chains intact, append-only ({who})",
        "",
        target="all checks hold",
        verdict=ERROR if broken or errors else PASS,
        note="; ".join([*(f"{k}: {v}" for k, v in broken.items()), *errors])[:600],
        details={"checks": result.checks},
    )
    figures.append(integrity)
    return figures


def report_load(result: LoadResult) -> None:
    ops = [o for log in result.logs for o in log.ops]
    wall = result.wall_s
    print(
        f"\nPostgreSQL load: {result.workers} stations × {result.seconds:g} s "
        f"(wall {wall:.1f} s), {MEETINGS} shared meetings"
    )
    conflicts = sum(log.conflicts_retried for log in result.logs)
    failed = sum(1 for o in ops if o.outcome == "failed")
    print(
        f"  total {len(ops):,} operations, {len(ops) / wall:.1f} ops/s; "
        f"conflicts retried {conflicts}; failed after all retries or otherwise {failed}"
    )
    header = f"  {'kind':<22}{'count':>8}{'ops/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(header + f"{'ok':>8}{'refused':>9}{'failed':>8}")
    kinds = list(dict.fromkeys(o.kind for o in ops))
    for kind in kinds:
        mine = [o for o in ops if o.kind == kind]
        ms = [o.ms for o in mine]
        count = Counter(o.outcome for o in mine)
        print(
            f"  {kind:<22}{len(mine):>8}{len(mine) / wall:>8.1f}{percentile(ms, 50):>9.1f}"
            f"{percentile(ms, 95):>9.1f}{percentile(ms, 99):>9.1f}"
            f"{count['ok']:>8}{count['refused']:>9}{count['failed']:>8}"
        )
    for title, outcome in (("refusals (legitimate races)", "refused"), ("failures", "failed")):
        reasons = Counter(o.reason for o in ops if o.outcome == outcome)
        print(f"  {title}: " + (", ".join(f"{r}: {n}" for r, n in reasons.items()) or "none"))
    print(f"  agenda sizes at the end: {result.extra.get('agenda_sizes')}")
    print(
        f"  decision chains: {result.extra.get('decision_chains')}, "
        f"longest {result.extra.get('longest_chain')} versions"
    )
    for log in result.logs:
        if log.error:
            print(f"  station {log.worker} stopped: {log.error}")
    print(f"  server statistics: {result.extra.get('server')}")
    print(f"  TRUNCATE decisions as the owner: {result.extra.get('truncate_by_owner')}")
    print("  checks from a fresh connection:")
    for name, verdict in result.checks.items():
        print(f"    {name}: {verdict}")


# -- entry points ------------------------------------------------------------------------------


def unavailable() -> str | None:
    """Why no PostgreSQL server can be started here, or None."""
    try:
        from tests.postgres_server import PostgresServer
    except ImportError as exc:  # psycopg or the tests folder missing
        return f"cannot import the test server ({exc})"
    return PostgresServer.available()


def measure(
    workers: int, seconds: float, cases: int, meetings: int, repeats: int, scratch: Path
) -> list[Figure]:
    why = unavailable()
    if why is not None:
        print(f"library-pg: not available: {why}")
        return [
            Figure(
                "library_pg_load_total",
                "PostgreSQL case library (load and 100,000 cases)",
                "",
                verdict=NA,
                note=f"not available: {why}",
            )
        ]
    from tests.postgres_server import PostgresServer

    server = PostgresServer()
    try:
        server.start()
        result = run_load(server, workers, seconds, scratch)
        report_load(result)
        figures = load_figures(result)
        live = run_live(server, 50 if seconds >= 10 else 10)
        print(
            f"  {live.label}: median {live.median:.2f} ms (max {live.high:.2f} ms) {live.verdict}"
        )
        figures.append(live)
        print(f"\nPostgreSQL library at scale: {cases:,} cases, {meetings} meetings")
        scale = run_scale(server, cases, meetings, repeats)
        for fig in scale:
            print(
                f"  {fig.label}: median {fig.median:.2f} ms (max {fig.high:.2f} ms) {fig.verdict}"
            )
        return figures + scale
    finally:
        server.cleanup()


def run(ctx: Context) -> list[Figure]:
    return measure(
        workers=ctx.pick(4, 20),
        seconds=ctx.pick(3, 60),
        cases=ctx.pick(2_000, 100_000),
        meetings=ctx.pick(25, 500),
        repeats=ctx.pick(3, 15),
        scratch=ctx.scratch,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.library_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="4 stations × 3 s, 2,000 cases")
    parser.add_argument("--workers", type=int, help="stations (processes); default 20")
    parser.add_argument("--seconds", type=float, help="length of the load; default 60")
    parser.add_argument("--cases", type=int, help="cases for the scale part; default 100,000")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="her2-bench-pg-") as scratch:
        ctx = Context(quick=args.quick, scratch=Path(scratch))
        figures = measure(
            workers=args.workers or ctx.pick(4, 20),
            seconds=args.seconds or ctx.pick(3, 60),
            cases=args.cases or ctx.pick(2_000, 100_000),
            meetings=ctx.pick(25, 500),
            repeats=ctx.pick(3, 15),
            scratch=ctx.scratch,
        )
    return 1 if any(f.verdict == ERROR for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
