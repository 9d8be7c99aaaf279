"""Brings a database's schema to the newest Alembic revision; safe with several processes.

Alembic (with Mako) is loaded only when there is something to migrate: a bot starting on a
database already at the newest revision, which is every start but the first after a release,
would otherwise keep ~10 MB of it in memory for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from storage.locks import one_at_a_time

if TYPE_CHECKING:
    from alembic.config import Config

# The revision equal to the schema that `SQLModel.metadata.create_all` used to make.
INITIAL_REVISION = "0001"
# The newest revision in storage/migrations/versions (tests/test_migrations.py checks it).
HEAD_REVISION = "0010"
# Any fixed number: PostgreSQL's advisory lock that lets one process migrate at a time.
MIGRATION_LOCK = 7_326_451
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    """The migrations shipped in this package, to run on the given connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection) -> None:
    """Upgrades to head; a database made before migrations is stamped first.

    The caller's transaction holds the write lock (SQLite's BEGIN IMMEDIATE), so processes
    starting together migrate one after the other; on PostgreSQL an advisory lock does that.
    """
    one_at_a_time(connection, MIGRATION_LOCK)
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables and stored_revisions(connection) == [HEAD_REVISION]:
        return
    from alembic import command

    config = alembic_config(connection)
    if VERSION_TABLE not in tables and "respondent" in tables:
        command.stamp(config, INITIAL_REVISION)
    command.upgrade(config, "head")


def stored_revisions(connection: Connection) -> list[str]:
    """The revisions Alembic's version table holds (one, on a linear history)."""
    return list(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this package ships, as Alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
