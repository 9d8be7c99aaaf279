"""The Bot API transport: PTB's request contract on aiohttp, behind an organisation's proxy."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bot.telegram.transport import AiohttpRequest

# A name that never resolves: an answer can only have come through the proxy.
UNREACHABLE = "http://api.telegram.invalid/bot123:abc/getMe"


async def test_calls_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, str, str]] = []
    credentials: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append((request.method, request.host, request.path))
        credentials.append(request.headers.get("Proxy-Authorization", ""))
        return web.json_response({"ok": True, "result": {"id": 123}})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://it%40dept:s3cret@127.0.0.1:{port}")
    request = AiohttpRequest()
    await request.initialize()
    try:
        status, body = await request.do_request(UNREACHABLE, "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert status == 200
    assert b'"ok": true' in body
    assert seen == [("POST", "api.telegram.invalid", "/bot123:abc/getMe")]
    assert credentials == [aiohttp.encode_basic_auth("it@dept", "s3cret")]


async def test_a_host_named_in_no_proxy_is_reached_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def api(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    request = AiohttpRequest()
    await request.initialize()
    try:
        status, _ = await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert status == 200


async def test_an_unreachable_api_is_a_network_error_not_a_crash() -> None:
    from telegram.error import NetworkError

    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
