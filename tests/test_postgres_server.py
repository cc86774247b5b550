"""The PostgreSQL test server (tests/postgres_server.py) and its fixtures, against a real server."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.postgres_server import PostgresServer, PostgresServerError


def _dbname(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


def test_a_fresh_database_accepts_connections(postgres_dsn: str) -> None:
    parts = urlsplit(postgres_dsn)
    assert parts.scheme == "postgresql"
    assert parts.hostname == "127.0.0.1"
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SELECT current_database(), current_user").fetchone() == (
            _dbname(postgres_dsn),
            "postgres",
        )
        # Empty: no table of anyone's but the system's.
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog',"
            " 'information_schema')"
        ).fetchone()
        assert tables == (0,)
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
        assert conn.execute("SHOW lc_collate").fetchone() == ("C",)


def test_each_test_gets_its_own_database(postgres_server: PostgresServer) -> None:
    first = postgres_server.create_database("pathways_first")
    second = postgres_server.create_database("pathways_second")
    try:
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE only_here (n int)")
        with psycopg.connect(second) as conn:
            assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)
    finally:
        postgres_server.drop_database("pathways_first")
        postgres_server.drop_database("pathways_second")
    names = postgres_server.execute("SELECT datname FROM pg_database")
    assert ("pathways_first",) not in names
    assert ("pathways_second",) not in names


def test_the_server_listens_on_loopback_only(postgres_server: PostgresServer) -> None:
    assert postgres_server.execute("SHOW listen_addresses") == [("127.0.0.1",)]
    assert postgres_server.execute("SELECT host(inet_server_addr())") == [("127.0.0.1",)]
    # Its unix socket sits inside its own folder, not in /var/run/postgresql.
    [(socket_dirs,)] = postgres_server.execute("SHOW unix_socket_directories")
    assert socket_dirs == str(postgres_server.socket_dir)


def test_the_server_does_not_run_as_root(postgres_server: PostgresServer) -> None:
    pid_file = postgres_server.data_dir / "postmaster.pid"
    # The postmaster writes its pid file as the user it runs as (nobody when the tests are root).
    assert pid_file.stat().st_uid != 0


def test_stop_refuses_connections_and_start_serves_again(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (1), (2)")
    before = psycopg.connect(postgres_dsn)
    try:
        postgres_server.stop()
        assert not postgres_server.is_running()
        with pytest.raises(psycopg.OperationalError):
            before.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(postgres_dsn, connect_timeout=5)
    finally:
        before.close()
        postgres_server.start()
    assert postgres_server.is_running()
    # Same port, so the DSN handed out before still works, and the data is there.
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT sum(n) FROM kept").fetchone() == (3,)


def test_a_commit_survives_an_immediate_stop(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    try:
        # As a crash would: no checkpoint; the next start replays the log.
        postgres_server.stop("immediate")
        assert not postgres_server.is_running()
    finally:
        postgres_server.start()
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]


def test_restart_keeps_the_port(postgres_server: PostgresServer, postgres_dsn: str) -> None:
    port = postgres_server.port
    postgres_server.restart()
    assert postgres_server.port == port
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_terminate_backends_ends_an_open_connection(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    with psycopg.connect(postgres_dsn) as victim:
        victim.execute("SELECT 1")
        assert postgres_server.terminate_backends(_dbname(postgres_dsn)) == 1
        with pytest.raises(psycopg.OperationalError):
            victim.execute("SELECT 1")
    # Only that connection: the database and the server go on.
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_drop_database_ends_its_connections(postgres_server: PostgresServer) -> None:
    dsn = postgres_server.create_database("pathways_dropped")
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT 1")
        postgres_server.drop_database("pathways_dropped")
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    assert postgres_server.execute(
        "SELECT count(*) FROM pg_database WHERE datname = %s", ["pathways_dropped"]
    ) == [(0,)]


def test_cleanup_stops_the_server_and_removes_its_folder(
    postgres_server: PostgresServer,
) -> None:
    # Its own server, not the session's (the fixture only guarantees binaries are here).
    server = PostgresServer()
    try:
        server.start()
        dsn = server.dsn()
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert server.port != postgres_server.port
    finally:
        server.cleanup()
    assert not server.root.exists()
    assert not server.is_running()
    # The postmaster is gone, not merely unable to serve a folder that no longer exists.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn, connect_timeout=5)
    server.cleanup()  # twice is harmless (the session's finaliser and atexit both call it)
    with pytest.raises(PostgresServerError, match="cleaned up"):
        server.start()


def test_a_missing_binary_folder_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATHWAYS_PG_BIN", str(tmp_path))
    reason = PostgresServer.available()
    assert reason is not None
    assert f"PATHWAYS_PG_BIN={tmp_path}" in reason
    assert "initdb" in reason
    with pytest.raises(PostgresServerError, match="PATHWAYS_PG_BIN"):
        PostgresServer()
