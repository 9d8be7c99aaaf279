"""Webhook mode: Telegram posts each update to a small Starlette app served by uvicorn.

In the style of PTB's custom-webhook example, with one difference that matters: an update is
acknowledged only after it was processed and stored. A crash before that leaves Telegram
without an answer, so it delivers the update again (to this worker or another one behind the
load balancer); the update_id kept in the database makes that second delivery harmless.
Telegram sends one chat's updates one at a time, each after the previous one was
acknowledged, so a person's taps stay in order even when they land on different workers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp
from telegram import Update
from telegram.error import Forbidden
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.app import open_secrets
from bot.settings import Settings
from bot.telegram.application import build_application, set_up
from bot.telegram.context import App, Context
from bot.telegram.sending import WebhookReplies
from bot.tuning import tune_process

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kB (a message is at most 4,096 characters); anything far larger is not
# Telegram's. A connection gets this long to send a whole request, the body as long again.
MAX_UPDATE_BYTES = 1024 * 1024
REQUEST_SECONDS = 10.0
# Connections served at once, beyond Telegram's own (WEBHOOK_MAX_CONNECTIONS, at most 100):
# room for health checks; more get a 503 instead of holding a file each.
CONNECTIONS = 200
HEAD_BYTES = 16 * 1024


class RequestDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 connection, closed when no whole request head came in time.

    uvicorn waits for a silent or half-sent first request forever; a few hundred such
    connections would each hold a file descriptor and a place among the connections.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.deadline = self.loop.call_later(REQUEST_SECONDS, self._close_if_silent)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.cancel()
        super().connection_lost(exc)

    def _close_if_silent(self) -> None:
        if self.cycle is None:  # no request head yet: after that uvicorn's timeouts apply
            self.transport.close()


SECRET_FORM = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts


def webhook_secret(settings: Settings, application: App) -> str:
    """The secret from the settings, or the one generated once into the key file."""
    secret = open_secrets(settings, application.bot_data.database.engine).webhook_secret
    if not SECRET_FORM.match(secret):
        raise SystemExit("WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -.")
    return secret


async def process_now(application: App, update: Update) -> None:
    """Processes the update through the application's processor; returns when it is done."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def process_and_report() -> None:
        try:
            await application.process_update(update)
        except BaseException as error:
            done.set_exception(error)
            raise
        done.set_result(None)

    # The processor keeps one person's updates in order and bounds how many run at once.
    await application.update_processor.process_update(update, process_and_report())
    await done


def webhook_app(
    application: App, secret: str, path: str, beside: ASGIApp | None = None
) -> Starlette:
    """The ASGI app: Telegram's updates at `path`, and a health check for the load balancer.

    `beside` serves every other path: the web channel, so one deployment serves both.
    """
    replies = WebhookReplies()
    application.bot_data.webhook_replies = replies
    failed: set[int] = set()

    async def remember_failure(update: object, context: Context) -> None:
        # Someone who blocked the bot cannot be answered however often Telegram retries.
        if isinstance(update, Update) and not isinstance(context.error, Forbidden):
            failed.add(update.update_id)

    application.add_error_handler(remember_failure)

    async def telegram(request: Request) -> Response:
        """Processes one update and acknowledges it only once it is done."""
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")  # as received
        if not hmac.compare_digest(given, secret.encode()):
            return Response(status_code=403)
        if int(request.headers.get("content-length") or 0) > MAX_UPDATE_BYTES:
            return Response(status_code=413)
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                body = await _bounded_body(request)
            update = Update.de_json(json.loads(body), application.bot)
        except TimeoutError:
            return Response(status_code=408)
        except _TooLarge:
            return Response(status_code=413)
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        await process_now(application, update)
        call = replies.pop(update.update_id)
        if update.update_id in failed:  # not acknowledged: Telegram sends it again
            failed.discard(update.update_id)
            return Response(status_code=500)
        return JSONResponse(call) if call else Response()

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    routes: list[BaseRoute] = [Route(path, telegram, methods=["POST"]), Route("/healthz", health)]
    if beside is not None:
        routes.append(Mount("/", app=beside))
    return Starlette(routes=routes)


class _TooLarge(Exception):
    """The body grew past MAX_UPDATE_BYTES."""


async def _bounded_body(request: Request) -> bytes:
    """The request body, read no further than MAX_UPDATE_BYTES."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            raise _TooLarge
    return bytes(body)


async def serve(
    application: App,
    settings: Settings,
    sockets: list[socket.socket] | None = None,
    beside: ASGIApp | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Registers the webhook, then serves it until the process is told to stop."""
    assert settings.webhook_url is not None
    secret = webhook_secret(settings, application)
    path = urlsplit(settings.webhook_url).path or "/"
    config = uvicorn.Config(
        webhook_app(application, secret, path, beside),
        host=settings.webhook_listen,
        port=settings.port,
        log_level="warning",
        access_log=False,  # a line per tap says nothing a failure log does not
        lifespan="off",
        http=RequestDeadline,
        limit_concurrency=CONNECTIONS,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=HEAD_BYTES,
    )
    server = uvicorn.Server(config)
    application.bot_data.webhook_server = server
    async with application:  # initialize() first, then what run_polling's post_init does
        await set_up(application)
        if on_ready is not None and application.bot.username:
            on_ready(application.bot.username)
        await application.start()
        serving = asyncio.create_task(server.serve(sockets))
        while not server.started and not serving.done():  # listen first, then tell Telegram
            await asyncio.sleep(0.01)
        if server.started:
            await application.bot.set_webhook(
                settings.webhook_url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
                max_connections=settings.webhook_max_connections,
            )
            log.info("serving the webhook on port %d", settings.port)
        await serving
        await application.stop()
    application.bot_data.painter.close()


def run_webhook(
    settings: Settings,
    beside: ASGIApp | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> int:
    """Runs the bot as a webhook worker until stopped; several can serve one bot.

    `on_ready` learns the bot's name once Telegram told it (the web pages beside offer it).
    """
    if not settings.webhook_url:
        raise SystemExit("Set WEBHOOK_URL to the public https URL Telegram should post to.")
    application = build_application(settings)
    tune_process()
    asyncio.run(serve(application, settings, beside=beside, on_ready=on_ready))
    return 0
