"""Alembic migrations on SQLite and PostgreSQL: fresh, pre-migration and concurrent starts."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from storage.db import make_engine
from storage.migrate import current_revision, head_revision
from storage.models import Respondent
from tests.harness import REPO


def differences(engine: Engine) -> list[object]:
    """What autogenerate would write into a new revision: nothing, if the schema is right."""
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))


def migrate_command(database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_new_database_is_migrated_to_the_models_schema(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    assert current_revision(engine) == head_revision() is not None
    assert differences(engine) == []
    engine.dispose()


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_data(
    empty_database_url: str,
) -> None:
    old = make_engine(empty_database_url, migrate=False)
    SQLModel.metadata.create_all(old)  # what every earlier version of the bot did
    with Session(old) as session:
        session.add(Respondent(pseudonym="f" * 64, language="nl"))
        session.commit()
    old.dispose()

    engine = make_engine(empty_database_url)
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []
    with Session(engine) as session:
        assert [r.pseudonym for r in session.exec(select(Respondent))] == ["f" * 64]
    engine.dispose()


def test_the_migrate_command_upgrades_and_says_to_which_revision(empty_database_url: str) -> None:
    command = migrate_command(empty_database_url)
    output, _ = command.communicate(timeout=60)
    assert command.returncode == 0, output
    assert f"revision {head_revision()}" in output
    engine = make_engine(empty_database_url, migrate=False)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_workers_starting_at_once_migrate_one_after_the_other(empty_database_url: str) -> None:
    commands = [migrate_command(empty_database_url) for _ in range(3)]
    for command in commands:
        output, _ = command.communicate(timeout=60)
        assert command.returncode == 0, output
    engine = make_engine(empty_database_url, migrate=False)
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []
    engine.dispose()
