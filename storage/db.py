"""Engine creation: SQLite (WAL) in a data folder by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import storage.models  # noqa: F401  (registers the tables)
from storage.migrate import upgrade

DATABASE_FILE = "leercultuurscan.db"
# Execution option marking a transaction that will write (see _begin_sqlite).
WRITE_OPTION = "leercultuurscan_write"

# Per process: a worker handles a few dozen respondents at once, each call holding one connection
# for one short transaction. Several workers share PostgreSQL's max_connections (100 by default).
POOL_SIZE = 10
POOL_OVERFLOW = 10
POOL_TIMEOUT_SECONDS = 10
POOL_RECYCLE_SECONDS = 1800


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DATABASE_FILE}"


def normalised_url(url: str) -> str:
    """Points PostgreSQL URLs at psycopg 3; hosts hand out `postgres://` or `postgresql://`."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


@lru_cache(maxsize=8)
def writing(engine: Engine) -> Engine:
    """The engine marked for writing, made once per engine (deriving it cost ~20 µs a transaction).

    Bounded: tests make many engines, and a cached one keeps its engine alive.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work during a write; NORMAL sync is crash-safe in WAL mode.

    secure_delete overwrites what a deletion frees, so a deleted person's bytes do not stay
    in the file's free pages.
    """
    # The driver's own BEGIN comes too late (before the first write); _begin_sqlite says it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    """A write transaction takes the write lock at once: one that read first could not write.

    A deferred transaction that has read cannot take the lock once another process wrote
    meanwhile ('database is locked', busy_timeout or not); IMMEDIATE waits for it instead.
    """
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, *, migrate: bool = True) -> Engine:
    """Creates the engine and, unless told not to, upgrades the schema to the newest revision."""
    url = normalised_url(url)
    if url.startswith("sqlite:///"):
        _private_file(Path(url.removeprefix("sqlite:///")))
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    elif url.startswith("postgresql"):
        engine = create_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_pre_ping=True,
            hide_parameters=True,  # a failed statement's log line never shows its values
        )
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if migrate:
        with writing(engine).begin() as connection:
            upgrade(connection)
    return engine


def _private_file(path: Path) -> None:
    """Makes the database file readable by its owner only, before SQLite opens it.

    SQLite gives the WAL and shared-memory files the database file's mode.
    """
    if path.name == ":memory:" or not path.name:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.touch(mode=0o600, exist_ok=True)
    for kept in path.parent.glob(f"{path.name}*"):
        kept.chmod(0o600)


def forget_freed_pages(engine: Engine) -> None:
    """Moves SQLite's write-ahead log into the database and empties it.

    After a deletion the old pages still sit in the WAL until a checkpoint; TRUNCATE leaves
    the WAL empty. A server database keeps no such file of ours.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    with Session(writing(engine)) as session:
        yield session
        session.commit()
