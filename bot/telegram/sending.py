"""Sends what the service returned: rendered replies, pictures, files and the tapped message closed.

The next question goes out first and at once: the tap's answer and the edit of the tapped
message go alongside, so the person waits one round trip, not three.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from functools import lru_cache
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.render import Button, Renderer, split_text
from bot.service.outcome import Document, Notice, Outcome
from bot.telegram.context import Context, person_of
from bot.telegram.copies import has_interview_buttons
from storage.models import utcnow

log = logging.getLogger(__name__)

# Replies that carry a link to share, and the key of what the link leads to.
CARDS = {"team_card": "team", "organisation_card": "organisation", "hr_invite": "invite"}
# Replies after which no earlier interview button should work: a question (a newer copy of
# it, or the next one), the end of the scan, or everything deleted.
CLOSE_EARLIER_TEMPLATES = frozenset({"question", "summary"})
CLOSE_EARLIER_KEYS = frozenset({"forgotten"})


class WebhookReplies:
    """One Bot API call per update, handed back to Telegram in the webhook's HTTP response.

    Telegram runs a method given as the reply to a webhook request, which saves an outbound
    call; it reports no result, which is fine for a callback answer without text.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def answer_callback_query(self, update_id: int, query_id: str) -> None:
        self._calls[update_id] = {"method": "answerCallbackQuery", "callback_query_id": query_id}

    def pop(self, update_id: int) -> dict[str, Any] | None:
        """The call to put in the response for this update, if any; forgotten afterwards."""
        return self._calls.pop(update_id, None)


@lru_cache(maxsize=4096)
def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> str | None:
    """The buttons as Telegram's keyboard in JSON, made once per set of buttons.

    PTB sends a string parameter as it is; a keyboard object would be turned back into a
    dict and dumped on every send (80 µs of a tap's CPU).
    """
    if not buttons:
        return None
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )
    return json.dumps(markup.to_dict())


def team_link(renderer: Renderer, code: str) -> str:
    """What a team's QR code opens: its web page when public (it offers Telegram as well, so
    a phone without Telegram can join too), else the Telegram link."""
    return (renderer.web_link or renderer.deep_link) + code


async def send_outcome(update: Update, context: Context, outcome: Outcome) -> None:
    """Sends the replies, answers the tap and marks the tapped question with its answer.

    The replies are sent from this task before it yields (as a task of their own they would
    wait behind every other update of the batch); the other two go alongside.
    """
    data = context.bot_data
    if outcome.repeat and data.webhook_replies is not None:
        # Telegram posts a webhook update again only when it was not acknowledged, so its
        # replies may never have gone out: the person is shown where they are now instead.
        person = replace(person_of(update), input_id=None)
        outcome = await data.database.run(data.conversation.current, person)
        outcome.handled_tap = update.callback_query is not None
    if log.isEnabledFor(logging.DEBUG):  # what is sent, never to whom or with which answers
        sent = ", ".join(reply.template for reply in outcome.replies) or "nothing"
        log.debug("replies: %s%s", sent, " (a repeat)" if outcome.repeat else "")
    alongside: list[asyncio.Future[None]] = []
    query = update.callback_query
    if query is not None and not outcome.repeat:  # a repeated delivery was answered before
        alongside.append(asyncio.ensure_future(answer_tap(update, context)))
    if query is not None and isinstance(query.message, Message) and outcome.handled_tap:
        data.live_buttons.discard(query.message.chat_id, query.message.message_id)
        alongside.append(asyncio.ensure_future(close_tapped(context, query.message, outcome)))
    chat = update.effective_chat
    if chat is not None and closes_earlier(outcome):
        for earlier in data.live_buttons.take(chat.id):
            alongside.append(asyncio.ensure_future(close_copy(context.bot, chat.id, earlier)))
    if outcome.notices:  # to other people's chats, at their own pace, after this reply
        context.application.create_task(send_notices(context, outcome.notices), name="notices")
    try:
        await send_replies(update, context, outcome)
    finally:
        results = await asyncio.gather(*alongside, return_exceptions=True)
    if failed := next((r for r in results if isinstance(r, BaseException)), None):
        raise failed


