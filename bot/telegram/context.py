"""The typed context every callback gets, and the person behind an update."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Update, User
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.pictures import Painter
from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.hr import Hr
from bot.service.outcome import Person
from bot.service.teams import Teams
from bot.telegram.copies import LiveButtons
from storage.database import Database

if TYPE_CHECKING:
    import uvicorn

    from bot.telegram.sending import WebhookReplies


@dataclass(eq=False)
class BotData:
    """What the handlers share, set once when the application is built.

    PTB makes this object itself (with no arguments); `build_application` fills it in.
    """

    conversation: Conversation = field(init=False)
    teams: Teams = field(init=False)
    database: Database = field(init=False)
    renderer: Renderer = field(init=False)
    painter: Painter = field(init=False)
    hr: Hr = field(init=False)
    hr_ids: frozenset[str] = field(init=False)
    admin_ids: frozenset[str] = field(init=False)
    reminder_spacing: timedelta = field(init=False)
    # Interview messages whose buttons still work, to close when a newer copy goes out.
    live_buttons: LiveButtons = field(default_factory=LiveButtons)
    # Webhook mode only: calls that ride on the HTTP response, and the server (to stop it).
    webhook_replies: WebhookReplies | None = None
    webhook_server: uvicorn.Server | None = None


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
App = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)


def person_of(update: Update) -> Person:
    """The person behind an update, with the update's id so a repeat is recognised."""
    user: User | None = update.effective_user
    assert user is not None
    chat = update.effective_chat
    address = str(chat.id) if chat is not None and chat.type == ChatType.PRIVATE else None
    return Person("telegram", str(user.id), user.language_code, update.update_id, address)
