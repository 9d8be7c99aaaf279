"""The web channel as `python -m bot web` serves it: uvicorn with its configuration, in this
event loop on a free local port. What reaches the app is bounded before the app sees it:
a request head too large or too slow closes the connection; everyone else is served on.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import uvicorn
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.settings import Settings
from bot.web.app import WebChannel
from bot.web.server import HEAD_BYTES, BoundedHead, bot_username, server_config
from dialogues.loader import Dialogue
from storage.db import make_engine, sqlite_url
from storage.models import Respondent
from tests.fakebotapi import BOT_USER, FakeBotApi
from tests.flow import TEST_KEY
from tests.harness import TOKEN, start_and_consent, start_webhook_worker, wait_until_serving


@pytest.fixture
async def address(tmp_path: Path, dialogue: Dialogue) -> AsyncIterator[tuple[str, int]]:
    engine = make_engine(sqlite_url(tmp_path))
    channel = WebChannel(Conversation(engine, dialogue, TEST_KEY), Renderer(dialogue), TEST_KEY)
    server = uvicorn.Server(server_config(channel, "127.0.0.1", 0))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the web server did not start"
        await asyncio.sleep(0.01)
    yield "127.0.0.1", server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await serving
    engine.dispose()


async def landing_status(host: str, port: int) -> int:
    async with aiohttp.ClientSession() as client, client.get(f"http://{host}:{port}/") as response:
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "server" not in response.headers
        return response.status


async def test_a_request_head_too_large_is_cut_off(address: tuple[str, int]) -> None:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (2 * HEAD_BYTES) + b"\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, nothing answered
    writer.close()
    assert await landing_status(*address) == 200


async def test_half_sent_heads_are_closed_and_do_not_stop_a_person(
    address: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BoundedHead, "head_seconds", 0.5)
    streams = [await asyncio.open_connection(*address) for _ in range(50)]
    for _, writer in streams:
        writer.write(b"POST /knop HTTP/1.1\r\nHost: x\r\nContent-Le")
    assert await landing_status(*address) == 200
    closed = await asyncio.wait_for(asyncio.gather(*(r.read() for r, _ in streams)), 10)
    assert all(data == b"" for data in closed)
    for _, writer in streams:
        writer.close()


async def test_the_webhook_worker_serves_the_web_pages_beside_telegram(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """One deployment, both ways in: a person on Telegram and one in a browser, one database."""
    process, url = await start_webhook_worker(api, tmp_path, tmp_path / "worker.log")
    try:
        await wait_until_serving(url)
        await api.wait_for_webhook()
        ida = api.user(8401, "Ida")
        await start_and_consent(api, ida)
        assert "Vraag 1 van" in ida.last["plain"]
        site = url.rsplit("/", 1)[0]
        jar = aiohttp.CookieJar(unsafe=True)  # the cookie of a site at an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            async with browser.get(f"{site}/t/some-team") as landing:
                assert landing.status == 200
                page = await landing.text()
            # The pages learnt the bot's name from the worker: the way in offers the app too.
            assert f'href="https://t.me/{BOT_USER["username"]}?start=some-team"' in page
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf is not None
            form = {"csrf": csrf[1], "data": "web:start"}
            async with browser.post(f"{site}/knop", data=form) as started:
                assert started.status == 200 and "toestemming" in await started.text()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    with Session(make_engine(sqlite_url(tmp_path))) as session:
        assert len(session.exec(select(Respondent)).all()) == 2


async def test_pages_on_their_own_learn_the_bots_name_from_telegram(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """`python -m bot web` with a token asks getMe once; with no answer it offers the web only."""
    token = SecretStr(TOKEN)
    found = await bot_username(Settings(telegram_bot_token=token, telegram_base_url=api.base_url))
    assert found == BOT_USER["username"]
    nobody = Settings(telegram_bot_token=token, telegram_base_url="http://127.0.0.1:9/bot")
    assert await bot_username(nobody) is None
    assert await bot_username(Settings(data_dir=tmp_path)) is None  # no token: no Telegram
