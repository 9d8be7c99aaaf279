"""Brings a database's schema to the newest Alembic revision; safe with several processes."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from storage.locks import one_at_a_time

# The revision equal to the schema that `SQLModel.metadata.create_all` used to make.
INITIAL_REVISION = "0001"
# Any fixed number: PostgreSQL's advisory lock that lets one process migrate at a time.
MIGRATION_LOCK = 7_326_451


def alembic_config(connection: Connection | None = None) -> Config:
    """The migrations shipped in this package, to run on the given connection."""
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
    config = alembic_config(connection)
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables and "respondent" in tables:
        command.stamp(config, INITIAL_REVISION)
    command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
