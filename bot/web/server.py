"""`python -m bot web`: the web channel served by uvicorn on PORT, with the same database."""

from __future__ import annotations

import logging

import uvicorn

from bot.app import build_conversation, build_renderer, open_secrets
from bot.settings import Settings
from bot.web.app import MAX_BODY, WebChannel

log = logging.getLogger(__name__)
CONNECTIONS = 500  # beyond this uvicorn answers 503 instead of holding a file each
HEAD_BYTES = 16 * 1024


def web_channel(settings: Settings) -> WebChannel:
    conversation = build_conversation(settings)
    key = open_secrets(settings, conversation.engine).pseudonym_key
    return WebChannel(conversation, build_renderer(settings, conversation), key)


def run_web(settings: Settings) -> int:
    """Serves the scan as web pages until stopped; a reverse proxy adds TLS in front."""
    channel = web_channel(settings)
    assert MAX_BODY < HEAD_BYTES
    config = uvicorn.Config(
        channel.app(housekeeping=True),
        host=settings.webhook_listen,
        port=settings.port,
        log_level="warning",
        access_log=False,  # an access log would keep addresses: none are stored
        lifespan="on",  # the daily tidy runs beside the pages
        limit_concurrency=CONNECTIONS,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=HEAD_BYTES,
        server_header=False,
    )
    log.info("serving the web scan on port %d", settings.port)
    uvicorn.Server(config).run()
    return 0
