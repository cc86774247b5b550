"""The two backends of the case library, for tests that run against both.

``location`` (a fixture in ``tests/pathways/conftest.py``) is an SQLite file's path or a
PostgreSQL database's address; :func:`raw` runs SQL on it behind the library's back, as another
program (or a hostile user with a database client) could.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

# What the database raises when it refuses a statement itself (a trigger, a constraint).
REFUSALS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
try:
    import psycopg

    REFUSALS += (psycopg.Error,)
except ImportError:  # pragma: no cover - psycopg is a dependency; the tests skip without a server
    pass


def raw(location: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Run one statement (``?`` placeholders) and return its rows (none for a change)."""
    if isinstance(location, Path):
        with closing(sqlite3.connect(location)) as conn, conn:
            return conn.execute(sql, params).fetchall()
    with psycopg.connect(location, autocommit=True) as pg:
        cur = pg.execute(sql.replace("?", "%s"), params)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
