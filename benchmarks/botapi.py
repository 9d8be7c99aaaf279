"""A lean local Bot API server for load: the calls a bot makes, a round-trip delay, no checks.

`tests/fakebotapi.py` checks every message the way Telegram does (HTML, limits, edits) and
keeps whole chats; that costs CPU in the same process as the simulated respondents. Here only
what the load needs is kept: the last keyboard per chat, call counts, and a hook that tells a
respondent when a message reaches its chat.

The delay models the network: half of it before the server acts on a request (the way there),
half after (the way back). A message is visible to its respondent once the server acts on it.
Updates are fetched with getUpdates (long polling) or POSTed to webhook URLs, round robin.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {
    "id": 999_000_222,
    "is_bot": True,
    "first_name": "Benchmark",
    "username": "leercultuur_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SEND_METHODS = {"sendmessage", "sendphoto", "editmessagetext", "editmessagereplymarkup"}
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections for a webhook
# A killed bot drops its open requests; that is the point of the test, not an error.
logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class BotMessage:
    """A message as it reaches a respondent: which call, which chat, which buttons."""

    method: str
    chat_id: int
    message_id: int
    text: str
    buttons: tuple[str, ...]  # callback_data of every inline button, in order


MessageHook = Callable[[BotMessage], None]


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update belongs to (for a tap: the chat of the tapped message)."""
    if "callback_query" in update:
        return update["callback_query"]["message"]["chat"]["id"]
    return update["message"]["chat"]["id"]


class LeanBotApi:
    """The Bot API on 127.0.0.1 on a free port, for as long as the context is open."""

    def __init__(self, delay_ms: float = 50, on_message: MessageHook | None = None) -> None:
        self.half_delay = delay_ms / 2000
        self.on_message = on_message
        self.calls: Counter[str] = Counter()
        self.webhook_urls: list[str] = []
        self.webhook_secret: str | None = None
        self.first_poll = asyncio.Event()
        self.first_send_at: float | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._chat_queues: dict[int, deque[dict[str, Any]]] = {}
        self._posters: set[asyncio.Task[None]] = set()
        self._connections = asyncio.Semaphore(WEBHOOK_CONNECTIONS)
        self._next_worker = itertools.count()
        self.webhooks_set = 0
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> LeanBotApi:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        self._new_update.set()
        for poster in list(self._posters):
            poster.cancel()
        if self._client is not None:
            await self._client.close()
        assert self._runner is not None
        await self._runner.cleanup()

    def reset_counts(self) -> None:
        self.calls.clear()
        self.first_send_at = None

    # Updates from respondents

    def push(self, update: dict[str, Any]) -> None:
        """Hands an update to the bot: queued for getUpdates, or POSTed to a webhook worker."""
        update = {"update_id": next(self._update_ids), **update}
        if self.webhook_urls:
            self._queue_webhook(update)
        else:
            self._updates.append(update)
            self._new_update.set()

    def command(self, user: dict[str, Any], text: str) -> None:
        """A typed /command from this person, in their private chat."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "from": user,
            "chat": chat,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
        self.push({"message": message})

    def tap(self, user: dict[str, Any], tapped: BotMessage, data: str) -> None:
        """A tap on an inline button of a message the bot sent to this person."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        keyboard = [[{"text": d, "callback_data": d}] for d in tapped.buttons]
        message = {
            "message_id": tapped.message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": chat,
            "text": tapped.text or "…",
            "reply_markup": {"inline_keyboard": keyboard},
        }
        query = {
            "id": str(next(self._query_ids)),
            "from": user,
            "chat_instance": f"ci{user['id']}",
            "message": message,
            "data": data,
        }
        self.push({"callback_query": query})

    @property
    def waiting_updates(self) -> int:
        return len(self._updates) + sum(len(q) for q in self._chat_queues.values())

    # Webhook delivery

    def deliver_to(self, urls: list[str], secret: str) -> None:
        """POSTs updates to these worker URLs in turn (a load balancer) instead of getUpdates.

        As Telegram does: one chat's updates one at a time, each after the previous one was
        acknowledged with a 2xx, at most WEBHOOK_CONNECTIONS at once, a failed one again.
        """
        self.webhook_urls = urls
        self.webhook_secret = secret
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS)
        )
        self._connections = asyncio.Semaphore(WEBHOOK_CONNECTIONS)

    def _queue_webhook(self, update: dict[str, Any]) -> None:
        chat = chat_of(update)
        waiting = self._chat_queues.setdefault(chat, deque())
        waiting.append(update)
        if len(waiting) == 1:  # nothing of this chat in flight: deliver now
            task = asyncio.create_task(self._deliver_chat(chat))
            self._posters.add(task)
            task.add_done_callback(self._posters.discard)

    async def _deliver_chat(self, chat: int) -> None:
        waiting = self._chat_queues[chat]
        while waiting:
            await self._deliver(waiting[0])
            waiting.popleft()
        del self._chat_queues[chat]

    async def _deliver(self, update: dict[str, Any]) -> None:
        assert self._client is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret or ""}
        while not self._closing:
            url = self.webhook_urls[next(self._next_worker) % len(self.webhook_urls)]
            await asyncio.sleep(self.half_delay)
            call: Any = None
            try:
                async with (
                    self._connections,
                    self._client.post(url, json=update, headers=headers) as response,
                ):
                    delivered = 200 <= response.status < 300
                    if delivered and response.content_type == "application/json":
                        call = await response.json()
            except aiohttp.ClientError:
                delivered = False
            self.calls["webhook_post"] += 1
            await asyncio.sleep(self.half_delay)
            if delivered:
                if isinstance(call, dict) and "method" in call:  # a reply in the response
                    method = str(call.pop("method")).lower()
                    self.calls[method] += 1
                    self._act(method, call)
                return
            await asyncio.sleep(0.2)

    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        self.calls[method] += 1
        params = await self._params(request)
        await asyncio.sleep(self.half_delay)
        if method == "getupdates":
            result: Any = await self._get_updates(params)
        else:
            result = self._act(method, params)
        await asyncio.sleep(self.half_delay)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.first_poll.set()
        offset = int(params.get("offset") or 0)
        if offset:  # an offset confirms every update before it, as on Telegram
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._updates and not self._closing:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return self._updates[:limit]

    def _act(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getme":
            return BOT_USER
        if method == "getwebhookinfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getmycommands":
            return []
        if method == "setwebhook":
            self.webhooks_set += 1
        if method not in SEND_METHODS:
            return True  # answerCallbackQuery, setMyCommands, setWebhook, sendChatAction...
        chat_id = int(params.get("chat_id") or 0)
        text = str(params.get("text") or params.get("caption") or "")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard", [])
        buttons = tuple(b["callback_data"] for row in rows for b in row if "callback_data" in b)
        message_id = (
            int(params["message_id"]) if method.startswith("edit") else next(self._message_ids)
        )
        if self.first_send_at is None:
            self.first_send_at = time.monotonic()
        if self.on_message is not None:
            self.on_message(BotMessage(method, chat_id, message_id, text, buttons))
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": "R"},
        }
        if method == "sendphoto":
            result["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 8, "height": 6}]
        else:
            result["text"] = text or "…"
        if rows:
            result["reply_markup"] = markup
        return result
