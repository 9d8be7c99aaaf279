"""The Telegram front end: thin handlers that pass each update to the conversation service."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import time as daytime
from datetime import timedelta
from functools import lru_cache, partial
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.aiohttp_request import AiohttpRequest
from bot.app import build_conversation, build_renderer
from bot.collector import collect_less
from bot.conversation import Conversation, Notice, Outcome, Person, message
from bot.event_loop import faster_event_loop
from bot.polling import ReadAheadBot
from bot.processing import (
    CALLS_PER_UPDATE,
    PendingLimit,
    RespondentOrder,
    storage_call,
    storage_in_thread,
)
from bot.rate_limits import PatientRateLimiter
from bot.render import Button, Renderer, split_text
from bot.settings import Settings
from bot.teams import TEAM_PREFIX, Teams
from bot.unread_calls import replace_text, send_text
from bot.webhook_replies import WebhookReplies
from dialogues.loader import DEFAULT_LANGUAGE
from reports.overview import HrOverview
from statemachine import Reply
from storage.models import utcnow

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# A chart is ~50 ms of CPU. In the loop it stalls everyone (measured with the ~90 ms charts of
# matplotlib: loop lag p99 571 ms while charts render); in a thread the loop gets its turns in
# between (p99 15 ms). One thread: more would not draw faster under the GIL, only hold more
# pictures in memory.
CHART_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

# A sender takes the reminders that go out within this time, and looks again after it.
REMINDER_HORIZON = timedelta(seconds=5)

# Command names are Dutch: the people typing them are Dutch-speaking frontline workers.
COMMANDS = (
    "start",
    "help",
    "terug",
    "pauze",
    "opnieuw",
    "privacy",
    "taal",
    "mijngegevens",
    "verwijder",
    "team",
    "teamresultaat",
    "hr",
    "organisatie",
    "hrtoegang",
)


# Replies that carry a link to share, and the key of what the link leads to.
CARDS = {"team_card": "team", "organisation_card": "organisation", "hr_invite": "invite"}


def person_of(update: Update) -> Person:
    """The person behind an update, with the update's id so a repeat is recognised."""
    user: User | None = update.effective_user
    assert user is not None
    chat = update.effective_chat
    address = str(chat.id) if chat is not None and chat.type == ChatType.PRIVATE else None
    return Person("telegram", str(user.id), user.language_code, update.update_id, address)


@lru_cache(maxsize=4096)
def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> str | None:
    """The buttons as Telegram's keyboard in JSON, made once per set of buttons.

    PTB sends a string parameter as it is; a keyboard object would be turned back into a
    dict and dumped on every send (80 µs of a tap's CPU, measured with PTB's RequestData).
    """
    if not buttons:
        return None
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )
    return json.dumps(markup.to_dict())


async def send_outcome(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome
) -> None:
    """Sends the replies, answers the tap and marks the tapped question with its answer.

    The three go out at once, not one after another: the next question then reaches the
    person one round trip after the tap instead of three. Replies keep their order. The
    replies are sent from this task, before it yields: as a task of their own they would
    wait behind every other update of the batch (batch in to sendMessage out: p50 27-30 ->
    16-17 ms, paced polling SQLite, 1,000 people).
    """
    if outcome.repeat and in_webhook_mode(context):
        # Telegram posts a webhook update again only when it was not acknowledged, so its
        # replies may never have gone out: the person is shown where they are now instead.
        person = replace(person_of(update), input_id=None)
        outcome = await stored(context, conversation_of(context).current, person)
        outcome.handled_tap = update.callback_query is not None
    if log.isEnabledFor(logging.DEBUG):  # what is sent, never to whom or with which answers
        sent = ", ".join(reply.template for reply in outcome.replies) or "nothing"
        log.debug("replies: %s%s", sent, " (a repeat)" if outcome.repeat else "")
    alongside: list[asyncio.Future[None]] = []
    query = update.callback_query
    if query is not None and not outcome.repeat:  # a repeated delivery was answered before
        alongside.append(asyncio.ensure_future(answer_tap(update, context)))
    if query is not None and isinstance(query.message, Message) and outcome.handled_tap:
        alongside.append(asyncio.ensure_future(close_tapped(context, query.message, outcome)))
    try:
        await send_replies(update, context, outcome)
    finally:
        results = await asyncio.gather(*alongside, return_exceptions=True)
    if failed := next((r for r in results if isinstance(r, BaseException)), None):
        raise failed


