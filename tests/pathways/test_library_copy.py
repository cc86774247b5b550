"""``python -m pathways library copy SRC DST``: a whole library moved between SQLite and PostgreSQL.

The PostgreSQL tests use the real test server (``postgres_dsn``) and are skipped, with the reason,
where there is none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from pathways.library import Attendee, CaseLibrary, DecisionSnapshot, LibraryError
from pathways.library_cli import main
from pathways.library_copy import TABLES, copy_library, table_digests
from pathways.library_sqlite import create_database
from tests.postgres_server import PostgresServer

V2_TIME = "2025-03-04T09:30:00.000+00:00"
OLD_NOTE = 'Discussed at length; "quoted" words,\nand a second line'


def snapshot(label: str) -> DecisionSnapshot:
    return DecisionSnapshot(
        case_json=json.dumps({"label": label}),
        recommendation={"options": [{"regimen": "tdxd", "tier": "preferred"}]},
        content_version="1.0.0",
        content_digest="ab" * 32,
        app_version="copy-test",
    )


def decide(
    library: CaseLibrary,
    meeting: int,
    case: int,
    regimen: str,
    by: str,
    supersedes: int | None = None,
) -> int:
    return library.record_decision(
        meeting,
        case,
        chosen_regimen=regimen,
        on_pathway=regimen != "lapatinib-capecitabine",
        off_pathway_reason=None if regimen != "lapatinib-capecitabine" else "drug-unavailable",
        off_pathway_detail="",
        alternatives=["tdm1"],
        note="after the amendment" if supersedes else "",
        dissent="",
        recorded_by=by,
        snapshot=snapshot(f"case {case}"),
        supersedes=supersedes,
    )


def build_source(path: Path) -> None:
    """A library begun at schema 2 (decisions without snapshots), then used at schema 3.

    Meeting 1: two v2 decisions on case 1 (a correction chain), attendees, a correction with a
    snapshot, signed off, amended, corrected again and signed off again. Meeting 2: a v2 decision,
    attendees. Meeting 3: new, decided and signed off once.
    """
    create_database(path, 2)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executemany(
            "INSERT INTO cases (id, label, case_json, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (i, label, json.dumps({"label": label, "n": i}), V2_TIME, V2_TIME)
                for i, label in ((1, "Ms Émilie"), (2, "Case ☂ two"), (3, "third"))
            ],
        )
        conn.executemany(
            "INSERT INTO meetings (id, title, meeting_date) VALUES (?, ?, ?)",
            [(1, "Breast board", "2025-03-04"), (2, "Second board", "2025-03-11")],
        )
        conn.executemany(
            "INSERT INTO agenda (meeting_id, case_id, position) VALUES (?, ?, ?)",
            [(1, 1, 0), (1, 2, 1), (2, 3, 0)],
        )
        conn.executemany(
            "INSERT INTO decisions (id, meeting_id, case_id, chosen_regimen, on_pathway,"
            " off_pathway_reason, off_pathway_detail, alternatives, note, recorded_by,"
            " recorded_at, supersedes, dissent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (1, 1, 1, "tdm1", 1, None, "", '["tdxd"]', OLD_NOTE, "Dr Old", V2_TIME, None, ""),
                (2, 1, 1, "tdxd", 1, None, "", "[]", "", "Dr Older", V2_TIME, 1, "one dissent"),
                (3, 2, 3, "other", 0, "other", "in a trial", "[]", "", "Dr Old", V2_TIME, None, ""),
            ],
        )
    with CaseLibrary.open(path) as library:  # migrates to the current schema
        library.set_attendees(1, [Attendee("Dr Chair", "chair"), Attendee("Dr Member", "")])
        library.set_attendees(2, [Attendee("Dr Two", "oncologist")])
        third = decide(library, 1, 1, "tucatinib-trastuzumab-capecitabine", "Dr New", 2)
        decide(library, 1, 2, "tdxd", "Dr New")
        library.sign_off(1, "Dr Chair")
        library.amend_meeting(1, "Dr Chair", "a regimen was mistyped")
        decide(library, 1, 1, "lapatinib-capecitabine", "Dr Amender", third)
        library.set_attendees(1, [Attendee("Dr Chair", "chair")])
        library.sign_off(1, "Dr Vice-chair")
        case = library.add_case(json.dumps({"label": "added at v3"}))
        meeting = library.create_meeting("Third board", dt.date(2025, 4, 1))
        library.add_to_agenda(meeting, case)
        decide(library, meeting, case, "tdxd", "Dr Third")
        library.sign_off(meeting, "Dr Chair")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def copied(capsys: pytest.CaptureFixture[str], src: str, dst: str) -> list[str]:
    code, out, err = run(capsys, "copy", src, dst)
    assert (code, err) == (0, ""), err
    lines = out.splitlines()
    assert lines[-1] == "copied and verified"
    return lines


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def listing(capsys: pytest.CaptureFixture[str], db: str) -> str:
    code, out, err = run(capsys, "--db", db, "list", "--json")
    assert (code, err) == (0, "")
    return out


def sqlite_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, read with sqlite3 itself (not through the copy's code)."""
    with closing(sqlite3.connect(path)) as conn:
        return {
            t.name: conn.execute(f"SELECT * FROM {t.name} ORDER BY {', '.join(t.key)}").fetchall()
            for t in TABLES
        }


