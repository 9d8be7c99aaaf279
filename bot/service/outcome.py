"""What the service hands back to a channel: who spoke, what to say, and the data of buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dialogues.loader import ResolvedQuestion
from dialogues.schema import Option
from statemachine import Reply

ANSWER_PREFIX = "a"
NAV_PREFIX = "nav"
LANGUAGE_PREFIX = "lang"


def answer_data(question_id: str, value: str) -> str:
    """Button data for an answer; ids are short enough to stay under Telegram's 64 bytes."""
    return f"{ANSWER_PREFIX}:{question_id}:{value}"


def nav_data(action: str) -> str:
    return f"{NAV_PREFIX}:{action}"


def language_data(code: str) -> str:
    return f"{LANGUAGE_PREFIX}:{code}"


@dataclass(frozen=True)
class Person:
    """Who is talking, as the channel knows them; only a keyed hash of this is stored.

    `input_id` is the channel's id for this piece of input (Telegram's update_id), so a
    repeated delivery is recognised and ignored. A channel that cannot send reminders
    (the console) gives no `address`, and is not offered one.
    """

    channel: str
    external_id: str
    language: str | None = None
    input_id: int | None = None
    # Where a reminder can reach them (Telegram's chat id); kept only if they ask for one.
    address: str | None = None


@dataclass(frozen=True)
class Notice:
    """A message the bot sends unasked (a reminder): where to, when, and what to say."""

    address: str
    send_at: datetime
    language: str | None
    reply: Reply


@dataclass
class Outcome:
    """What happened: the replies to send, and the answer given (to mark the tapped message).

    `repeat` says the input was handled before (a repeated delivery): nothing was changed.
    """

    replies: list[Reply] = field(default_factory=list)
    answered: tuple[ResolvedQuestion, Option] | None = None
    language: str | None = None
    handled_tap: bool = False
    repeat: bool = False
    # Messages to other people this caused (a closed round's leads); a channel that cannot
    # reach anyone else drops them.
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    """A file to send, with the name the person sees; small enough to hold in memory."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Tidied:
    expired: int
    unlinked: int
    resume_codes: int = 0  # the web's resume codes past the retention, forgotten


def message(
    key: str,
    *actions: str,
    buttons: list[tuple[str, dict[str, Any], str]] | None = None,
    **params: Any,
) -> Reply:
    """A short text from the locale, its {placeholders} filled from `params`.

    `buttons` are extra choices: (message key of the label, its placeholders, button data).
    """
    data: dict[str, Any] = {"key": key, "actions": list(actions)}
    if buttons:
        data["buttons"] = buttons
    return Reply("message", {**data, "params": params} if params else data)


def document_message(key: str, document: Document, **params: Any) -> Reply:
    """A file with a short text from the locale as its caption."""
    reply = message(key, **params)
    return Reply("message", {**reply.data, "document": document})
