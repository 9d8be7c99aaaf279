"""Wires settings, storage, dialogue and conversation together for any front end."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from bot.console import Console
from bot.conversation import Conversation, Policy
from bot.render import Renderer
from bot.settings import Settings
from dialogues.loader import default_dialogue
from storage.db import make_engine


def build_conversation(settings: Settings) -> Conversation:
    """Loads and checks the dialogue, opens the database and returns the conversation service."""
    engine = make_engine(settings.effective_database_url)
    key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    policy = Policy(
        idle_expiry=timedelta(days=settings.idle_expiry_days),
        retention=timedelta(days=settings.retention_days),
    )
    return Conversation(engine, default_dialogue(), key, policy)


def build_renderer(settings: Settings, conversation: Conversation) -> Renderer:
    """The renderer, with the numbers the privacy statement promises."""
    facts = {
        "idle_days": conversation.policy.idle_expiry.days,
        "retention_months": round(conversation.policy.retention.days / 30.4),
        "min_group": settings.min_group_size,
    }
    return Renderer(conversation.dialogue, facts)


def console_main(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    conversation = build_conversation(settings)
    Console(conversation, build_renderer(settings, conversation), stdin, stdout).run()
    return 0
