"""Command menus: workers see worker commands; leads, HR and admins get theirs per chat.

The default menu (every chat, per language) holds what anyone may use. Someone who becomes a
team lead, gets HR access or is an admin gets a menu for their own chat on top of it
(Telegram's BotCommandScopeChat), set when that happens. The commands themselves check who
may use them on every call; a menu only shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.service.conversation import HR, LEAD
from dialogues.loader import DEFAULT_LANGUAGE, Dialogue

log = logging.getLogger(__name__)

ADMIN = "admin"
# Command names are Dutch: the people typing them are Dutch-speaking frontline workers.
WORKER_COMMANDS = (
    "start",
    "help",
    "terug",
    "pauze",
    "opnieuw",
    "privacy",
    "taal",
    "mijngegevens",
    "verwijder",
)
ROLE_COMMANDS = {
    LEAD: ("team", "teamresultaat"),
    HR: ("hr",),
    ADMIN: ("organisatie", "hrtoegang"),
}
COMMANDS = WORKER_COMMANDS + tuple(c for commands in ROLE_COMMANDS.values() for c in commands)


def commands_for(roles: Iterable[str]) -> tuple[str, ...]:
    """The menu of someone with these roles, in the order of COMMANDS."""
    allowed = set(WORKER_COMMANDS)
    for role in roles:
        allowed.update(ROLE_COMMANDS.get(role, ()))
    return tuple(c for c in COMMANDS if c in allowed)


def _language_codes(dialogue: Dialogue) -> Iterable[tuple[str, str | None]]:
    """Each language with the code Telegram gets: none for the default (everyone else)."""
    for language in dialogue.locales:
        yield language, None if language == DEFAULT_LANGUAGE else language


def _menu(dialogue: Dialogue, language: str, commands: Iterable[str]) -> list[BotCommand]:
    messages = dialogue.locale(language).messages
    return [BotCommand(c, messages[f"cmd_{c}"]) for c in commands]


async def set_default_menu(bot: Bot, dialogue: Dialogue) -> None:
    """The menu everyone sees, in every language the dialogue has."""
    for language, code in _language_codes(dialogue):
        await bot.set_my_commands(_menu(dialogue, language, WORKER_COMMANDS), language_code=code)


async def set_chat_menu(bot: Bot, dialogue: Dialogue, chat_id: int, roles: frozenset[str]) -> None:
    """Gives one chat the menu of its roles; with none left, the chat falls back to the default.

    A failure is logged, not raised: the commands work without a menu.
    """
    scope = BotCommandScopeChat(chat_id)
    try:
        for language, code in _language_codes(dialogue):
            if roles:
                menu = _menu(dialogue, language, commands_for(roles))
                await bot.set_my_commands(menu, scope=scope, language_code=code)
            else:
                await bot.delete_my_commands(scope=scope, language_code=code)
    except TelegramError as error:
        log.info("chat menu not set: %s", type(error).__name__)
