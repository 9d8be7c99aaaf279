"""The web channel as `python -m bot web` serves it: uvicorn with its configuration, in this
event loop on a free local port. What reaches the app is bounded before the app sees it:
a request head too large or too slow closes the connection; everyone else is served on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import uvicorn

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.web.app import WebChannel
from bot.web.server import HEAD_BYTES, BoundedHead, server_config
from dialogues.loader import Dialogue
from storage.db import make_engine, sqlite_url
from tests.flow import TEST_KEY


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
