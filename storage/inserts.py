"""Race-safe inserts: a row whose key exists, or is being inserted by another worker, is skipped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

_ON_CONFLICT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_unless_present(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Inserts one row; False if a row with the same unique key is already there.

    On PostgreSQL a second worker inserting the same key waits for the first one's
    transaction: after its commit the insert does nothing, after its rollback it goes ahead.
    """
    table: Table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    on_conflict_insert = _ON_CONFLICT_INSERTS.get(dialect)
    if on_conflict_insert is not None:
        statement = on_conflict_insert(table).values(**values).on_conflict_do_nothing()
        # SQLAlchemy drops an INSERT's row count unless asked to keep it.
        result = session.connection().execute(
            statement, execution_options={"preserve_rowcount": True}
        )
        return bool(result.rowcount == 1)
    try:  # any other database: a savepoint keeps the transaction usable after a duplicate
        with session.begin_nested():
            session.connection().execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True
