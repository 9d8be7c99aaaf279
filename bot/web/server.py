"""`python -m bot web`: the web channel served by uvicorn on PORT, with the same database."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from telegram import Bot
from telegram.error import TelegramError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.app import build_conversation, build_renderer, open_secrets
from bot.service.teams import Teams
from bot.settings import Settings
from bot.web.app import WebChannel
from bot.web.guards import MAX_BODY

log = logging.getLogger(__name__)
CONNECTIONS = 500  # beyond this uvicorn answers 503 instead of holding a file each
# A request head (the URL and headers) larger than this, or not complete this long after the
# connection opened, is not a browser's: the connection is closed. uvicorn bounds neither.
HEAD_BYTES = 16 * 1024
HEAD_SECONDS = 10.0


class BoundedHead(HttpToolsProtocol):
    """uvicorn's httptools connection, closed when a request head is too large or too slow."""

    head_seconds = HEAD_SECONDS

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.head_bytes = 0
        self.deadline = self.loop.call_later(self.head_seconds, self._close_if_silent)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:  # a head is on its way
            self.head_bytes += len(data)
            if self.head_bytes > HEAD_BYTES:
                self.transport.close()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self.head_bytes = 0
        super().on_headers_complete()

    def _close_if_silent(self) -> None:
        if self.cycle is None:  # no whole head yet: after that uvicorn's timeouts apply
            self.transport.close()


def web_channel(settings: Settings) -> WebChannel:
    conversation = build_conversation(settings)
    key = open_secrets(settings, conversation.engine).pseudonym_key
    return WebChannel(conversation, build_renderer(settings, conversation), key)


async def bot_username(settings: Settings) -> str | None:
    """The Telegram bot's name by getMe, when a token is set; None if Telegram cannot say."""
    if settings.telegram_bot_token is None:
        return None
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_base_url)
    try:
        async with bot:  # initialize() asks getMe
            return bot.username
    except TelegramError as error:  # the pages work without the Telegram way in
        log.warning("the web pages offer no Telegram link: %s", type(error).__name__)
        return None


def server_config(channel: WebChannel, host: str, port: int) -> uvicorn.Config:
    assert MAX_BODY < HEAD_BYTES
    return uvicorn.Config(
        channel.app(housekeeping=True),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # an access log would keep addresses: none are stored
        lifespan="on",  # the daily tidy runs beside the pages
        http=BoundedHead,
        limit_concurrency=CONNECTIONS,
        timeout_keep_alive=5,
        server_header=False,
    )


def run_web(settings: Settings) -> int:
    """Serves the scan as web pages until stopped; a reverse proxy adds TLS in front.

    Alone, the pages also close rounds at their end date; with a token they learn the bot's
    name, so the way in offers Telegram too.
    """
    channel = web_channel(settings)
    channel.close_due_rounds = Teams(
        channel.conversation.people, settings.min_group_size
    ).close_due_rounds
    username = asyncio.run(bot_username(settings))
    if username:
        channel.knows_bot(username)
    config = server_config(channel, settings.webhook_listen, settings.port)
    log.info("serving the web scan on port %d", settings.port)
    uvicorn.Server(config).run()
    return 0
