"""The engine on both databases: URLs as hosts hand them out, times that keep their instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from storage.db import make_engine, transaction
from storage.models import Respondent
from tests.pgserver import PostgresServer

# Just before the clocks go forward in the Netherlands: a zone bug shows as an hour off.
MOMENT = datetime(2026, 3, 29, 0, 59, 30, tzinfo=UTC)


def test_postgres_urls_without_a_driver_use_psycopg(postgres: PostgresServer) -> None:
    url = make_url(postgres.url("postgres"))
    for scheme in ("postgres", "postgresql"):
        engine = make_engine(url.set(drivername=scheme).render_as_string(), migrate=False)
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        engine.dispose()


def test_a_stored_time_reads_back_as_the_same_instant(engine: Engine) -> None:
    """The test server runs in Europe/Amsterdam; the bot compares times in UTC."""
    with transaction(engine) as session:
        session.add(Respondent(pseudonym="t" * 64, created_at=MOMENT))
    with Session(engine) as session:
        stored = session.exec(select(Respondent)).one().created_at
        second = timedelta(seconds=1)
        near = select(Respondent).where(
            col(Respondent.created_at).between(MOMENT - second, MOMENT + second)
        )
        found = session.exec(near).all()
    assert stored == MOMENT and stored.utcoffset() == timedelta(0)
    assert len(found) == 1  # and SQL compares it as that instant too
