"""Shared fixtures: the dialogue, a throwaway database, the conversation, a bot on a fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.conversation import Conversation
from dialogues.loader import Dialogue, default_dialogue
from storage.db import make_engine, sqlite_url
from tests.fakebotapi import FakeBotApi
from tests.harness import bot_in_this_loop


@pytest.fixture
def dialogue() -> Dialogue:
    return default_dialogue()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(sqlite_url(tmp_path))


@pytest.fixture
def conversation(engine: Engine, dialogue: Dialogue) -> Conversation:
    return Conversation(engine, dialogue)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def running_bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Path]:
    """The bot in this event loop, polling the fake server; yields its data folder."""
    async for data_dir in bot_in_this_loop(api, tmp_path):
        yield data_dir
