"""What only the shared PostgreSQL library has: a server, logins and roles, other workstations.

The behaviour both backends share runs on both in test_library.py and test_library_records.py;
these tests run against the real server of the ``postgres_server`` fixture (skipped, with the
reason, where PostgreSQL is not installed).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pathways.library import (
    SCHEMA_VERSION,
    CaseLibrary,
    DecisionSnapshot,
    LibraryError,
    LibraryUnavailable,
)
from pathways.library_schema import POSTGRESQL, migration
from tests.pathways.library_backends import REFUSALS, raw
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
ROLES_SQL = ROOT / "docs" / "postgresql-roles.sql"


def case(label: str) -> str:
    return json.dumps({"label": label})


def snapshot() -> DecisionSnapshot:
    return DecisionSnapshot(case("Seen"), {"options": []}, "2026.1", "sha256:0", "1.0")


def decide(lib: CaseLibrary, meeting: int, case_id: int, **changes: Any) -> int:
    fields: dict[str, Any] = {
        "chosen_regimen": "T-DXd",
        "on_pathway": True,
        "off_pathway_reason": None,
        "off_pathway_detail": "",
        "alternatives": [],
        "note": "",
        "dissent": "",
        "recorded_by": "typed by the user",
        "snapshot": snapshot(),
    }
    fields.update(changes)
    return lib.record_decision(meeting, case_id, **fields)


@pytest.fixture
def library(postgres_dsn: str) -> Iterator[CaseLibrary]:
    with CaseLibrary.open(postgres_dsn) as lib:
        yield lib


def database_of(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


# -- opening and migrations ----------------------------------------------------------------------


def test_a_new_database_becomes_a_library_with_its_migrations_recorded(
    library: CaseLibrary, postgres_dsn: str
) -> None:
    assert library.backend == "postgresql" and library.login == "postgres"
    assert "password" not in library.where and database_of(postgres_dsn) in library.where
    rows = raw(postgres_dsn, "SELECT version, applied_by FROM schema_migrations ORDER BY 1")
    assert rows == [(v, "postgres") for v in range(1, SCHEMA_VERSION + 1)]


def test_migration_from_schema_1_keeps_rows_and_adds_the_rules(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for statement in migration(POSTGRESQL, 0):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations (version) VALUES (1)")
        conn.execute(
            "INSERT INTO cases (label, case_json, created_at, updated_at) VALUES"
            " ('Old case', '{\"label\": \"Old case\"}', '2024-01-01T00:00:00+00:00',"
            " '2024-01-01T00:00:00+00:00')"
        )
        conn.execute("INSERT INTO meetings (title, meeting_date) VALUES ('Old', '2024-01-02')")
        conn.execute(
            "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
            " off_pathway_detail, alternatives, note, recorded_by, recorded_at)"
            " VALUES (1, 1, 'T-DM1', 1, '', '[]', '', 'Dr Old', '2024-01-02T10:00:00+00:00')"
        )
    with CaseLibrary.open(postgres_dsn) as lib:
        (old,) = lib.decisions(1)
        assert (old.recorded_by, old.dissent, old.snapshot) == ("Dr Old", "", None)
        assert [c.label for c in lib.search_cases("OLD")] == ["Old case"]
        lib.sign_off(1, "ignored on a server")
    assert raw(postgres_dsn, "SELECT max(version) FROM schema_migrations") == [(SCHEMA_VERSION,)]
    with pytest.raises(REFUSALS, match="append-only"):
        raw(postgres_dsn, "DELETE FROM decisions")


def test_newer_schema_and_foreign_databases_are_refused_untouched(postgres_dsn: str) -> None:
    CaseLibrary.open(postgres_dsn).close()
    raw(postgres_dsn, f"INSERT INTO schema_migrations (version) VALUES ({SCHEMA_VERSION + 1})")
    with pytest.raises(LibraryError, match="newer version"):
        CaseLibrary.open(postgres_dsn)
    other = postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    raw(other, "CREATE TABLE IF NOT EXISTS photos (id integer)")
    try:
        with pytest.raises(LibraryError, match="other tables"):
            CaseLibrary.open(other)
        assert raw(other, "SELECT to_regclass('cases') IS NULL") == [(True,)]
    finally:
        raw(other, "DROP TABLE photos")


def test_two_workstations_opening_a_new_library_at_once_migrate_it_once(
    postgres_dsn: str,
) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            CaseLibrary.open(postgres_dsn).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert raw(postgres_dsn, "SELECT count(*) FROM schema_migrations") == [(SCHEMA_VERSION,)]


@pytest.mark.parametrize(
    "address",
    [
        "postgresql://alice:s3cret-pw@127.0.0.1/db",
        "host=127.0.0.1 dbname=db password=s3cret-pw",
    ],
)
def test_an_address_with_a_password_is_refused_without_echoing_it(address: str) -> None:
    with pytest.raises(LibraryError, match="pgpass") as info:
        CaseLibrary.open(address if address.startswith("postgresql") else "service=x " + address)
    assert "s3cret" not in str(info.value)


def test_unreachable_server_is_a_clear_refusal() -> None:
    with pytest.raises(LibraryError, match=r"cannot open|refused|reach") as info:
        CaseLibrary.open("postgresql://nobody@127.0.0.1:1/none", timeout=2)
    assert "Traceback" not in str(info.value)


# -- who did what ----------------------------------------------------------------------------------


def test_the_login_is_recorded_whatever_the_program_sends(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    with CaseLibrary.open(postgres_dsn) as lib:
        meeting = lib.create_meeting("Board", dt.date(2026, 12, 1))
        case_id = lib.add_case(case("A"))
        lib.add_to_agenda(meeting, case_id)
        decide(lib, meeting, case_id, recorded_by="Dr Someone Else")
        lib.sign_off(meeting, "Dr Someone Else")
        assert lib.decisions(case_id)[0].recorded_by == "postgres"
        assert lib.minutes_history(meeting)[0].by == "postgres"


def _roles(postgres_server: PostgresServer, dsn: str) -> dict[str, str]:
    """The roles script run as the tables' owner; one login per role (and one with none)."""
    CaseLibrary.open(dsn).close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(ROLES_SQL.read_text(encoding="utf-8"))
        logins = {
            "coord": "pathways_coordinator",
            "member": "pathways_member",
            "chair": "pathways_chair",
            "nobody_in_particular": "",
        }
        for login, role in logins.items():
            conn.execute(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN"
                f" CREATE ROLE {login} LOGIN; END IF; END $$".replace("%s", f"'{login}'")
            )
            if role:
                conn.execute(f"GRANT {role} TO {login}")
    base = dsn.replace("postgres@", "{}@", 1)
    return {login: base.format(login) for login in logins}


