"""Alembic's entry point: migrates the connection storage.migrate hands over, or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)


def run_on(connection: Connection) -> None:
    # SQLite alters a table by copying it: batch mode does that for every change.
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:  # the `alembic` command line, for writing a new revision: `alembic revision --autogenerate`
    from bot.settings import Settings
    from storage.db import make_engine

    engine = make_engine(Settings().effective_database_url, migrate=False)
    with engine.begin() as own_connection:
        run_on(own_connection)