async def send_replies(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome
) -> None:
    """Sends every reply in order."""
    renderer: Renderer = context.bot_data["renderer"]
    chat = update.effective_chat
    assert chat is not None
    for reply in outcome.replies:
        rendered = renderer.render(reply, outcome.language)
        if reply.template in CARDS:  # the link as a QR code, the text as its caption
            from bot.qr import qr_png  # on first use: qrcode and PIL, only team leads need them

            link = renderer.deep_link + reply.data[CARDS[reply.template]].code
            await context.bot.send_photo(chat.id, qr_png(link), caption=rendered.text)
            continue
        if reply.template in ("team_result", "summary"):  # the picture first, then the words
            # Imported on first use: Pillow and the fonts, which an interview never needs.
            from bot.charts import summary_chart, team_chart

            locale = renderer.dialogue.locale(outcome.language)
            draw = (
                partial(summary_chart, reply.data["placement"], locale)
                if reply.template == "summary"
                else partial(team_chart, reply.data, locale)
            )
            picture = await asyncio.get_running_loop().run_in_executor(CHART_THREAD, draw)
            await context.bot.send_photo(chat.id, picture)
        *first_parts, last_part = split_text(rendered.text)
        for part in first_parts:  # only long overviews (/mijngegevens) need more than one
            await send_text(context.bot, chat.id, part)
        await send_text(context.bot, chat.id, last_part, keyboard(rendered.buttons))


def in_webhook_mode(context: ContextTypes.DEFAULT_TYPE) -> bool:
    return "webhook_replies" in context.bot_data


async def answer_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stops the button's spinner; in webhook mode the answer rides on the HTTP response."""
    query = update.callback_query
    assert query is not None
    webhook_replies: WebhookReplies | None = context.bot_data.get("webhook_replies")
    if webhook_replies is not None:
        webhook_replies.answer_callback_query(update.update_id, query.id)
        return
    try:
        await query.answer()
    except BadRequest as error:
        # Telegram forgets a query after about 15 s (a backlog after a restart, say); the
        # spinner has stopped by itself then, and the person still gets their next question.
        if "query is too old" not in str(error).lower():
            raise
        log.info("callback query expired before it was answered")


async def close_tapped(
    context: ContextTypes.DEFAULT_TYPE, tapped: Message, outcome: Outcome
) -> None:
    """Shows the chosen answer in place of the buttons, so the chat reads back well."""
    renderer: Renderer = context.bot_data["renderer"]
    try:
        if outcome.answered:
            question, option = outcome.answered
            text = renderer.answered(question, option, outcome.language)
            await replace_text(context.bot, tapped.chat_id, tapped.message_id, text)
        elif outcome.replies and tapped.reply_markup:
            await tapped.edit_reply_markup(reply_markup=None)
    except BadRequest as error:
        if "not modified" not in str(error).lower():  # an edit that changes nothing is harmless
            raise