def test_roles_decide_who_may_do_what_in_the_database(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    dsn = _roles(postgres_server, postgres_dsn)
    expected = {
        "coord": {"meetings"},
        "member": {"cases", "decisions"},
        "chair": {"minutes"},
    }
    for login, rights in expected.items():
        with CaseLibrary.open(dsn[login]) as lib:
            assert lib.rights() == rights, login
    with CaseLibrary.open(postgres_dsn) as owner:
        assert owner.rights() == {"meetings", "cases", "decisions", "minutes"}
    with CaseLibrary.open(dsn["member"]) as member:
        case_id = member.add_case(case("Brought by a member"))
        with pytest.raises(LibraryError, match="'member' is not allowed") as refused:
            member.create_meeting("Not mine to create", dt.date(2026, 12, 1))
        assert "pathways_coordinator" in str(refused.value)
    with CaseLibrary.open(dsn["coord"]) as coord:
        meeting = coord.create_meeting("Board", dt.date(2026, 12, 1))
        coord.add_to_agenda(meeting, case_id)
        with pytest.raises(LibraryError, match="not allowed"):
            decide(coord, meeting, case_id)
    with CaseLibrary.open(dsn["member"]) as member:
        first = decide(member, meeting, case_id)
        with pytest.raises(LibraryError, match="not allowed"):
            member.sign_off(meeting, "me")
        with pytest.raises(LibraryError, match="not allowed"):
            member.move_in_agenda(meeting, case_id, 0)
    with CaseLibrary.open(dsn["chair"]) as chair:
        chair.sign_off(meeting, "typed")
        assert chair.minutes_history(meeting)[0].by == "chair"
        assert chair.decisions(case_id)[0].recorded_by == "member"
    # Append-only by privilege too: a member's own client cannot rewrite history.
    for sql in ("UPDATE decisions SET note = 'x'", "DELETE FROM decisions", "TRUNCATE decisions"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw(dsn["member"], sql)
    # Not even the tables' owner can empty the record in one statement (no row trigger fires).
    for table in ("decisions", "meeting_signoffs", "agenda", "attendees", "meetings"):
        with pytest.raises(REFUSALS, match="never emptied"):
            raw(postgres_dsn, f"TRUNCATE {table} CASCADE")
    with CaseLibrary.open(postgres_dsn) as owner:
        assert [d.id for d in owner.decisions(case_id)] == [first]


def test_a_login_without_a_role_is_refused_clearly(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    dsn = _roles(postgres_server, postgres_dsn)
    with pytest.raises(LibraryError, match="'nobody_in_particular' is not allowed") as info:
        CaseLibrary.open(dsn["nobody_in_particular"]).close()
    assert "pathways_member" in str(info.value)


# -- several workstations --------------------------------------------------------------------------


def test_concurrent_edits_of_one_agenda_keep_it_whole(postgres_dsn: str) -> None:
    with CaseLibrary.open(postgres_dsn) as setup:
        meeting = setup.create_meeting("Board", dt.date(2026, 12, 1))
    added: list[int] = []
    failures: list[BaseException] = []
    retried: list[int] = []

    def station(n: int) -> None:
        with CaseLibrary.open(postgres_dsn) as lib:
            try:
                for i in range(8):
                    case_id = lib.add_case(case(f"Station {n} case {i}"))
                    lib.add_to_agenda(meeting, case_id, 0)
                    added.append(case_id)
                    lib.move_in_agenda(meeting, case_id, len(lib.agenda(meeting)) - 1)
            except BaseException as exc:
                failures.append(exc)
            retried.append(lib.conflicts_retried)

    threads = [threading.Thread(target=station, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    with CaseLibrary.open(postgres_dsn) as lib:
        agenda = [c.id for c in lib.agenda(meeting)]
    assert sorted(agenda) == sorted(added) and len(added) == 48
    positions = raw(
        postgres_dsn, "SELECT position FROM agenda WHERE meeting_id = ? ORDER BY 1", (meeting,)
    )
    assert [p for (p,) in positions] == list(range(48))
    assert len(retried) == 6  # every station finished


def test_two_first_decisions_at_once_leave_one_chain(postgres_dsn: str) -> None:
    with CaseLibrary.open(postgres_dsn) as setup:
        meeting = setup.create_meeting("Board", dt.date(2026, 12, 1))
        case_id = setup.add_case(case("A"))
        setup.add_to_agenda(meeting, case_id)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def station() -> None:
        with CaseLibrary.open(postgres_dsn) as lib:
            barrier.wait()
            try:
                results.append(decide(lib, meeting, case_id))
            except LibraryError as exc:
                results.append(exc)

    threads = [threading.Thread(target=station) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ids = [r for r in results if isinstance(r, int)]
    refusals = [str(r) for r in results if isinstance(r, LibraryError)]
    assert len(ids) == 1 and len(refusals) == 3
    assert all("already has decision" in r for r in refusals)


def test_changes_of_other_workstations_are_notified(
    library: CaseLibrary, postgres_dsn: str
) -> None:
    feed = library.changes()
    try:
        assert feed.fileno() is not None and feed.poll() == frozenset()
        library.add_case(case("Mine"))  # this workstation's own edits are refreshed already
        with CaseLibrary.open(postgres_dsn) as other:
            meeting = other.create_meeting("Board", dt.date(2026, 12, 1))
            other.add_to_agenda(meeting, other.add_case(case("Theirs")))
        deadline = time.monotonic() + 2
        seen: set[str] = set()
        while time.monotonic() < deadline and seen != {"cases", "meetings", "agenda"}:
            seen |= feed.poll()
            time.sleep(0.02)
        assert seen == {"cases", "meetings", "agenda"}
    finally:
        feed.close()


# -- the server going away -----------------------------------------------------------------------


def test_a_terminated_connection_is_replaced_without_a_word(
    postgres_server: PostgresServer, library: CaseLibrary, postgres_dsn: str
) -> None:
    case_id = library.add_case(case("Before"))
    assert postgres_server.terminate_backends(database_of(postgres_dsn)) >= 1
    assert [c.id for c in library.list_cases()] == [case_id]
    library.add_case(case("After"))
    assert len(library.list_cases()) == 2


def test_server_stopped_during_writes_refuses_clearly_and_loses_nothing(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    with CaseLibrary.open(postgres_dsn) as setup:
        meeting = setup.create_meeting("Board", dt.date(2026, 12, 1))
    saved: list[int] = []
    refusals: list[str] = []
    stop = threading.Event()

    def station() -> None:
        with CaseLibrary.open(postgres_dsn) as lib:
            while not stop.is_set():
                try:
                    case_id = lib.add_case(case(f"Case {len(saved)}"))
                    saved.append(case_id)
                    lib.add_to_agenda(meeting, case_id)
                except LibraryUnavailable as exc:
                    refusals.append(str(exc))
                    time.sleep(0.05)

    worker = threading.Thread(target=station)
    worker.start()
    try:
        time.sleep(0.5)
        postgres_server.stop("immediate")
        time.sleep(0.5)
        assert refusals, "writes after the server went away must be refused"
        assert all("cannot be reached" in r or "may or may not" in r for r in refusals)
        postgres_server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join(30)
    with CaseLibrary.open(postgres_dsn) as lib:
        stored = {c.id for c in lib.list_cases()}
        agenda = [c.id for c in lib.agenda(meeting)]
    assert set(saved) <= stored  # every add reported as saved is there
    assert len(stored) - len(saved) <= 1  # at most the one whose commit outcome was unknown
    positions = raw(postgres_dsn, "SELECT position FROM agenda WHERE meeting_id = ?", (meeting,))
    assert sorted(p for (p,) in positions) == list(range(len(agenda)))
    assert len(saved) > 5 and len(agenda) >= len(saved) - 1


def test_an_overlong_address_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(LibraryError, match="over 2,000 characters"):
        CaseLibrary.open("postgresql://a@h/" + "d" * 1_000_000)