def sqlite_schema(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    build_source(path)
    return path


@pytest.fixture
def second_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """Another empty database on the test server (for PostgreSQL → PostgreSQL)."""
    name = f"copy_{secrets.token_hex(4)}"
    dsn = postgres_server.create_database(name)
    try:
        yield dsn
    finally:
        postgres_server.drop_database(name)


def pg_rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]  # tests' own constants


def as_login(dsn: str, user: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}"))


# -- the round trip --------------------------------------------------------------------------------


def test_sqlite_to_postgresql_and_back_keeps_everything(
    source: Path, tmp_path: Path, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = file_digest(source)
    to_pg = copied(capsys, str(source), postgres_dsn)
    assert file_digest(source) == before  # SRC was only read
    back = tmp_path / "back.sqlite3"
    from_pg = copied(capsys, postgres_dsn, str(back))

    # The printed figures: one line per table, the same both ways, the real row counts.
    assert to_pg == from_pg and len(to_pg) == len(TABLES) + 1
    rows = sqlite_rows(source)
    for line, table in zip(to_pg, TABLES, strict=False):
        assert line.startswith(f"{table.name}: {len(rows[table.name])} rows, sha256 ")
    assert [len(rows[t.name]) for t in TABLES] == [4, 3, 4, 2, 7, 4]

    # Both SQLite files hold the very same rows and schema, read by sqlite3 itself.
    assert sqlite_rows(back) == rows
    assert sqlite_schema(back) == sqlite_schema(source)
    assert listing(capsys, str(back)) == listing(capsys, str(source))
    with (
        CaseLibrary.open(source, read_only=True) as a,
        CaseLibrary.open(back, read_only=True) as b,
        CaseLibrary.open(postgres_dsn, read_only=True) as pg,
    ):
        assert table_digests(a) == table_digests(b) == table_digests(pg)
        # The library reads the same history from all three: versions, snapshots, minutes.
        for other in (b, pg):
            assert other.all_decisions() == a.all_decisions()
            assert [d.snapshot for d in other.all_decisions()] == [
                d.snapshot for d in a.all_decisions()
            ]
            for m in a.list_meetings():
                assert other.minutes_history(m.id) == a.minutes_history(m.id)
                assert other.attendees(m.id) == a.attendees(m.id)
                assert other.get_meeting(m.id) == m
        assert [d.snapshot is None for d in pg.all_decisions()] == [True] * 3 + [False] * 4

    # Who recorded and who signed are the names written at the time, not the copier's login.
    recorded = pg_rows(postgres_dsn, "SELECT recorded_by FROM decisions ORDER BY id")
    with closing(sqlite3.connect(source)) as conn:
        names = conn.execute("SELECT recorded_by FROM decisions ORDER BY id").fetchall()
    assert recorded == names and {"Dr Old", "Dr Older", "Dr Amender"} <= {n[0] for n in names}
    assert "postgres" not in {r[0] for r in recorded}
    signed = pg_rows(postgres_dsn, "SELECT by_name FROM meeting_signoffs ORDER BY id")
    assert [s[0] for s in signed] == ["Dr Chair", "Dr Chair", "Dr Vice-chair", "Dr Chair"]


def test_postgresql_rules_hold_again_after_the_copy(
    source: Path, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    copied(capsys, str(source), postgres_dsn)
    triggers = pg_rows(
        postgres_dsn,
        "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgname IN ('decisions_need_snapshot', 'decisions_login', 'signoffs_login')"
        " ORDER BY tgname",
    )
    assert triggers == [
        ("decisions_login", "O"),
        ("decisions_need_snapshot", "O"),
        ("signoffs_login", "O"),
    ]
    with CaseLibrary.open(postgres_dsn) as library:
        # New rows get ids after the copied ones (before the refused inserts below, which use
        # up identity values), and the login as who recorded them.
        case = library.add_case(json.dumps({"label": "after the copy"}))
        meeting = library.create_meeting("Fourth board", dt.date(2025, 5, 1))
        library.add_to_agenda(meeting, case)
        decision = decide(library, meeting, case, "tdxd", "Someone Else")
        signoff = library.sign_off(meeting, "Someone Else")
        assert (case, meeting, decision, signoff) == (5, 4, 8, 5)
        assert library.all_decisions()[-1].recorded_by == "postgres"
        assert library.minutes_history(meeting)[-1].by == "postgres"
        # A signed-off meeting stays frozen.
        with pytest.raises(LibraryError, match="signed off"):
            decide(library, 3, 4, "tdm1", "x", supersedes=7)
    with psycopg.connect(postgres_dsn) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE decisions SET note = 'changed' WHERE id = 1")
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="snapshot"):
            conn.execute(
                "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
                " off_pathway_detail, alternatives, note, recorded_by, recorded_at)"
                " VALUES (2, 1, 'tdxd', 1, '', '[]', '', 'x', 'now')"
            )


def test_sqlite_rules_hold_again_after_the_copy(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.sqlite3"
    copied(capsys, str(source), str(target))
    assert sqlite_rows(target) == sqlite_rows(source)
    assert sqlite_schema(target) == sqlite_schema(source)  # the trigger is back, as it was
    with closing(sqlite3.connect(target)) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE decisions SET note = 'changed' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="snapshot"):
            conn.execute(
                "INSERT INTO decisions (meeting_id, case_id, chosen_regimen, on_pathway,"
                " off_pathway_detail, alternatives, note, recorded_by, recorded_at)"
                " VALUES (2, 1, 'tdxd', 1, '', '[]', '', 'x', 'now')"
            )
    with CaseLibrary.open(target) as library:
        case = library.add_case(json.dumps({"label": "after the copy"}))
        meeting = library.create_meeting("Fourth board", dt.date(2025, 5, 1))
        library.add_to_agenda(meeting, case)
        assert (case, meeting, decide(library, meeting, case, "tdxd", "Dr Z")) == (5, 4, 8)
        assert library.sign_off(meeting, "Dr Z") == 5


def test_postgresql_to_postgresql(
    source: Path, postgres_dsn: str, second_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    copied(capsys, str(source), postgres_dsn)
    copied(capsys, postgres_dsn, second_dsn)
    query = "SELECT id, recorded_by, case_snapshot FROM decisions ORDER BY id"
    assert pg_rows(second_dsn, query) == pg_rows(postgres_dsn, query)
    with (
        CaseLibrary.open(postgres_dsn, read_only=True) as a,
        CaseLibrary.open(second_dsn, read_only=True) as b,
    ):
        assert table_digests(a) == table_digests(b)


def test_an_empty_library_copies_to_an_empty_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with CaseLibrary.open(tmp_path / "empty.sqlite3"):
        pass
    lines = copied(capsys, str(tmp_path / "empty.sqlite3"), str(tmp_path / "new.sqlite3"))
    assert lines[0] == f"cases: 0 rows, sha256 {hashlib.sha256().hexdigest()}"


def test_large_libraries_are_copied_page_by_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "big.sqlite3"
    with CaseLibrary.open(source) as library:
        meeting = library.create_meeting("Big board", dt.date(2025, 1, 1))
        for n in range(1203):  # more than two pages of cases and of agenda rows
            case = library.add_case(json.dumps({"label": f"case {n}"}))
            library.add_to_agenda(meeting, case)
    target = tmp_path / "big-copy.sqlite3"
    lines = copied(capsys, str(source), str(target))
    assert lines[0].startswith("cases: 1203 rows") and lines[2].startswith("agenda: 1203 rows")
    assert sqlite_rows(target) == sqlite_rows(source)


# -- refusals --------------------------------------------------------------------------------------


def test_a_library_that_is_not_empty_is_refused_unchanged(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "used.sqlite3"
    with CaseLibrary.open(target) as library:
        library.create_meeting("Already here", dt.date(2025, 1, 1))
    before = sqlite_rows(target), sqlite_schema(target)
    err = refused(capsys, "copy", str(source), str(target))
    assert "not empty" in err and "meetings" in err
    assert (sqlite_rows(target), sqlite_schema(target)) == before


def test_a_postgresql_library_that_is_not_empty_is_refused_unchanged(
    source: Path, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with CaseLibrary.open(postgres_dsn) as library:
        library.add_case(json.dumps({"label": "already here"}))
    err = refused(capsys, "copy", str(source), postgres_dsn)
    assert "not empty" in err and "cases" in err
    assert pg_rows(postgres_dsn, "SELECT id FROM cases") == [(1,)]
    assert pg_rows(postgres_dsn, "SELECT count(*) FROM decisions") == [(0,)]


def test_a_login_that_does_not_own_the_tables_is_refused(
    source: Path,
    postgres_dsn: str,
    postgres_server: PostgresServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with CaseLibrary.open(postgres_dsn):
        pass  # created by the owner
    role = f"copier_{secrets.token_hex(3)}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {}").format(
                sql.Identifier(role)
            )
        )
    try:
        err = refused(capsys, "copy", str(source), as_login(postgres_dsn, role))
        assert "owner" in err and repr(role) in err and "decisions" in err
        assert "nothing was changed" in err
        assert pg_rows(postgres_dsn, "SELECT count(*) FROM cases") == [(0,)]
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        postgres_server.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize(
    ("damage", "column"),
    [
        ("UPDATE cases SET label = X'4A6F686E20446F65' WHERE id = 2", "label"),  # a blob
        ("UPDATE cases SET label = CAST(X'4A6F686E20FF446F65' AS TEXT) WHERE id = 2", None),
        ("UPDATE agenda SET position = 'John Doe' WHERE case_id = 3", "position"),
    ],
)
def test_a_damaged_value_is_refused_in_one_line_without_quoting_it(
    source: Path,
    tmp_path: Path,
    damage: str,
    column: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with closing(sqlite3.connect(source, isolation_level=None)) as conn:
        conn.execute(damage)
    target = tmp_path / "never.sqlite3"
    err = refused(capsys, "copy", str(source), str(target))
    assert "damaged" in err or "text that is not readable (table cases)" in err
    assert "John" not in err and "Doe" not in err
    if column is not None:
        assert f"column {column}" in err
    assert not target.exists()  # refused before DST was even created


def test_a_text_postgresql_cannot_hold_is_refused_before_anything_is_written(
    source: Path, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(source, isolation_level=None)) as conn:
        conn.execute("UPDATE cases SET label = 'a' || char(0) || 'b' WHERE id = 3")
    err = refused(capsys, "copy", str(source), postgres_dsn)
    assert "cases, id 3: column label holds a NUL character" in err
    assert pg_rows(postgres_dsn, "SELECT to_regclass('cases') IS NULL") == [(True,)]


def test_what_is_not_a_library_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("John Doe, born 1970\n", encoding="utf-8")
    err = refused(capsys, "copy", str(text), str(tmp_path / "dst.sqlite3"))
    assert "not a case library" in err and "John" not in err
    err = refused(capsys, "copy", str(tmp_path / "missing.sqlite3"), str(tmp_path / "d.sqlite3"))
    assert "no case library there" in err
    assert not (tmp_path / "dst.sqlite3").exists() and not (tmp_path / "d.sqlite3").exists()


def test_the_same_file_is_refused(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sqlite_rows(source)
    assert "same library" in refused(capsys, "copy", str(source), str(source))
    assert sqlite_rows(source) == before


def test_a_difference_after_the_copy_names_the_table_and_leaves_dst_as_written(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A target that changes what is written into it (a trigger someone added): the rows
    # arrive, and only the check after the commit can tell.
    target = tmp_path / "altering.sqlite3"
    with CaseLibrary.open(target):
        pass
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        conn.execute(
            "CREATE TRIGGER meddle AFTER INSERT ON meetings"
            " BEGIN UPDATE meetings SET title = upper(NEW.title) WHERE id = NEW.id; END"
        )
    err = refused(capsys, "copy", str(source), str(target))
    assert "table meetings differs" in err and "left as written" in err
    assert len(sqlite_rows(target)["decisions"]) == 7


def test_the_copy_is_all_or_nothing(source: Path, tmp_path: Path) -> None:
    # A target whose own rule refuses the last decision: nothing at all is kept.
    target = tmp_path / "refusing.sqlite3"
    with CaseLibrary.open(target):
        pass
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_last BEFORE INSERT ON decisions WHEN NEW.id = 7"
            " BEGIN SELECT RAISE(ABORT, 'refused by a local rule'); END"
        )
    with pytest.raises(LibraryError, match=r"refused by a local rule.*nothing was copied"):
        copy_library(source, target)
    assert all(rows == [] for rows in sqlite_rows(target).values())
    with closing(sqlite3.connect(target)) as conn:  # the snapshot rule is there again
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'decisions_need_snapshot'"
        ).fetchone() == (1,)


def test_command_line_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert "SRC" in refused(capsys, "copy")
    assert "DST" in refused(capsys, "copy", "only-one.sqlite3")


def test_the_copy_knows_every_column_of_the_schema(tmp_path: Path) -> None:
    # A column added to the schema but not to the copy would be left behind: this fails first.
    path = tmp_path / "fresh.sqlite3"
    with CaseLibrary.open(path):
        pass
    with closing(sqlite3.connect(path)) as conn:
        for table in TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")]
            assert sorted(columns) == sorted(table.columns), table.name
            types = {r[1]: r[2] for r in conn.execute(f"PRAGMA table_info({table.name})")}
            assert {c for c, t in types.items() if t == "INTEGER"} == table.ints, table.name


def test_a_damaged_date_on_postgresql_is_refused(
    source: Path, postgres_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copied(capsys, str(source), postgres_dsn)
    with psycopg.connect(postgres_dsn) as conn:
        conn.execute("UPDATE cases SET updated_at = 'John Doe 1970' WHERE id = 2")
    target = tmp_path / "never.sqlite3"
    err = refused(capsys, "copy", postgres_dsn, str(target))
    assert "damaged value" in err and "John" not in err
    assert not target.exists()


def test_a_library_of_an_older_schema_is_upgraded_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.sqlite3"
    create_database(old, 2)
    before = file_digest(old)
    err = refused(capsys, "copy", str(old), str(tmp_path / "new.sqlite3"))
    assert "older version" in err and "upgraded" in err
    assert file_digest(old) == before  # SRC is only read, never migrated by a copy