def conversation_of(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    return context.bot_data["conversation"]


async def stored(
    context: ContextTypes.DEFAULT_TYPE, function: Callable[..., Result], *args: Any
) -> Result:
    """Calls the synchronous service where the processing model puts it (see bot.processing)."""
    return await storage_call(context.bot_data["storage_in_thread"], function, *args)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Starts the scan, keeping a deep-link payload, or continues where the person was."""
    payload = context.args[0][:64] if context.args else None
    outcome = await stored(context, conversation_of(context).start, person_of(update), payload)
    await send_outcome(update, context, outcome)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains the buttons and the commands."""
    await send_static(update, context, "help")


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says plainly what is kept and who sees what."""
    await send_static(update, context, "privacy")


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Goes back to the previous question."""
    outcome = await stored(context, conversation_of(context).back, person_of(update))
    await send_outcome(update, context, outcome)


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pauses the scan so the person can continue later."""
    outcome = await stored(context, conversation_of(context).pause, person_of(update))
    await send_outcome(update, context, outcome)


async def restart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks whether to start again."""
    outcome = await stored(context, conversation_of(context).restart, person_of(update))
    await send_outcome(update, context, outcome)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stores the tapped answer and asks the next question."""
    query = update.callback_query
    assert query is not None
    outcome = await stored(
        context, conversation_of(context).press, person_of(update), query.data or ""
    )
    await send_outcome(update, context, outcome)


async def anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers text, stickers, edits and unknown commands with a hint and the current question."""
    outcome = await stored(
        context, partial(conversation_of(context).current, unclear=True), person_of(update)
    )
    await send_outcome(update, context, outcome)


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers the languages to choose from."""
    outcome = await stored(context, conversation_of(context).choose_language, person_of(update))
    await send_outcome(update, context, outcome)


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the person everything stored about them."""
    outcome = await stored(context, conversation_of(context).my_data, person_of(update))
    await send_outcome(update, context, outcome)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks whether to delete everything stored about the person."""
    outcome = await stored(context, conversation_of(context).forget, person_of(update))
    await send_outcome(update, context, outcome)


def teams_of(context: ContextTypes.DEFAULT_TYPE) -> Teams:
    return context.bot_data["teams"]


async def team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Makes a team (named after the command) and sends its link and QR code."""
    name = " ".join(context.args or []) or None
    outcome = await stored(context, teams_of(context).team, person_of(update), name)
    await send_outcome(update, context, outcome)


async def team_results(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the lead's team picture, or how many answered so far."""
    outcome = await stored(context, teams_of(context).overview, person_of(update))
    await send_outcome(update, context, outcome)


async def team_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows a chosen team's results or starts its next round."""
    query = update.callback_query
    assert query is not None
    outcome = await stored(context, teams_of(context).press, person_of(update), query.data or "")
    await send_outcome(update, context, outcome)


async def refused(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    allowed: frozenset[str],
    refusal: Reply,
    *,
    granted: bool = False,
) -> bool:
    """Tells someone not allowed that this command is not theirs; True if so."""
    person = person_of(update)
    if granted or person.external_id in allowed:  # checked on every call
        return False
    language = await stored(context, conversation_of(context).language_of, person)
    await send_outcome(update, context, Outcome(replies=[refusal], language=language))
    return True


async def organisation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lets an admin set up an organisation and sends the link for its team leads."""
    if await refused(update, context, context.bot_data["admin_ids"], message("admin_only")):
        return
    name = " ".join(context.args or []) or None
    outcome = await stored(context, teams_of(context).organisation, person_of(update), name)
    await send_outcome(update, context, outcome)


async def hr_access(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lets an admin hand out HR access by a one-time link, or take it all back."""
    if await refused(update, context, context.bot_data["admin_ids"], message("admin_only")):
        return
    revoke = bool(context.args) and context.args[0].lower() in ("intrekken", "revoke")
    outcome = await stored(context, teams_of(context).hr_access, person_of(update), revoke)
    await send_outcome(update, context, outcome)


async def hr_overview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows HR the organisation's figures; anyone else is told it is for HR only."""
    person = person_of(update)
    granted = await stored(context, teams_of(context).has_hr_access, person)
    if await refused(
        update, context, context.bot_data["hr_ids"], message("hr_only"), granted=granted
    ):
        return
    language = await stored(context, conversation_of(context).language_of, person)
    overview: HrOverview = context.bot_data["hr_overview"]
    reply = await stored(context, overview.reply)
    await send_outcome(update, context, Outcome(replies=[reply], language=language))


async def send_static(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    language = await stored(context, conversation_of(context).language_of, person_of(update))
    await send_outcome(update, context, Outcome(replies=[message(key)], language=language))


async def group_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group the scan is never run: answers are personal, so it points to a private chat."""
    renderer: Renderer = context.bot_data["renderer"]
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    language_of = conversation_of(context).language_of
    language = await stored(context, language_of, person_of(update)) if user else None
    locale = renderer.dialogue.locale(language)
    rendered = renderer.render(message("private_only"), language)
    link = InlineKeyboardButton(locale.messages["private_button"], url=context.bot.link)
    await context.bot.send_message(
        chat.id, rendered.text, reply_markup=InlineKeyboardMarkup([[link]])
    )


async def tidy(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Expires idle scans and unlinks finished ones past the retention period."""
    done = await stored(context, conversation_of(context).tidy)
    log.info("tidied: %d idle scans expired, %d old scans unlinked", done.expired, done.unlinked)


async def take_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Takes the reminders due now and sends them, each at the moment it was given."""
    spacing = context.bot_data["reminder_spacing"]
    due = partial(conversation_of(context).due_reminders, spacing=spacing, horizon=REMINDER_HORIZON)
    notices = await stored(context, due)
    if notices:  # sent by a task of its own, so the next run is never held up
        context.application.create_task(send_notices(context, notices), name="reminders")


async def send_notices(context: ContextTypes.DEFAULT_TYPE, notices: list[Notice]) -> None:
    """Sends each notice at its moment; one that fails is logged and not tried again."""
    renderer: Renderer = context.bot_data["renderer"]
    spacing: timedelta = context.bot_data["reminder_spacing"]
    previous = utcnow() - spacing
    for notice in notices:
        # After a late one, the next keep their distance instead of catching up in a burst.
        previous = max(notice.send_at, previous + spacing)
        await asyncio.sleep((previous - utcnow()).total_seconds())
        rendered = renderer.render(notice.reply, notice.language)
        try:
            await send_text(
                context.bot, int(notice.address), rendered.text, keyboard(rendered.buttons)
            )
        except TelegramError as error:  # blocked the bot, or Telegram refused: once is enough
            log.info("reminder not sent: %s", type(error).__name__)


async def set_up(application: Application) -> None:
    """Sets the command menu, tidies storage now and every night, and sends reminders."""
    renderer: Renderer = application.bot_data["renderer"]
    renderer.deep_link = f"https://t.me/{application.bot.username}?start="
    await set_commands(application)
    assert application.job_queue is not None
    application.job_queue.run_once(tidy, when=0)
    application.job_queue.run_daily(tidy, time=daytime(3, 30))
    application.job_queue.run_repeating(
        take_reminders, interval=REMINDER_HORIZON, first=REMINDER_HORIZON
    )


async def set_commands(application: Application) -> None:
    """Sets the command menu in every language the dialogue has."""
    renderer: Renderer = application.bot_data["renderer"]
    for language, locale in renderer.dialogue.locales.items():
        commands = [BotCommand(c, locale.messages[f"cmd_{c}"]) for c in COMMANDS]
        code = None if language == DEFAULT_LANGUAGE else language
        await application.bot.set_my_commands(commands, language_code=code)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure without user data, and tells the person something went wrong."""
    if isinstance(context.error, Forbidden):
        return  # the person blocked the bot; nothing to say
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        renderer: Renderer = context.bot_data["renderer"]
        rendered = renderer.render(Reply("message", {"key": "error", "actions": []}))
        await context.bot.send_message(update.effective_chat.id, rendered.text)


def build_application(settings: Settings, conversation: Conversation | None = None) -> Application:
    """Builds the bot and lists every handler in the order they are tried."""
    if settings.telegram_bot_token is None:
        raise SystemExit("Set TELEGRAM_BOT_TOKEN to run the Telegram bot.")
    conversation = conversation or build_conversation(settings)
    pending = PendingLimit(settings.max_pending_updates)
    bot = ReadAheadBot(
        settings.telegram_bot_token.get_secret_value(),
        room_for=pending.has_room_for,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=PatientRateLimiter(),
        request=AiohttpRequest(CALLS_PER_UPDATE * settings.max_concurrent_updates),
        get_updates_request=AiohttpRequest(1),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(RespondentOrder(settings.max_concurrent_updates))
        .update_queue(pending)
        .post_init(set_up)
        .build()
    )
    application.bot_data["conversation"] = conversation
    application.bot_data["storage_in_thread"] = storage_in_thread(settings.effective_database_url)
    application.bot_data["renderer"] = build_renderer(settings, conversation)
    application.bot_data["teams"] = Teams(conversation, settings.min_group_size)
    application.bot_data["hr_ids"] = settings.hr_ids | settings.admin_ids
    application.bot_data["admin_ids"] = settings.admin_ids
    application.bot_data["reminder_spacing"] = timedelta(seconds=1 / settings.reminders_per_second)
    application.bot_data["hr_overview"] = HrOverview(
        conversation.engine, conversation.dialogue, settings.min_group_size
    )

    # Commands count when sent; editing an old message into a command does nothing.
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(~filters.ChatType.PRIVATE & filters.COMMAND, group_chat))
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
    application.add_handler(CommandHandler("privacy", privacy, filters=private))
    application.add_handler(CommandHandler("terug", back, filters=private))
    application.add_handler(CommandHandler("pauze", pause, filters=private))
    application.add_handler(CommandHandler("opnieuw", restart, filters=private))
    application.add_handler(CommandHandler(["taal", "language"], choose_language, filters=private))
    application.add_handler(CommandHandler("mijngegevens", my_data, filters=private))
    application.add_handler(CommandHandler("verwijder", forget, filters=private))
    application.add_handler(CommandHandler("team", team, filters=private))
    application.add_handler(CommandHandler("teamresultaat", team_results, filters=private))
    application.add_handler(CommandHandler("hr", hr_overview, filters=private))
    application.add_handler(CommandHandler("organisatie", organisation, filters=private))
    application.add_handler(CommandHandler("hrtoegang", hr_access, filters=private))
    application.add_handler(CallbackQueryHandler(team_button, pattern=f"^{TEAM_PREFIX}:"))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE, anything_else))
    application.add_error_handler(error_handler)
    return application


def run_polling(settings: Settings) -> int:
    """Runs the bot with long polling until stopped."""
    application = build_application(settings)
    collect_less()
    faster_event_loop()
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0
