"""Shared fixtures: the shipped dialogue, a throwaway SQLite database and the conversation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.conversation import Conversation
from dialogues.loader import Dialogue, default_dialogue
from storage.db import make_engine, sqlite_url


@pytest.fixture
def dialogue() -> Dialogue:
    return default_dialogue()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(sqlite_url(tmp_path))


@pytest.fixture
def conversation(engine: Engine, dialogue: Dialogue) -> Conversation:
    return Conversation(engine, dialogue)
