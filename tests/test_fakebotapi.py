"""The fake Bot API refuses what Telegram refuses, so `rejected == []` elsewhere means something."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, TelegramError

from tests.fakebotapi import FakeBotApi

TOKEN = "123456:TEST-token_for-the-fake-api"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("<b>open", "can't find end tag"),
        ("a <br> b", "unsupported start tag"),
        ("Tom & Jerry", "unsupported entity"),
        ("1 < 2", "unexpected '<'"),
        ("<b><i>crossed</b></i>", "unexpected end tag"),
        ("   ", "message text is empty"),
        ("x" * 4097, "message text is too long"),
    ],
)
async def test_html_telegram_cannot_parse_is_refused(
    api: FakeBotApi, bot: Bot, text: str, fault: str
) -> None:
    api.user(1, "Ada")
    with pytest.raises(BadRequest, match=f"(?i){re.escape(fault)}"):
        await bot.send_message(1, text, parse_mode=ParseMode.HTML)
    assert api.rejected and fault in api.rejected[-1][1]


async def test_valid_html_is_delivered_as_visible_text(api: FakeBotApi, bot: Bot) -> None:
    ada = api.user(1, "Ada")
    sent = await bot.send_message(1, "<b>Tom &amp; Jerry</b> &lt;3 &#39;", parse_mode="HTML")
    assert sent.text == "Tom & Jerry <3 '"
    assert ada.last["text"] == "<b>Tom &amp; Jerry</b> &lt;3 &#39;"
    assert api.rejected == []


async def test_button_limits_are_enforced(api: FakeBotApi, bot: Bot) -> None:
    api.user(1, "Ada")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1, "hi", reply_markup=too_long)
    wide = InlineKeyboardMarkup(
        [[InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(9)]]
    )
    with pytest.raises(BadRequest, match=r"(?i)too many buttons"):
        await bot.send_message(1, "hi", reply_markup=wide)


async def test_edits_follow_telegram(api: FakeBotApi, bot: Bot) -> None:
    ada = api.user(1, "Ada")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="a:ja")]])
    sent = await bot.send_message(1, "Doe je mee?", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Doe je mee?", 1, sent.message_id, reply_markup=markup)
    await bot.edit_message_text("Doe je mee? Ja", 1, sent.message_id)
    assert ada.last["text"] == "Doe je mee? Ja"
    assert not ada.last["reply_markup"], "an edit without markup removes the keyboard"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1, 999)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(2, "hallo")


async def test_taps_become_callback_queries_that_must_be_answered_once(
    api: FakeBotApi, bot: Bot
) -> None:
    ada = api.user(1, "Ada")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Ja, ik doe mee", callback_data="ok")]])
    await bot.send_message(1, "Doe je mee?", reply_markup=markup)
    await ada.tap("✅ Ja")
    (update,) = await bot.get_updates(timeout=1)
    assert update.callback_query is not None and update.callback_query.data == "ok"
    assert api.unanswered_callback_queries() == [update.callback_query.id]
    await update.callback_query.answer()
    assert api.unanswered_callback_queries() == []
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_long_poll_returns_as_soon_as_a_person_types(api: FakeBotApi, bot: Bot) -> None:
    ada = api.user(1, "Ada")
    await ada.send("/start team7")
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.text == "/start team7"
    assert update.message.entities[0].type == "bot_command"


async def test_a_second_poll_ends_the_first_with_a_conflict(api: FakeBotApi) -> None:
    # Two connections (PTB's own client waits for its single polling connection instead).
    url = f"{api.base_url}{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as client:
        first = asyncio.create_task(client.post(url, json={"timeout": 5}))
        await asyncio.sleep(0.2)
        second = asyncio.create_task(client.post(url, json={"timeout": 5}))
        ended = await asyncio.wait_for(first, 2)
        assert ended.status == 409
        assert "terminated by other getUpdates" in (await ended.json())["description"]
        await api.user(7, "Ada").send("hoi")
        answered = await asyncio.wait_for(second, 2)
        (update,) = (await answered.json())["result"]
        assert update["message"]["text"] == "hoi"


async def test_webhook_delivery_keeps_each_chat_in_order_and_redelivers_failures(
    api: FakeBotApi, bot: Bot
) -> None:
    ada, bea = api.user(1, "Ada"), api.user(2, "Bea")
    arrived: list[tuple[int, str]] = []
    first_of_ada = asyncio.Event()
    refused_once: set[int] = set()

    async def receive(request: web.Request) -> web.Response:
        update = await request.json()
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        arrived.append((update["message"]["chat"]["id"], update["message"]["text"]))
        if update["message"]["text"] == "ada 1":
            await first_of_ada.wait()  # Ada's first update is slow to handle
        if update["message"]["text"] == "bea 2" and update["update_id"] not in refused_once:
            refused_once.add(update["update_id"])
            return web.Response(status=500)
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict):
            await bot.get_updates()
        for text in ("ada 1", "ada 2"):
            await ada.send(text)
        for text in ("bea 1", "bea 2", "bea 3"):
            await bea.send(text)
        while len([a for a in arrived if a[0] == 2]) < 4:  # bea 2 comes twice
            await asyncio.sleep(0.02)
        assert (1, "ada 2") not in arrived, "Ada's second waits for her first"
        first_of_ada.set()
        await api.settle()
    finally:
        await runner.cleanup()
    assert [text for chat, text in arrived if chat == 1] == ["ada 1", "ada 2"]
    assert [text for chat, text in arrived if chat == 2] == ["bea 1", "bea 2", "bea 2", "bea 3"]


async def test_command_menus_are_kept_per_scope_and_found_like_telegram(
    api: FakeBotApi, bot: Bot
) -> None:
    ada = api.user(1, "Ada")
    await bot.set_my_commands([BotCommand("start", "Begin")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    chat = BotCommandScopeChat(ada.id)
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("hr", "HR")], scope=chat)
    assert api.menu(ada.id) == ["start", "hr"]
    assert api.menu(ada.id, "en") == ["start", "hr"]  # the chat's list beats the language's
    assert api.menu(2, "en") == ["start"] and api.menu(2, "de") == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=chat)] == ["start", "hr"]
    await bot.delete_my_commands(scope=chat)
    assert api.menu(ada.id) == ["start"]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.set_my_commands([BotCommand("x", "y")], scope=BotCommandScopeChat(404))
    assert api.rejected[-1] == ("setMyCommands", "Bad Request: chat not found")


async def test_a_keyboard_can_be_taken_off_once(api: FakeBotApi, bot: Bot) -> None:
    ada = api.user(1, "Ada")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="a:q:ja")]])
    sent = await bot.send_message(1, "Vraag?", reply_markup=markup)
    await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=None)
    assert not ada.last.get("reply_markup")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(1, 999, reply_markup=None)


async def test_documents_are_named_uploads_of_at_most_50_mb(api: FakeBotApi, bot: Bot) -> None:
    ada = api.user(1, "Ada")
    table = b"groep;mensen\nKeuken;5\n"
    caption = "<b>Cijfers</b>"
    sent = await bot.send_document(
        1, table, filename="cijfers.csv", caption=caption, parse_mode=ParseMode.HTML
    )
    assert sent.document is not None and sent.document.file_name == "cijfers.csv"
    assert sent.document.file_size == len(table) and sent.caption == "Cijfers"
    assert ada.last["document"]["content"] == table
    with pytest.raises(TelegramError, match=r"(?i)too large"):
        await bot.send_document(1, b"x" * (50 * 1024 * 1024 + 1), filename="groot.html")
    assert api.rejected[-1] == ("sendDocument", "Request Entity Too Large")
    with aiohttp.MultipartWriter("form-data") as form:  # a file part without a file name
        form.append("1").set_content_disposition("form-data", name="chat_id")
        unnamed = form.append(table, {"Content-Type": "text/csv"})
        unnamed.set_content_disposition("form-data", name="document")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{TOKEN}/sendDocument", data=form) as response,
    ):
        assert response.status == 400
    assert api.rejected[-1] == ("sendDocument", "Bad Request: there is no document in the request")
    assert [m for m in ada.messages if "document" in m] == [ada.messages[0]]
