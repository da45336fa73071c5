"""Engine factory, sessions (for writing, and for reading only) and schema migrations.
Nothing here runs at import time.

The schema is owned by Alembic (``schemas/migrations``): :func:`migrate` brings any ledger,
new or old, to the current revision, so a schema change never needs a hand-deleted
database. Concurrent first starts are serialised by a lock (an advisory lock on
PostgreSQL, a file lock beside a SQLite file).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent.parent / "schemas" / "migrations"
_READ_ONLY = "claimtrack_read_only"  # an execution option: the session only reads
_PG_MIGRATION_LOCK = 0x636C6D74  # "clmt"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the ledger at ``url`` (SQLite file or PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            private_file(Path(database))
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner alone (0600; a folder made for it 0700) unless
    it exists. SQLite gives its journal files (``-wal``, ``-shm``) the database file's
    mode, so the whole ledger stays private whatever the umask."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=30000")  # wait for the writer instead of failing
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writer takes the write lock at BEGIN: a deferred transaction that reads then writes
    # can fail with "database is locked" without waiting; an immediate one waits its turn.
    # Read-only work (``reading``) begins deferred: in WAL mode it reads a snapshot and
    # neither waits for the writer nor holds it up.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database + ".migrate.lock")
    private_file(lock_path)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the ledger's schema to the newest revision (safe to call on every start). A
    ledger already current is only read (no write lock is taken: a worker process starting
    while a long transaction holds SQLite's lock does not wait for it)."""
    config = alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.execution_options(**{_READ_ONLY: True}).connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
    with _migration_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_ledger(url: str) -> Engine:
    """An engine whose schema is current: what every entry point calls."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def session(engine: Engine) -> Session:
    """A session for work that writes (on SQLite it holds the write lock from its first
    statement to its commit: keep it short)."""
    return Session(engine, expire_on_commit=False)


def reading(engine: Engine) -> Session:
    """A session for work that only reads: on SQLite it begins ``DEFERRED`` and never takes
    the write lock, so it runs beside the writer instead of queueing behind it. Never write
    through it: a deferred transaction that writes fails with "database is locked" when
    another writer got there first, where :func:`session` would have waited."""
    return Session(engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False)
