"""Webhook mode through the real PTB application: the local Bot API server posts the updates.

The server delivers as Telegram does: with the secret header, one chat's updates one at a time,
the next only after the previous one was acknowledged, and again after a failed POST.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.settings import Settings
from bot.telegram.webhook import run_webhook
from storage.db import make_engine
from storage.models import Respondent
from tests.fakebotapi import FakeBotApi
from tests.harness import (
    TOKEN,
    bot_by_webhook_in_this_loop,
    start_and_consent,
    stored_answers,
    tap_and_settle,
)
from tests.test_outbound_calls import calls_since

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def webhook_bot(api: FakeBotApi, tmp_path: Path, database_url: str) -> AsyncIterator[Path]:
    async for data_dir in bot_by_webhook_in_this_loop(api, tmp_path, database_url=database_url):
        yield data_dir


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
    api: FakeBotApi, webhook_bot: Path, database_url: str
) -> None:
    assert api.webhook is not None and api.webhook["secret_token"]
    ida = api.user(8301, "Ida")
    start = {
        "update_id": 9_000_001,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "from": ida.chat.user,
            "chat": ida.chat.as_telegram(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with aiohttp.ClientSession() as client:
        for headers in ({SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: "géén"}, {}):
            async with client.post(api.webhook["url"], json=start, headers=headers) as response:
                assert response.status == 403
    await api.settle()
    assert ida.messages == []
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert session.exec(select(Respondent)).all() == []
    engine.dispose()

    await ida.send("/start")  # the same, delivered by Telegram with the right secret
    await api.settle()
    assert "Welkom bij de leercultuurscan" in ida.messages[-2]["plain"]


async def test_a_tap_by_webhook_costs_two_calls_and_answers_in_the_response(
    api: FakeBotApi, webhook_bot: Path
) -> None:
    jan = api.user(8302, "Jan")
    await start_and_consent(api, jan)
    start, replies = len(api.calls), len(api.webhook_replies)
    await jan.tap("👷 Medewerker")
    await api.settle()
    assert calls_since(api, start) == Counter({"editMessageText": 1, "sendMessage": 1})
    assert [method for method, _ in api.webhook_replies[replies:]] == ["answerCallbackQuery"]
    assert "Vraag 2 van" in jan.last["plain"]
    assert api.unanswered_callback_queries() == []
    assert api.rejected == []


async def test_a_failed_update_is_not_acknowledged_and_its_redelivery_answers(
    api: FakeBotApi, webhook_bot: Path, database_url: str
) -> None:
    kim = api.user(8303, "Kim")
    await start_and_consent(api, kim)
    api.fail_next("sendMessage", 400, "Bad Request: something Telegram did not like")
    tap = len(api.webhook_deliveries)
    await kim.tap("👷 Medewerker")
    await api.settle()
    outcomes = [outcome for _, _, outcome in api.webhook_deliveries[tap:]]
    assert outcomes == [500, 200]  # refused once, so Telegram delivered it again
    assert "Vraag 2 van" in kim.last["plain"]
    assert sum("Vraag 2 van" in m["plain"] for m in kim.messages) == 1
    assert stored_answers(database_url).count(("rol", "medewerker")) == 1
    assert api.unanswered_callback_queries() == []


async def test_an_update_from_someone_who_blocked_the_bot_is_acknowledged(
    api: FakeBotApi, webhook_bot: Path, database_url: str
) -> None:
    lot = api.user(8304, "Lot")
    await start_and_consent(api, lot)
    api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", count=5)
    tap = len(api.webhook_deliveries)
    await lot.tap("👷 Medewerker")
    await api.settle()
    # Retrying cannot reach her: acknowledged once, and her answer is kept.
    assert [outcome for _, _, outcome in api.webhook_deliveries[tap:]] == [200]
    assert ("rol", "medewerker") in stored_answers(database_url)


def test_webhook_mode_without_a_public_url_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    with pytest.raises(SystemExit, match="WEBHOOK_URL"):
        run_webhook(Settings())


async def test_an_oversized_body_is_refused_without_being_read_whole(
    api: FakeBotApi, webhook_bot: Path
) -> None:
    assert api.webhook is not None
    headers = {SECRET_HEADER: api.webhook["secret_token"]}
    huge = b'{"update_id": 1, "message": {"text": "' + b"x" * (2 * 1024 * 1024) + b'"}}'

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: read until too much
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    async with aiohttp.ClientSession() as client:
        async with client.post(api.webhook["url"], data=huge, headers=headers) as response:
            assert response.status == 413
        async with client.post(api.webhook["url"], data=chunks(), headers=headers) as response:
            assert response.status == 413
    ida = api.user(8302, "Ida")
    await start_and_consent(api, ida)
    assert "Vraag 1 van" in ida.last["plain"], "the worker serves on"


async def test_half_open_connections_are_closed_and_do_not_stop_a_person(
    api: FakeBotApi, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of clients that connect and send half a request head, then nothing."""
    monkeypatch.setattr("bot.telegram.webhook.REQUEST_SECONDS", 1.0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the test holds both ends
    count = min(1100, (hard - 200) // 2)
    try:
        async for _ in bot_by_webhook_in_this_loop(api, tmp_path, database_url=database_url):
            assert api.webhook is not None
            url = urlsplit(api.webhook["url"])
            streams = [await asyncio.open_connection(url.hostname, url.port) for _ in range(count)]
            for _, writer in streams:
                writer.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Le")
            started = time.monotonic()
            ida = api.user(8303, "Ida")
            await start_and_consent(api, ida)
            await tap_and_settle(api, ida, "👷 Medewerker")
            assert "Vraag 2 van" in ida.last["plain"]
            closed = await asyncio.wait_for(
                asyncio.gather(*(reader.read() for reader, _ in streams)), 15
            )
            assert all(data == b"" for data in closed), "each half-open one was closed"
            assert time.monotonic() - started < 15
            for _, writer in streams:
                writer.close()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
