"""Thin handlers: each turns one kind of update into one service call and sends the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import Forbidden, TelegramError

from bot.service.conversation import HR
from bot.service.hr import is_report
from bot.service.outcome import Outcome, Person, message
from bot.telegram.context import Context, person_of
from bot.telegram.menus import ADMIN, set_chat_menu
from bot.telegram.prompts import asked
from bot.telegram.sending import send_outcome
from statemachine import Reply

log = logging.getLogger(__name__)
# Button data of the admin's confirmation (handled here: nothing in the service asks it).
ADMIN_PREFIX = "admin"
ADMIN_REVOKE, ADMIN_KEEP = f"{ADMIN_PREFIX}:revoke", f"{ADMIN_PREFIX}:keep"
Result = TypeVar("Result")


async def call_service(
    update: Update, context: Context, call: Callable[[Person], Outcome]
) -> Outcome:
    """Runs one service call for the person behind the update and sends what it returns."""
    outcome = await context.bot_data.database.run(call, person_of(update))
    await send_outcome(update, context, outcome)
    return outcome


async def refresh_menu(update: Update, context: Context, *, forgotten: bool = False) -> None:
    """Gives a lead, HR or an admin their commands in their own chat's menu.

    Called where a role can begin (a team made, a lead's or HR link opened) and at every
    /start (admins, and leads from before this menu existed); after everything was deleted
    the chat's own menu goes. A worker's chat keeps the default menu: no call is made.
    """
    data, chat = context.bot_data, update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    person = person_of(update)
    roles = set(await data.database.run(data.conversation.roles, person))
    if person.external_id in data.hr_ids:
        roles.add(HR)
    if person.external_id in data.admin_ids:
        roles.add(ADMIN)
    if roles or forgotten:
        await set_chat_menu(context.bot, data.renderer.dialogue, chat.id, frozenset(roles))


async def start(update: Update, context: Context) -> None:
    """Starts the scan, keeping a deep-link payload, or continues where the person was."""
    payload = context.args[0][:64] if context.args else None
    start_with = context.bot_data.conversation.start
    outcome = await call_service(update, context, lambda person: start_with(person, payload))
    if not outcome.repeat:  # a lead's or HR link opened, an admin, or a lead from before
        await refresh_menu(update, context)


async def help_command(update: Update, context: Context) -> None:
    """Explains the buttons and the commands."""
    await send_static(update, context, "help")


async def privacy(update: Update, context: Context) -> None:
    """Says plainly what is kept and who sees what."""
    await send_static(update, context, "privacy")


async def back(update: Update, context: Context) -> None:
    """Goes back to the previous question."""
    await call_service(update, context, context.bot_data.conversation.back)


async def pause(update: Update, context: Context) -> None:
    """Pauses the scan so the person can continue later."""
    await call_service(update, context, context.bot_data.conversation.pause)


async def restart(update: Update, context: Context) -> None:
    """Asks whether to start again."""
    await call_service(update, context, context.bot_data.conversation.restart)


async def button(update: Update, context: Context) -> None:
    """Stores the tapped answer and asks the next question."""
    data = update.callback_query.data if update.callback_query else None
    press = context.bot_data.conversation.press
    outcome = await call_service(update, context, lambda person: press(person, data or ""))
    if any(reply.data.get("key") == "forgotten" for reply in outcome.replies):
        await refresh_menu(update, context, forgotten=True)  # no longer lead or HR here


async def anything_else(update: Update, context: Context) -> None:
    """Answers text, stickers, edits and unknown commands with a hint and the current question."""
    current = partial(context.bot_data.conversation.current, unclear=True)
    await call_service(update, context, current)


async def choose_language(update: Update, context: Context) -> None:
    """Offers the languages to choose from."""
    await call_service(update, context, context.bot_data.conversation.choose_language)


async def my_data(update: Update, context: Context) -> None:
    """Shows the person everything stored about them."""
    await call_service(update, context, context.bot_data.conversation.my_data)


async def forget(update: Update, context: Context) -> None:
    """Asks whether to delete everything stored about the person."""
    await call_service(update, context, context.bot_data.conversation.forget)


async def team(update: Update, context: Context) -> None:
    """Makes a team (named after the command) and sends its card; without a name, asks one."""
    name = " ".join(context.args or []) or None
    make = context.bot_data.teams.team
    outcome = await call_service(update, context, lambda person: make(person, name))
    if any(reply.template == "team_card" for reply in outcome.replies):
        await refresh_menu(update, context)  # now a lead


async def typed_reply(update: Update, context: Context) -> None:
    """Text typed as a reply: a team's name or action when the bot asked one, else any text."""
    sent = update.message
    replied = sent.reply_to_message if sent else None
    from_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    question = asked(context.bot_data.renderer.dialogue, replied.text if replied else None)
    if sent is None or not from_bot or question is None:
        await anything_else(update, context)
        return
    key, params = question
    teams, name = context.bot_data.teams, sent.text
    if key == "team_rename_ask":
        old = params["team"]
        await call_service(update, context, lambda person: teams.rename(person, old, name))
    elif key == "action_ask_what":
        team_name = params["team"]
        typed = teams.actions.typed
        await call_service(update, context, lambda person: typed(person, team_name, name))
    else:
        outcome = await call_service(update, context, lambda person: teams.team(person, name))
        if any(reply.template == "team_card" for reply in outcome.replies):
            await refresh_menu(update, context)  # now a lead


async def team_results(update: Update, context: Context) -> None:
    """Shows the lead's team picture, or how many answered so far."""
    await call_service(update, context, context.bot_data.teams.overview)


async def team_button(update: Update, context: Context) -> None:
    """A team button: results, closing a round, or the card's rename, poster, hand-over, end."""
    data = update.callback_query.data if update.callback_query else None
    press = context.bot_data.teams.press
    await call_service(update, context, lambda person: press(person, data or ""))


async def refused(
    update: Update,
    context: Context,
    allowed: frozenset[str],
    refusal: Reply,
    *,
    granted: bool = False,
) -> bool:
    """Tells someone not allowed that this command is not theirs; True if so."""
    person = person_of(update)
    if granted or person.external_id in allowed:  # checked on every call
        return False
    data = context.bot_data
    language = await data.database.run(data.conversation.language_of, person)
    await send_outcome(update, context, Outcome(replies=[refusal], language=language))
    return True


async def organisation(update: Update, context: Context) -> None:
    """Lets an admin set up an organisation and sends the link for its team leads."""
    data = context.bot_data
    if await refused(update, context, data.admin_ids, message("admin_only")):
        return
    name = " ".join(context.args or []) or None
    await call_service(update, context, lambda person: data.teams.organisation(person, name))
    await refresh_menu(update, context)  # an admin who never sent /start gets theirs too


async def hr_access(update: Update, context: Context) -> None:
    """Lets an admin hand out HR access by a one-time link, or take it all back."""
    data = context.bot_data
    if await refused(update, context, data.admin_ids, message("admin_only")):
        return
    args = context.args or []
    if any(arg.lower() in ("intrekken", "revoke") for arg in args[:1]):
        # Takes everyone's access back at once: asked first, like every other deletion.
        language = await data.database.run(data.conversation.language_of, person_of(update))
        no_params: dict[str, str] = {}
        choices = [
            ("hr_revoke_yes", no_params, ADMIN_REVOKE),
            ("hr_revoke_no", no_params, ADMIN_KEEP),
        ]
        ask = message("hr_revoke_confirm", buttons=choices)
        await send_outcome(update, context, Outcome(replies=[ask], language=language))
        return
    name = " ".join(args) or None
    await call_service(update, context, lambda person: data.teams.hr_access(person, name))
    await refresh_menu(update, context)


async def admin_button(update: Update, context: Context) -> None:
    """Takes all HR access back once the admin confirmed; checked again on the tap."""
    data = context.bot_data
    pressed = update.callback_query.data if update.callback_query else None
    if pressed == ADMIN_REVOKE and person_of(update).external_id in data.admin_ids:
        revoke = partial(data.teams.hr_access, name=None, revoke=True)
        outcome = await data.database.run(revoke, person_of(update))
    else:  # "no", or no longer an admin
        language = await data.database.run(data.conversation.language_of, person_of(update))
        key = "hr_revoke_kept" if pressed == ADMIN_KEEP else "admin_only"
        outcome = Outcome(replies=[message(key)], language=language)
    outcome.handled_tap = True  # the question's buttons go
    await send_outcome(update, context, outcome)


async def hr_overview(update: Update, context: Context) -> None:
    """Shows HR the organisation's figures; anyone else is told it is for HR only."""
    data = context.bot_data
    person = person_of(update)
    granted = await data.database.run(data.teams.has_hr_access, person)
    if await refused(update, context, data.hr_ids, message("hr_only"), granted=granted):
        return
    deployment = person.external_id in data.hr_ids
    name = " ".join(context.args or []) or None
    await call_service(
        update, context, lambda person: data.hr.overview(person, name, deployment=deployment)
    )


async def hr_button(update: Update, context: Context) -> None:
    """Sends HR the report files or closes the round, after asking; checked on every tap."""
    data = context.bot_data
    pressed = update.callback_query.data if update.callback_query else None
    deployment = person_of(update).external_id in data.hr_ids
    if pressed and is_report(pressed):
        await hr_report(update, context, pressed, deployment=deployment)
        return
    await call_service(
        update, context, lambda person: data.hr.press(person, pressed or "", deployment=deployment)
    )


async def hr_report(update: Update, context: Context, pressed: str, *, deployment: bool) -> None:
    """Builds the report files in a thread and sends them.

    The queries and charts take a second or more: everyone else's taps go on meanwhile.
    """
    data, chat = context.bot_data, update.effective_chat
    if chat is not None:  # Telegram shows "sending a file…" while it is made; a nicety only
        with contextlib.suppress(TelegramError):
            await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    build = partial(data.hr.report, pressed=pressed, deployment=deployment)
    outcome = await asyncio.to_thread(build, person_of(update))
    await send_outcome(update, context, outcome)


async def send_static(update: Update, context: Context, key: str) -> None:
    data = context.bot_data
    language = await data.database.run(data.conversation.language_of, person_of(update))
    await send_outcome(update, context, Outcome(replies=[message(key)], language=language))


async def group_chat(update: Update, context: Context) -> None:
    """In a group the scan is never run: answers are personal, so it points to a private chat."""
    data = context.bot_data
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    language_of = data.conversation.language_of
    language = await data.database.run(language_of, person_of(update)) if user else None
    locale = data.renderer.dialogue.locale(language)
    rendered = data.renderer.render(message("private_only"), language)
    link = InlineKeyboardButton(locale.messages["private_button"], url=context.bot.link)
    await context.bot.send_message(
        chat.id, rendered.text, reply_markup=InlineKeyboardMarkup([[link]])
    )


async def flooded(update: Update, context: Context) -> None:
    """Tells someone sending far more than they could read to slow down (once per burst)."""
    await send_static(update, context, "slow_down")


async def error_handler(update: object, context: Context) -> None:
    """Logs the failure without user data, and tells the person something went wrong."""
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot; nothing to say
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        rendered = context.bot_data.renderer.render(message("error"))
        await context.bot.send_message(update.effective_chat.id, rendered.text)
