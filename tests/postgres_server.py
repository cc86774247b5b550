"""A real, throw-away PostgreSQL server for tests: ``initdb`` into a temporary folder, ``pg_ctl``.

The server listens only on 127.0.0.1 (a free port) and on a unix socket inside its folder; the
superuser ``postgres`` logs in with ``trust`` (a test server holding nothing, reachable only from
this machine, for the length of the run). ``initdb``, ``pg_ctl`` and ``postgres`` refuse to run as
root, so under root (CI) every server command runs as ``nobody`` through ``setpriv``, in a folder
``nobody`` owns.

The binaries are found on the PATH, else in ``/usr/lib/postgresql/*/bin`` (Debian's layout,
newest version first); ``PATHWAYS_PG_BIN`` names the folder instead. ``PostgresServer.available()``
says why a server cannot be had here (the fixtures skip with that reason).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import LiteralString
from urllib.parse import quote

import psycopg
from psycopg import sql

BINARIES = ("initdb", "pg_ctl", "postgres")
DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
# pg_terminate_backend(pid, timeout) waits for the backend to be gone: PostgreSQL 14 and later.
MINIMUM_MAJOR = 14
UNPRIVILEGED_USER = "nobody"
UNPRIVILEGED_GROUPS = ("nogroup", "nobody")
# Every wait on the server is bounded: pg_ctl -w -t, and subprocess timeouts a little longer.
PG_CTL_WAIT_S = 30
COMMAND_TIMEOUT_S = PG_CTL_WAIT_S + 15
SUPERUSER = "postgres"


class PostgresServerError(RuntimeError):
    """The test server could not be set up, started or stopped (the message says which step)."""


def _has_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in BINARIES)


def _debian_version(folder: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,); a name that is not a number sorts last.
    try:
        return tuple(int(part) for part in folder.parent.name.split("."))
    except ValueError:
        return ()


def find_bin_dir() -> tuple[Path | None, str]:
    """The folder holding initdb, pg_ctl and postgres, or None and why none was found."""
    override = os.environ.get("PATHWAYS_PG_BIN")
    if override:
        folder = Path(override)
        if _has_binaries(folder):
            return folder, ""
        return None, f"PATHWAYS_PG_BIN={override} lacks one of {', '.join(BINARIES)}"
    on_path = shutil.which("initdb")
    if on_path is not None:
        # A symlink on the PATH (/usr/local/bin/initdb) leads to the real folder with pg_ctl
        # and postgres beside it.
        folder = Path(on_path).resolve().parent
        if _has_binaries(folder):
            return folder, ""
    candidates = sorted(
        (Path(found) for found in glob.glob(DEBIAN_GLOB)), key=_debian_version, reverse=True
    )
    for folder in candidates:
        if _has_binaries(folder):
            return folder, ""
    return None, (
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on the PATH or in "
        f"{DEBIAN_GLOB} (Debian: apt-get install postgresql; or set PATHWAYS_PG_BIN)"
    )


def _unprivileged_ids() -> tuple[int, int] | None:
    # Here, not at the top: POSIX-only modules, and the module must import everywhere so that
    # available() can give its reason.
    import grp
    import pwd

    try:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return None
    for name in UNPRIVILEGED_GROUPS:
        try:
            return user.pw_uid, grp.getgrnam(name).gr_gid
        except KeyError:
            continue
    return user.pw_uid, user.pw_gid


def _free_port() -> int:
    # The kernel's pick of a free port; another process could take it before the server binds,
    # which start() notices and answers with another port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL server in its own temporary folder; ``cleanup()`` leaves nothing behind."""

    @classmethod
    def available(cls) -> str | None:
        """None when a server can be started here, else the reason it cannot."""
        if not hasattr(os, "geteuid"):
            return "the PostgreSQL test server needs a POSIX system"
        folder, reason = find_bin_dir()
        if folder is None:
            return reason
        try:
            done = subprocess.run(
                [str(folder / "postgres"), "--version"],
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{folder / 'postgres'} --version failed: {error}"
        match = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
        if done.returncode != 0 or match is None:
            return f"{folder / 'postgres'} --version failed: {done.stderr.strip()[:200]}"
        if int(match.group(1)) < MINIMUM_MAJOR:
            return f"PostgreSQL {match.group(1)} in {folder}; the tests need {MINIMUM_MAJOR}+"
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                return (
                    "running as root, and setpriv (util-linux) is missing to run initdb and "
                    "postgres as an unprivileged user (they refuse root)"
                )
            if _unprivileged_ids() is None:
                return (
                    f"running as root, and there is no '{UNPRIVILEGED_USER}' user to run "
                    "initdb and postgres as (they refuse root)"
                )
        return None

    def __init__(self) -> None:
        reason = self.available()
        if reason is not None:
            raise PostgresServerError(reason)
        folder, _ = find_bin_dir()
        assert folder is not None  # available() just found it
        self.bin_dir = folder
        self._ids = _unprivileged_ids() if os.geteuid() == 0 else None
        # /tmp, not $TMPDIR: the socket's path must stay under the kernel's ~100-byte limit.
        base = "/tmp" if Path("/tmp").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="pathways-pg-", dir=base))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_file = self.root / "server.log"
        self.port = _free_port()
        self._extra_settings: list[str] = []
        self._initialised = False
        self._cleaned = False
        atexit.register(self.cleanup)
        try:
            self.socket_dir.mkdir()
            if self._ids is not None:
                # mkdtemp makes the folder 0700 for root: nobody must own it and reach into it.
                # /tmp itself keeps its own permissions.
                for path in (self.root, self.socket_dir):
                    os.chown(path, *self._ids)
                self.root.chmod(0o755)
        except BaseException:
            self.cleanup()
            raise

    # -- running the server's commands ----------------------------------------------------------

    def _run(self, args: Sequence[str], step: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._ids is not None:
            uid, gid = self._ids
            command = [
                "setpriv",
                f"--reuid={uid}",
                f"--regid={gid}",
                "--clear-groups",
                "--",
                *command,
            ]
        # No PG* variables from the caller's environment (PGDATA, PGPORT…) reach the commands.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env["HOME"] = str(self.root)
        env["LC_ALL"] = "C"
        try:
            return subprocess.run(
                command,
                cwd=self.root,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as error:
            raise PostgresServerError(
                f"{step}: {args[0]} did not finish in {COMMAND_TIMEOUT_S} s{self._log_tail()}"
            ) from error
        except OSError as error:
            raise PostgresServerError(f"{step}: cannot run {command[0]}: {error}") from error

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\nserver log ({self.log_file}):\n{tail}" if tail else ""

    def _fail(self, step: str, done: subprocess.CompletedProcess[str]) -> PostgresServerError:
        output = (done.stdout + done.stderr).strip()
        return PostgresServerError(
            f"{step} failed (exit {done.returncode}): {output[-2000:]}{self._log_tail()}"
        )

    def _initdb(self) -> None:
        done = self._run(
            [
                "initdb",
                f"--pgdata={self.data_dir}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                # No fsync of the new files: the folder is thrown away after the run.
                "--no-sync",
            ],
            "initdb",
        )
        if done.returncode != 0:
            raise self._fail("initdb", done)
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\ninclude '{self.root / 'test-server.conf'}'\n")
        self._initialised = True

    def install_file(self, name: str, data: bytes, mode: int = 0o600) -> Path:
        """A file in the server's folder that the server may read (a certificate, a key)."""
        path = self.root / name
        path.write_bytes(data)
        path.chmod(mode)
        if self._ids is not None:
            os.chown(path, *self._ids)
        return path

    def configure(self, *settings: str) -> None:
        """Server settings (``name = value``) added from the next start on."""
        self._extra_settings.extend(settings)

    def prepend_hba(self, *lines: str) -> None:
        """Client authentication rules put first (the first that matches decides); reloaded."""
        if not self._initialised:
            self._initdb()
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text("\n".join(lines) + "\n" + hba.read_text(encoding="utf-8"), "utf-8")
        if self.is_running():
            done = self._run(["pg_ctl", "reload", f"--pgdata={self.data_dir}"], "pg_ctl reload")
            if done.returncode != 0:
                raise self._fail("pg_ctl reload", done)

    def _write_settings(self) -> None:
        settings = self.root / "test-server.conf"
        settings.write_text(
            "\n".join(
                [
                    "listen_addresses = '127.0.0.1'",
                    f"port = {self.port}",
                    f"unix_socket_directories = '{self.socket_dir}'",
                    # Speed over durability against an OS crash only: nothing here outlives the
                    # run. synchronous_commit stays on, so a commit survives the server being
                    # killed (stop("immediate")), as the fault tests expect.
                    "fsync = off",
                    "full_page_writes = off",
                    *self._extra_settings,
                    "",
                ]
            ),
            encoding="utf-8",
        )
        settings.chmod(0o644)

    # -- the life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the server (initdb on first use); returns when it accepts connections."""
        if self._cleaned:
            raise PostgresServerError("this server was cleaned up; make a new PostgresServer")
        if not self._initialised:
            self._initdb()
        if self.is_running():
            return
        # A port taken between the pick and the bind gets another port (twice at most).
        for attempt in range(3):
            self._write_settings()
            done = self._run(
                [
                    "pg_ctl",
                    "start",
                    f"--pgdata={self.data_dir}",
                    f"--log={self.log_file}",
                    "--wait",
                    f"--timeout={PG_CTL_WAIT_S}",
                    "--silent",
                ],
                "pg_ctl start",
            )
            if done.returncode == 0:
                return
            if attempt < 2 and "could not bind" in self._log_tail(40):
                self.port = _free_port()
                continue
            raise self._fail("pg_ctl start", done)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clean shutdown) or ``immediate`` (as a crash would)."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"unknown pg_ctl stop mode: {mode!r}")
        if not self._initialised or not self.is_running():
            return
        done = self._run(
            [
                "pg_ctl",
                "stop",
                f"--pgdata={self.data_dir}",
                f"--mode={mode}",
                "--wait",
                f"--timeout={PG_CTL_WAIT_S}",
                "--silent",
            ],
            "pg_ctl stop",
        )
        if done.returncode != 0:
            raise self._fail("pg_ctl stop", done)

    def restart(self) -> None:
        """Stop (fast) and start again, on the same port: earlier DSNs stay valid."""
        self.stop()
        self.start()

    def is_running(self) -> bool:
        # cleanup() asks this after marking itself done, so look at the folder, not the flag.
        if not self._initialised or not self.data_dir.is_dir():
            return False
        done = self._run(["pg_ctl", "status", f"--pgdata={self.data_dir}"], "pg_ctl status")
        # 0: running; 3: not running; 4: no data folder.
        return done.returncode == 0

    def cleanup(self) -> None:
        """Stop the server at once and delete its folder; safe to call twice (also at exit)."""
        if self._cleaned:
            return
        self._cleaned = True
        atexit.unregister(self.cleanup)
        try:
            if self._initialised and self.is_running():
                self.stop("immediate")
        except PostgresServerError:
            # pg_ctl failed or timed out on a server it saw running: SIGQUIT is what "immediate"
            # sends the postmaster (it ends its backends and exits). A server must not outlive
            # its folder. Only here, where the pid file is known fresh: a stale one could name
            # an unrelated process by now.
            self._signal_postmaster(signal.SIGQUIT)
            raise
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _signal_postmaster(self, signum: signal.Signals) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text(encoding="ascii").split()[0])
        except (OSError, ValueError, IndexError):
            return  # no pid file: the server stopped (it removes the file last)
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    # -- using it ------------------------------------------------------------------------------

    def dsn(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        """A libpq URL: ``postgresql://user@127.0.0.1:PORT/dbname``."""
        host = f"127.0.0.1:{self.port}"
        return f"postgresql://{quote(user, safe='')}@{host}/{quote(dbname, safe='')}"

    def execute(
        self,
        query: LiteralString | sql.SQL | sql.Composed,
        params: Sequence[object] | None = None,
        dbname: str = "postgres",
    ) -> list[tuple[object, ...]]:
        """Run one statement as the superuser (autocommit); the rows it returns, if any."""
        with (
            psycopg.connect(self.dsn(dbname=dbname), autocommit=True, connect_timeout=10) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(query, params)
            if cursor.description is None:
                return []
            return list(cursor.fetchall())

    def create_database(self, name: str) -> str:
        """Create an empty database; its DSN (superuser)."""
        self.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(dbname=name)

    def terminate_backends(self, dbname: str) -> int:
        """End every other connection to ``dbname`` and wait (5 s at most) until they are gone."""
        rows = self.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
            " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        count = rows[0][0]
        assert isinstance(count, int)
        return count

    def drop_database(self, name: str) -> None:
        """Drop a database, ending its connections first (a missing one is no error)."""
        self.terminate_backends(name)
        # FORCE: a client that reconnected since the line above is ended too.
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
