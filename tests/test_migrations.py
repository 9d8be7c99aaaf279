"""Alembic migrations on SQLite and PostgreSQL: fresh, pre-migration and concurrent starts."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic import command as alembic
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, delete, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from dialogues.loader import Dialogue
from storage import rounds
from storage.db import make_engine
from storage.migrate import (
    HEAD_REVISION,
    INITIAL_REVISION,
    alembic_config,
    current_revision,
    head_revision,
)
from storage.models import Respondent, Result, RoleTally, TeamRound, TeamTally
from tests.flow import TEST_KEY
from tests.harness import REPO
from tests.test_conversation import answer_current
from tests.test_hr_report import tally_rows


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


def test_the_start_up_check_knows_the_newest_revision() -> None:
    assert head_revision() == HEAD_REVISION, (
        "a new migration: set HEAD_REVISION in storage/migrate.py to its revision id"
    )


def test_a_database_at_an_older_revision_is_upgraded_when_the_bot_starts(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        alembic.downgrade(alembic_config(connection), INITIAL_REVISION)
    engine.dispose()

    engine = make_engine(empty_database_url)
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []
    engine.dispose()


def test_a_start_on_a_database_already_at_the_newest_revision_leaves_alembic_unloaded(
    empty_database_url: str,
) -> None:
    make_engine(empty_database_url).dispose()  # the first start migrates
    start = (
        "import os, sys; from storage.db import make_engine; "
        "make_engine(os.environ['DATABASE_URL']).dispose(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))"
    )
    env = {**os.environ, "DATABASE_URL": empty_database_url, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", start], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", "Alembic and Mako stay out of memory (~10 MB)"


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_data(
    empty_database_url: str,
) -> None:
    old = make_engine(empty_database_url, migrate=False)
    with old.begin() as connection:  # the tables create_all made, before migrations existed
        alembic.upgrade(alembic_config(connection), INITIAL_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))
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


def test_results_stored_before_the_tallies_are_counted_when_they_arrive(
    database_url: str, dialogue: Dialogue
) -> None:
    engine = make_engine(database_url)
    conversation = Conversation(engine, dialogue, TEST_KEY)
    teams = Teams(conversation.people, min_group=3)
    lead = Person("telegram", "60999", "nl")
    code = teams.team(lead, "Magazijn").replies[0].data["team"].code
    for n in range(3):
        person = Person("telegram", str(61_000 + n), "nl")
        conversation.start(person, code)
        answer_current(conversation, 0, person)  # consent
        while conversation.current(person).replies[-1].template == "question":
            answer_current(conversation, n + 1, person)
    teams.press(lead, team_data("close_yes", code))  # only closed rounds are counted
    kept = tally_rows(engine)
    with Session(engine) as session:
        roles = sorted(str(r.role) for r in session.exec(select(Result)))

    with Session(engine) as session:  # what revision 0005 does with rounds closed before it
        for table in (TeamTally, RoleTally, TeamRound):
            session.exec(delete(table))
        rounds.count_old_rounds(session)
        session.commit()
    assert tally_rows(engine) == kept and len(kept) > 0
    with Session(engine) as session:
        assert sorted(str(r.role) for r in session.exec(select(Result))) == roles
    assert differences(engine) == []
    engine.dispose()
