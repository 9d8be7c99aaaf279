"""Wires settings, storage, dialogue and the service together for any channel."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.console import Console
from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.policy import Policy
from bot.settings import Settings
from dialogues.loader import default_dialogue
from reports.hr import build_report
from storage.db import make_engine
from storage.migrate import current_revision
from storage.secrets import Secrets, load_secrets


def open_secrets(settings: Settings, engine: Engine) -> Secrets:
    """The pseudonym key and webhook secret: from the environment, else from the key file."""
    return load_secrets(
        settings.data_dir,
        engine,
        pseudonym_key=settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None,
        webhook_secret=(
            settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        ),
    )


def build_conversation(settings: Settings) -> Conversation:
    """Loads and checks the dialogue, opens the database and returns the conversation service."""
    engine = make_engine(settings.effective_database_url)
    key = open_secrets(settings, engine).pseudonym_key
    policy = Policy(
        idle_expiry=timedelta(days=settings.idle_expiry_days),
        retention=timedelta(days=settings.retention_days),
        round_length=timedelta(days=settings.round_days),
        reminder_after=timedelta(hours=settings.reminder_after_hours),
        time_zone=ZoneInfo(settings.time_zone),
    )
    return Conversation(engine, default_dialogue(), key, policy)


def build_renderer(settings: Settings, conversation: Conversation) -> Renderer:
    """The renderer, with the numbers the privacy statement promises."""
    facts = {
        "idle_days": conversation.policy.idle_expiry.days,
        "retention_months": round(conversation.policy.retention.days / 30.4),
        "min_group": settings.min_group_size,
    }
    renderer = Renderer(conversation.dialogue, facts)
    if settings.web_address:
        renderer.web_link = f"{settings.web_address}/t/"
    return renderer


def console_main(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    conversation = build_conversation(settings)
    Console(conversation, build_renderer(settings, conversation), stdin, stdout).run()
    return 0


def report_main(
    settings: Settings,
    fmt: str,
    out: str,
    *,
    team: str | None = None,
    wave: int | None = None,
    organisation: str,
    dialect: str = "nl",
) -> int:
    """Writes the HR report, saying on stderr what it is doing while it works."""
    from reports.export import write  # openpyxl and the charts: only the report needs them

    started = time.perf_counter()

    def progress(step: str) -> None:
        print(f"report: {step} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)

    dialogue = default_dialogue()
    # A read: no write lock, so the bot keeps storing answers while the report is computed.
    with Session(make_engine(settings.effective_database_url)) as session:
        report = build_report(
            session,
            min_group=settings.min_group_size,
            team=team,
            wave=wave,
            organisation=organisation,
            progress=progress,
        )
    progress(f"writing {fmt}")
    write(report, dialogue, fmt, Path(out), dialect=dialect)
    progress(f"done: {out}")
    return 0


def migrate_main(settings: Settings) -> int:
    """Upgrades the database schema to the newest revision and says which one that is."""
    engine = make_engine(settings.effective_database_url)
    print(f"migrate: database schema at revision {current_revision(engine)}", file=sys.stderr)
    engine.dispose()
    return 0
