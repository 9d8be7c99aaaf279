"""One process at a time through a piece of work, until the transaction ends."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def one_at_a_time(connection: Connection, key: int) -> None:
    """Waits for PostgreSQL's advisory lock `key`, held until the transaction ends.

    SQLite needs none: its write transactions (BEGIN IMMEDIATE) already go one at a time.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
