"""Wires settings, storage, dialogue and conversation together for any front end."""

from __future__ import annotations

from typing import TextIO

from bot.console import Console
from bot.conversation import Conversation
from bot.render import Renderer
from bot.settings import Settings
from dialogues.loader import default_dialogue
from storage.db import make_engine


def build_conversation(settings: Settings) -> Conversation:
    """Loads and checks the dialogue, opens the database and returns the conversation service."""
    engine = make_engine(settings.effective_database_url)
    key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    return Conversation(engine, default_dialogue(), key)


def console_main(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    conversation = build_conversation(settings)
    Console(conversation, Renderer(conversation.dialogue), stdin, stdout).run()
    return 0