async def send_replies(update: Update, context: Context, outcome: Outcome) -> None:
    """Sends every reply in order: cards as QR pictures, results with their chart first."""
    data = context.bot_data
    renderer = data.renderer
    chat = update.effective_chat
    assert chat is not None
    for reply in outcome.replies:
        rendered = renderer.render(reply, outcome.language)
        document = reply.data.get("document")
        if isinstance(document, Document):  # a report file, its text as the caption
            await context.bot.send_document(
                chat.id, document.content, filename=document.filename, caption=rendered.text
            )
            continue
        if reply.template in CARDS:  # the link as a QR code, the text as its caption
            from bot.pictures.qr import qr_png, team_card_png  # on first use: leads only

            link = renderer.deep_link + reply.data[CARDS[reply.template]].code
            if reply.template == "team_card":  # a card to print: the name, an invitation, the QR
                link = team_link(renderer, reply.data["team"].code)
                words = renderer.dialogue.locale(outcome.language).messages
                name, invitation = reply.data["team"].name, words["team_card_invite"]
                picture = await data.painter.draw(team_card_png, link, name, invitation)
            else:
                picture = qr_png(link)
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                    for row in rendered.buttons
                ]
            )
            await context.bot.send_photo(
                chat.id,
                picture,
                caption=rendered.text,
                reply_markup=markup if rendered.buttons else None,
            )
            continue
        if reply.template == "team_poster":  # a PDF to print, as a document
            from bot.pictures.poster import team_poster_pdf  # on first use: leads only

            words = renderer.dialogue.locale(outcome.language).messages
            team, size = reply.data["team"], reply.data["size"]
            link = team_link(renderer, team.code)
            invitation, label = words["team_card_invite"], words["team_poster_link"]
            pdf = await data.painter.draw(team_poster_pdf, link, team.name, invitation, label, size)
            document = InputFile(pdf, filename=f"team-{size.lower()}.pdf")
            await context.bot.send_document(chat.id, document, caption=rendered.text)
            continue
        if reply.data.get("answer_by_reply"):  # the next words are typed as a reply to this
            words = renderer.dialogue.locale(outcome.language).messages
            placeholder = words[reply.data.get("hint") or "team_name_hint"]
            force = ForceReply(input_field_placeholder=placeholder)
            await context.bot.send_message(chat.id, rendered.text, reply_markup=force)
            continue
        if reply.template in ("team_result", "summary"):  # the picture first, then the words
            # On first use: Pillow and the fonts, which an interview never needs.
            from bot.pictures.charts import summary_chart, team_chart

            locale = renderer.dialogue.locale(outcome.language)
            if reply.template == "summary":
                picture = await data.painter.draw(summary_chart, reply.data["placement"], locale)
            else:
                picture = await data.painter.draw(team_chart, reply.data, locale)
            await context.bot.send_photo(chat.id, picture)
        *first_parts, last_part = split_text(rendered.text)
        for part in first_parts:  # only long overviews (/mijngegevens) need more than one
            await send_text(context.bot, chat.id, part)
        sent = await send_text(context.bot, chat.id, last_part, keyboard(rendered.buttons))
        if has_interview_buttons(rendered):
            data.live_buttons.add(chat.id, sent["message_id"])
        if reply.template == "team_kit":  # the words in the chat, then the page to print
            await send_kit_page(context, chat.id, reply.data, outcome.language)


async def send_kit_page(
    context: Context, chat_id: int, kit: dict[str, Any], language: str | None
) -> None:
    """Sends the conversation kit as an A4 PDF, drawn in the drawing thread."""
    from bot.pictures.kit_pdf import kit_pdf  # on first use: only team leads need it

    data = context.bot_data
    locale = data.renderer.dialogue.locale(language)
    page = await data.painter.draw(kit_pdf, kit, locale)
    team, wave = kit["team"], kit["wave"]
    name = "-".join("".join(c if c.isalnum() else " " for c in team.name).split()) or "team"
    caption = locale.messages["kit_pdf_caption"]
    await context.bot.send_document(
        chat_id, page, filename=f"werkoverleg-{name}-ronde-{wave}.pdf", caption=caption
    )


def closes_earlier(outcome: Outcome) -> bool:
    """True when the outcome makes every earlier interview button out of date."""
    return any(
        reply.template in CLOSE_EARLIER_TEMPLATES or reply.data.get("key") in CLOSE_EARLIER_KEYS
        for reply in outcome.replies
    )


async def close_copy(bot: Bot, chat_id: int, message_id: int) -> None:
    """Takes the buttons off an older interview message; if that fails, it keeps them.

    A message deleted by the person or too old to edit is no reason to fail the update:
    a tap on its buttons still gets a friendly answer.
    """
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as error:
        log.info("an older copy kept its buttons: %s", type(error).__name__)


async def answer_tap(update: Update, context: Context) -> None:
    """Stops the button's spinner; in webhook mode the answer rides on the HTTP response."""
    query = update.callback_query
    assert query is not None
    webhook_replies = context.bot_data.webhook_replies
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


async def close_tapped(context: Context, tapped: Message, outcome: Outcome) -> None:
    """Shows the chosen answer in place of the buttons, so the chat reads back well."""
    renderer = context.bot_data.renderer
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


# sendMessage and editMessageText go through PTB's `do_api_request`: the same rate limiter and
# retries, but Telegram's answer is returned as it came instead of being built into a Message
# (0.25 ms of CPU each, about a seventh of a tap's, for an object every tap throws away).
# Defaults do not apply to it, so the parse mode is set here.


async def send_text(
    bot: Bot, chat_id: int, text: str, buttons: str | None = None
) -> dict[str, Any]:
    """Sends an HTML message, with buttons (a keyboard in JSON) if there are any.

    Returns the sent message as Telegram describes it (its `message_id`, for one).
    """
    call: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if buttons is not None:
        call["reply_markup"] = buttons
    sent: dict[str, Any] = await bot.do_api_request("sendMessage", api_kwargs=call)
    return sent


async def replace_text(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    """Replaces a message's text (and so drops its buttons)."""
    call = dict(chat_id=chat_id, message_id=message_id, text=text, parse_mode=ParseMode.HTML)
    await bot.do_api_request("editMessageText", api_kwargs=call)


async def send_notices(context: Context, notices: list[Notice]) -> None:
    """Sends each notice at its moment; one that fails is logged and not tried again."""
    renderer = context.bot_data.renderer
    spacing = context.bot_data.reminder_spacing
    previous = utcnow() - spacing
    for notice in notices:
        # After a late one, the next keep their distance instead of catching up in a burst.
        previous = max(notice.send_at, previous + spacing)
        await asyncio.sleep((previous - utcnow()).total_seconds())
        rendered = renderer.render(notice.reply, notice.language)
        chat_id = int(notice.address)
        try:
            sent = await send_text(context.bot, chat_id, rendered.text, keyboard(rendered.buttons))
        except TelegramError as error:  # blocked the bot, or Telegram refused: once is enough
            log.info("reminder not sent: %s", type(error).__name__)
            continue
        if has_interview_buttons(rendered):  # closed when the question follows
            context.bot_data.live_buttons.add(chat_id, sent["message_id"])
