"""Race-safe inserts: a row whose key exists, or is being inserted by another worker, is skipped."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Insert, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import Session, SQLModel

from storage.models import table_of


class _OnConflictInsert(Protocol):
    """What PostgreSQL's and SQLite's INSERT share: ON CONFLICT and the `excluded` row."""

    @property
    def excluded(self) -> ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]: ...

    def on_conflict_do_update(
        self, *, index_elements: list[str], set_: Mapping[str, Any]
    ) -> Insert: ...

    def on_conflict_do_nothing(self) -> Insert: ...


_ON_CONFLICT_INSERTS: dict[str, Callable[[Table], _OnConflictInsert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def add_to_existing(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Inserts rows, or adds their counts to the rows with the same primary key, atomically.

    Every column that is not part of the primary key is a count to add.
    """
    table = table_of(model)
    statement = _ON_CONFLICT_INSERTS[session.get_bind().dialect.name](table)
    keys = [column.name for column in table.primary_key.columns]
    added = {
        column.name: column + statement.excluded[column.name]
        for column in table.columns
        if column.name not in keys
    }
    upsert = statement.on_conflict_do_update(index_elements=keys, set_=added)
    session.connection().execute(upsert, rows)


def upsert_rows(
    session: Session, model: type[SQLModel], rows: list[dict[str, Any]], *, key: list[str]
) -> None:
    """Inserts rows, or overwrites the other given columns of the row with the same `key`."""
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    statement = insert_or_replace(dialect, table, tuple(key), tuple(rows[0]))
    session.connection().execute(statement, rows)


@functools.cache
def insert_or_replace(
    dialect: str, table: Table, key: tuple[str, ...], names: tuple[str, ...]
) -> Insert:
    """Built once per table and columns: answers are written this way on every tap."""
    statement = _ON_CONFLICT_INSERTS[dialect](table)
    replaced = {name: statement.excluded[name] for name in names if name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=replaced)


@functools.cache
def _insert_or_skip(dialect: str, table: Table) -> Insert:
    """Built once per table: it runs on every tap (the update id)."""
    return _ON_CONFLICT_INSERTS[dialect](table).on_conflict_do_nothing()


def insert_unless_present(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Inserts one row; False if a row with the same unique key is already there.

    On PostgreSQL a second worker inserting the same key waits for the first one's
    transaction: after its commit the insert does nothing, after its rollback it goes ahead.
    """
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    if dialect in _ON_CONFLICT_INSERTS:
        # SQLAlchemy drops an INSERT's row count unless asked to keep it.
        result = session.connection().execute(
            _insert_or_skip(dialect, table), values, execution_options={"preserve_rowcount": True}
        )
        return bool(result.rowcount == 1)
    try:  # any other database: a savepoint keeps the transaction usable after a duplicate
        with session.begin_nested():
            session.connection().execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True
