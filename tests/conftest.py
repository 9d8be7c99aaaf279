"""Shared fixtures: the dialogue, a throwaway database, the conversation, a bot on a fake API.

Every test that touches a database runs twice: on SQLite and on PostgreSQL. The PostgreSQL
server is started once for the whole run; each test gets a fresh database of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.conversation import Conversation
from dialogues.loader import Dialogue, default_dialogue
from storage.db import make_engine, sqlite_url
from tests.fakebotapi import FakeBotApi
from tests.harness import bot_in_this_loop
from tests.pgserver import PostgresServer, remove_server, start_server

BACKENDS = ["sqlite", "postgresql"]
# Migrated once; each test's database is a file copy of it, which is much faster than migrating.
TEMPLATE_DATABASE = "migrated_template"
_database_numbers = itertools.count(1)


@pytest.fixture
def dialogue() -> Dialogue:
    return default_dialogue()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run; missing binaries fail every PostgreSQL test."""
    server = start_server()
    try:
        make_engine(server.create_database(TEMPLATE_DATABASE)).dispose()
        yield server
    finally:
        remove_server(server)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _fresh_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    if backend == "sqlite":
        url = sqlite_url(tmp_path)
        if migrated:
            make_engine(url).dispose()
        yield url
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"test_{next(_database_numbers)}"
    yield server.create_database(name, template=TEMPLATE_DATABASE if migrated else None)
    server.drop_database(name)  # also ends connections the test's engines left open


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on this backend; the bot and the test both open it."""
    yield from _fresh_database(request, backend, tmp_path, migrated=True)


@pytest.fixture
def empty_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[str]:
    """A fresh database on this backend without a single table."""
    yield from _fresh_database(request, backend, tmp_path, migrated=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def conversation(engine: Engine, dialogue: Dialogue) -> Conversation:
    return Conversation(engine, dialogue)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def running_bot(api: FakeBotApi, tmp_path: Path, database_url: str) -> AsyncIterator[Path]:
    """The bot in this event loop, polling the fake server; yields its data folder."""
    async for data_dir in bot_in_this_loop(api, tmp_path, database_url=database_url):
        yield data_dir
