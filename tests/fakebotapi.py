"""A local HTTP server that speaks enough of the Telegram Bot API for python-telegram-bot.

PTB talks to it through `base_url`, exactly as it talks to Telegram: long polling with
getUpdates, sendMessage, editMessageText and so on. The server checks what Telegram checks
(HTML that Telegram can parse, text and button limits, edits that change nothing, callback
queries answered once) and records every refusal in `rejected`, so a test fails on a message
Telegram itself would refuse. Simulated people (`FakeUser`) type text and tap buttons.

After setWebhook the server delivers updates as Telegram does: it POSTs them with the secret
header (round-robin over `balance_between` URLs, like a load balancer), one chat's updates one
at a time, each only after the previous one was acknowledged with a 2xx, and it delivers an
update again when its POST failed. A method call in a webhook response body is carried out.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {
    "id": 999_000_111,
    "is_bot": True,
    "first_name": "Leercultuurscan",
    "username": "leercultuur_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "entities",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "caption_entities",
}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:=\"[^\"]*\"|='[^']*')?)*)\s*>")
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_TEXT = 4096, 1024, 200
# Telegram's upload limit for bots (Bot API, "Sending files"). The server reads bodies a
# little bigger than this, so that it can refuse a too-big file in Telegram's own words.
MAX_UPLOAD = 50 * 1024 * 1024
# BotCommandScope types; a command list is kept per scope (with its chat) and language.
SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
MenuKey = tuple[str, int | None, str | None]


class ApiError(Exception):
    """A refusal the way Telegram words it."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code

    @property
    def harmless(self) -> bool:
        """An edit that changes nothing: refused, but a bot may race into it (a double tap)."""
        return "message is not modified" in self.description


def parse_html(text: str) -> str:
    """Returns the visible text of Telegram-flavoured HTML, or raises like Telegram does."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            tag = TAG.match(text, position)
            if tag is None:
                raise ApiError(f"Bad Request: can't parse entities: unexpected '<' at {position}")
            closing, name, _attributes = tag.groups()
            name = name.lower()
            if name not in ALLOWED_TAGS:
                raise ApiError(
                    f'Bad Request: can\'t parse entities: unsupported start tag "{name}"'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(
                        f'Bad Request: can\'t parse entities: unexpected end tag "{name}"'
                    )
                stack.pop()
            else:
                stack.append(name)
            position = tag.end()
        elif char == "&":
            entity = ENTITY.match(text, position)
            if entity is None:
                raise ApiError(
                    f"Bad Request: can't parse entities: unsupported entity at {position}"
                )
            plain.append(html.unescape(entity.group(0)))
            position = entity.end()
        elif char == ">":
            raise ApiError(f"Bad Request: can't parse entities: unexpected '>' at {position}")
        else:
            plain.append(char)
            position += 1
    if stack:
        raise ApiError(f"Bad Request: can't parse entities: can't find end tag \"{stack[-1]}\"")
    return "".join(plain)


def check_keyboard(markup: dict[str, Any] | None) -> None:
    """Applies Telegram's limits on inline keyboards."""
    if not markup or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if sum(len(row) for row in rows) > 100:
        raise ApiError("Bad Request: reply markup is too long")
    for row in rows:
        if len(row) > 8:
            raise ApiError("Bad Request: too many buttons in a row")
        for button in row:
            if not button.get("text"):
                raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")
            data, url = button.get("callback_data"), button.get("url")
            if (data is None) == (url is None):
                raise ApiError("Bad Request: can't parse inline keyboard button")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", url):
                raise ApiError("Bad Request: BUTTON_URL_INVALID")


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update comes from (for a tap: the chat of the tapped message)."""
    if "callback_query" in update:
        return update["callback_query"]["message"]["chat"]["id"]
    message = update.get("message") or update.get("edited_message") or {}
    return message.get("chat", {}).get("id", 0)


def keyboard_of(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = message.get("reply_markup") or {}
    return markup.get("inline_keyboard", [])


@dataclass
class Chat:
    """A chat with the bot: its messages as the people in it see them, oldest first."""

    user: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    group_id: int | None = None

    @property
    def id(self) -> int:
        return self.group_id if self.group_id is not None else self.user["id"]

    def as_telegram(self) -> dict[str, Any]:
        if self.group_id is not None:
            return {"id": self.group_id, "type": "group", "title": "Team Zorg"}
        return {"id": self.id, "type": "private", "first_name": self.user["first_name"]}


@dataclass
class Failure:
    """An error the server answers instead of the real result (Telegram having a bad day)."""

    code: int
    description: str
    retry_after: int | None = None


@dataclass
class Hold:
    """A Bot API call kept waiting until the test releases it (Telegram slow for one chat)."""

    method: str
    chat_id: int | None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        return (
            not self.reached.is_set()
            and method.lower() == self.method.lower()
            and self.chat_id in (None, params.get("chat_id"))
        )

    def release(self) -> None:
        self.released.set()


class FakeBotApi:
    """The Bot API on 127.0.0.1, on a free port, for as long as the context is open."""

    def __init__(self, delay_ms: int = 0) -> None:
        self.delay = delay_ms / 1000
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.rejected: list[tuple[str, str]] = []
        self.unchanged_edits: list[tuple[str, str]] = []
        self.commands: dict[MenuKey, list[dict[str, str]]] = {}
        self.callback_answers: dict[str, dict[str, Any] | None] = {}
        self.chats: dict[int, Chat] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.failed: list[tuple[str, int]] = []
        self._blocked_until: dict[str, float] = {}
        self._holds: list[Hold] = []
        self._unanswered: list[tuple[int, float]] = []
        self._silence_allowed = 2.0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._last_activity = time.monotonic()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Webhook delivery
        self.webhook: dict[str, Any] | None = None
        self.webhook_targets: list[str] = []
        self.webhook_deliveries: list[tuple[int, str, int | str]] = []
        self.webhook_replies: list[tuple[str, dict[str, Any]]] = []
        self.webhook_in_flight: dict[int, str] = {}
        self.redelivery_delay = 0.1
        self._webhook_wake = asyncio.Event()
        self._deliverer: asyncio.Task[None] | None = None
        self._posts: set[asyncio.Task[None]] = set()
        self._round_robin = itertools.count()
        self._poll: asyncio.Event | None = None  # set: the getUpdates in flight is ended

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        for task in [*self._posts, *([self._deliverer] if self._deliverer else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._new_update.set()  # wakes any long poll so shutdown does not wait for it
        assert self._runner is not None
        await self._runner.cleanup()

    # People and updates

    def user(self, user_id: int, first_name: str, language_code: str | None = "nl") -> FakeUser:
        """A person with a private chat with the bot."""
        person = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            person["language_code"] = language_code
        self.chats[user_id] = Chat(person)
        return FakeUser(self, self.chats[user_id])

    def group(self, group_id: int, member: FakeUser) -> FakeUser:
        """The same person, writing in a group chat the bot is in."""
        self.chats[group_id] = Chat(member.chat.user, group_id=group_id)
        return FakeUser(self, self.chats[group_id])

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Makes the next `count` calls of `method` fail the way Telegram fails them.

        After a 429 the method stays blocked for `retry_after` seconds, as on Telegram:
        a call that does not wait is recorded in `rejected`.
        """
        failure = Failure(code, description, retry_after)
        self.failures.setdefault(method.lower(), []).extend([failure] * count)

    def hold_next(self, method: str, *, chat_id: int | None = None) -> Hold:
        """Keeps the next call of `method` (to `chat_id`, if given) waiting until released.

        If the caller has gone away by then (a killed bot), the call is dropped, as if the
        kill had come just before it was sent.
        """
        hold = Hold(method, chat_id)
        self._holds.append(hold)
        return hold

    def push_update(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Queues an update for the bot's next getUpdates; repeats an update_id if given."""
        update_id = next(self._update_ids) if update_id is None else update_id
        self._updates.append({"update_id": update_id, **update})
        self._touch()
        self._new_update.set()
        self._webhook_wake.set()
        return update_id

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def unanswered_callback_queries(self) -> list[str]:
        return [qid for qid, answer in self.callback_answers.items() if answer is None]

    async def settle(
        self, quiet: float = 0.05, timeout: float = 10, silence_allowed: float = 2.0
    ) -> None:
        """Waits until the bot fetched every update, answered each one, then was quiet.

        An update counts as answered once the bot sent a message to its chat after fetching
        it (our bot ends every reply with one; answering a tap or editing comes before).
        One the bot rightly ignores (a repeat) is waited for at most `silence_allowed`
        seconds, so a slow machine never ends the wait too early.
        """
        self._silence_allowed = silence_allowed
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idle = time.monotonic() - self._last_activity
            if not self._updates_waiting() and idle >= quiet:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"bot did not settle in {timeout} s; waiting: {self._updates}")

    def _updates_waiting(self) -> bool:
        now = time.monotonic()
        self._unanswered = [
            (chat, at) for chat, at in self._unanswered if now - at < self._silence_allowed
        ]
        undelivered = any(not update.get("_delivered") for update in self._updates)
        return undelivered or bool(self._unanswered)

    def _answered(self, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        self._unanswered = [(chat, at) for chat, at in self._unanswered if chat != chat_id]

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if method.lower() != "getupdates":
            self._touch()
            if method.lower().startswith("send") and method.lower() != "sendchataction":
                self._answered(params)  # "typing…" is no answer: the message comes later
        if self.delay:
            await asyncio.sleep(self.delay)
        if (hold := next((h for h in self._holds if h.matches(method, params)), None)) is not None:
            hold.reached.set()
            await hold.released.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # nobody is listening any more
        if (failed := self._injected_failure(method.lower())) is not None:
            return failed
        handler = getattr(self, f"_api_{method.lower()}", None)
        if method.lower() == "getupdates":
            handler = self._poll_for(request)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = await handler(params)
        except ApiError as error:
            refusals = self.unchanged_edits if error.harmless else self.rejected
            refusals.append((method, error.description))
            return web.json_response(
                {"ok": False, "error_code": error.code, "description": error.description},
                status=error.code,
            )
        finally:
            if method.lower() != "getupdates":
                self._touch()
        return web.json_response({"ok": True, "result": result})

    def _injected_failure(self, method: str) -> web.Response | None:
        if time.monotonic() < self._blocked_until.get(method, 0):
            self.rejected.append((method, "Too Many Requests: retry_after not honoured"))
            return web.json_response(
                {"ok": False, "error_code": 429, "description": "Too Many Requests"}, status=429
            )
        pending = self.failures.get(method)
        if not pending:
            return None
        failure = pending.pop(0)
        self.failed.append((method, failure.code))
        if failure.code >= 500:  # a gateway error: no JSON, as from Telegram's front servers
            return web.Response(status=failure.code, text=failure.description)
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.code,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
            self._blocked_until[method] = time.monotonic() + failure.retry_after
        return web.json_response(body, status=failure.code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw: dict[str, Any] = await request.json()
        else:
            form = await request.post()
            raw = {
                key: (
                    value
                    if isinstance(value, str)
                    else {"file": value.filename, "content": value.file.read()}
                )
                for key, value in form.items()
            }
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in INT_FIELDS:
                value = int(value)
            params[key] = value
        return params

    # Bot API methods

    async def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url", ""))
        if not url:
            self.webhook = None
            return True
        secret = params.get("secret_token")
        if secret is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", str(secret)):
            raise ApiError("Bad Request: secret token contains unallowed characters")
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": int(params.get("max_connections") or 40),
        }
        if self._deliverer is None:
            self._deliverer = asyncio.create_task(self._deliver_webhooks())
        self._webhook_wake.set()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_logout(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _poll_for(self, request: web.Request) -> Callable[[dict[str, Any]], Any]:
        async def poll(params: dict[str, Any]) -> list[dict[str, Any]]:
            return await self._get_updates(params, request)

        return poll

    async def _get_updates(
        self, params: dict[str, Any], request: web.Request
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        if self._poll is not None:  # as on Telegram, a second poll ends the first with a conflict
            self._poll.set()
        self._poll = ended = asyncio.Event()
        try:
            return await self._poll_until_ended(params, request, ended)
        finally:
            if self._poll is ended:
                self._poll = None

    async def _poll_until_ended(
        self, params: dict[str, Any], request: web.Request, ended: asyncio.Event
    ) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        if offset:  # an offset confirms every update before it, as on Telegram
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = params.get("limit") or 100
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if ended.is_set():
                if request.transport is None or request.transport.is_closing():
                    return []  # a killed bot's poll: nobody hears the conflict
                raise ApiError(TERMINATED_BY_OTHER_POLL, 409)
            ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
            if ready or self._closing or time.monotonic() >= deadline:
                break
            self._new_update.clear()
            waits = [asyncio.ensure_future(e.wait()) for e in (self._new_update, ended)]
            _, pending = await asyncio.wait(
                waits, timeout=deadline - time.monotonic(), return_when=asyncio.FIRST_COMPLETED
            )
            for wait in pending:
                wait.cancel()
        if request.transport is None or request.transport.is_closing():
            return []  # the poller died (a killed bot): the updates stay for the next one
        for update in ready:
            update["_delivered"] = True
            self._unanswered.append((chat_of(update), time.monotonic()))
        if ready:
            self._touch()
        return [{k: v for k, v in u.items() if not k.startswith("_")} for u in ready]

    async def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        if not 1 <= len(commands) <= 100:
            raise ApiError("Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not COMMAND_NAME.match(command.get("command", "")):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._menu_key(params)] = commands
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(self._menu_key(params), [])

    async def _api_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._menu_key(params), None)
        return True

    def _menu_key(self, params: dict[str, Any]) -> MenuKey:
        """Where a command list is kept: its scope (and chat) and its language."""
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in SCOPES:
            raise ApiError("Bad Request: BOT_COMMAND_SCOPE_INVALID")  # (our wording)
        chat_id = None
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = scope.get("chat_id")
            if chat_id not in self.chats:
                raise ApiError("Bad Request: chat not found")
        language = params.get("language_code") or None
        if language is not None and not re.match(r"^[a-z]{2}$", language):
            raise ApiError("Bad Request: LANGUAGE_CODE_INVALID")
        return kind, chat_id, language

    def menu(self, chat_id: int, language: str | None = None) -> list[str]:
        """The commands a person sees in their private chat, found the way Telegram finds them.

        The most specific list wins: this chat in their language, this chat, private chats
        in their language, private chats, then the default in their language and the default.
        """
        languages = [language, None] if language else [None]
        for kind, chat in (("chat", chat_id), ("all_private_chats", None), ("default", None)):
            for code in languages:
                listed = self.commands.get((kind, chat, code))
                if listed is not None:
                    return [command["command"] for command in listed]
        return []

    async def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    async def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = str(params.get("text", ""))
        plain = self._visible(text, params.get("parse_mode"), MAX_TEXT, "message text")
        check_keyboard(params.get("reply_markup"))
        return self._post(chat, {"text": text, "plain": plain}, params.get("reply_markup"))

    def _caption(self, params: dict[str, Any]) -> tuple[str, str]:
        """A photo's or document's caption and its visible text, checked as Telegram does
        (its keyboard too)."""
        caption = str(params.get("caption", ""))
        plain = (
            self._visible(caption, params.get("parse_mode"), MAX_CAPTION, "caption")
            if caption
            else ""
        )
        check_keyboard(params.get("reply_markup"))
        return caption, plain

    async def _api_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if not params.get("photo"):
            raise ApiError("Bad Request: there is no photo in the request")
        caption, plain = self._caption(params)
        content = {"photo": params["photo"], "caption": caption, "plain": plain, "text": caption}
        return self._post(chat, content, params.get("reply_markup"))

    async def _api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        """A file uploaded in a multipart form, with a name; a file id is not known here."""
        chat = self._chat(params)
        document = params.get("document")
        if not isinstance(document, dict):
            raise ApiError("Bad Request: there is no document in the request")
        if not document.get("file"):
            raise ApiError("Bad Request: file name is empty")
        if not document["content"]:
            raise ApiError("Bad Request: file must be non-empty")
        if len(document["content"]) > MAX_UPLOAD:
            raise ApiError("Request Entity Too Large", 413)
        caption, plain = self._caption(params)
        content = {"document": document, "caption": caption, "plain": plain, "text": caption}
        return self._post(chat, content, params.get("reply_markup"))

    async def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params)
        text = str(params.get("text", ""))
        plain = self._visible(text, params.get("parse_mode"), MAX_TEXT, "message text")
        markup = params.get("reply_markup")
        check_keyboard(markup)
        if text == message["text"] and keyboard_of({"reply_markup": markup}) == keyboard_of(
            message
        ):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message"
            )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.update(text=text, plain=plain, reply_markup=markup, edited=True)
        return self._as_telegram(message)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params)
        markup = params.get("reply_markup")
        check_keyboard(markup)
        if keyboard_of({"reply_markup": markup}) == keyboard_of(message):
            raise ApiError("Bad Request: message is not modified")
        message.update(reply_markup=markup, edited=True)
        return self._as_telegram(message)

    async def _api_deletemessage(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        message = self._message(params)
        chat.messages.remove(message)
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self.callback_answers or self.callback_answers[query_id] is not None:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text", ""))) > MAX_CALLBACK_TEXT:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    # Webhook delivery

    def balance_between(self, urls: list[str]) -> None:
        """Delivers webhook updates to these URLs in turn instead of the one set by setWebhook."""
        self.webhook_targets = list(urls)

    async def wait_for_webhook(self, timeout: float = 30) -> None:
        """Waits until the bot has set its webhook."""
        deadline = time.monotonic() + timeout
        while self.webhook is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the bot set no webhook")
            await asyncio.sleep(0.02)

    async def _deliver_webhooks(self) -> None:
        async with aiohttp.ClientSession() as client:
            while not self._closing:
                self._webhook_wake.clear()
                if self.webhook is not None:
                    self._start_deliveries(client)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._webhook_wake.wait(), 0.05)

    def _start_deliveries(self, client: aiohttp.ClientSession) -> None:
        """Posts the oldest waiting update of every chat that has none in flight."""
        assert self.webhook is not None
        busy = {chat_of(u) for u in self._updates if u["update_id"] in self.webhook_in_flight}
        now = time.monotonic()
        for update in list(self._updates):
            chat = chat_of(update)
            if chat in busy:
                continue
            busy.add(chat)  # later updates of this chat wait for this one
            if update.get("_retry_at", 0) > now:
                continue
            if len(self.webhook_in_flight) >= self.webhook["max_connections"]:
                return
            targets = self.webhook_targets or [self.webhook["url"]]
            target = targets[next(self._round_robin) % len(targets)]
            self.webhook_in_flight[update["update_id"]] = target
            self._unanswered.append((chat, now))
            post = asyncio.create_task(self._post_update(client, update, target))
            self._posts.add(post)
            post.add_done_callback(self._posts.discard)

    async def _post_update(
        self, client: aiohttp.ClientSession, update: dict[str, Any], target: str
    ) -> None:
        assert self.webhook is not None
        headers = {}
        if self.webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        body = {k: v for k, v in update.items() if not k.startswith("_")}
        reply: Any = None
        outcome: int | str
        try:
            async with client.post(
                target, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=60)
            ) as response:
                outcome = response.status
                if 200 <= outcome < 300 and (await response.read()):
                    reply = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            outcome = type(error).__name__
        self.webhook_deliveries.append((update["update_id"], target, outcome))
        del self.webhook_in_flight[update["update_id"]]
        if isinstance(outcome, int) and 200 <= outcome < 300:
            self._updates.remove(update)  # acknowledged: Telegram forgets it
            if isinstance(reply, dict) and reply.get("method"):
                await self._carry_out(reply)
        else:  # as Telegram: again at once, then after longer and longer waits
            failures = update.get("_failures", 0)
            update["_failures"] = failures + 1
            delay = self.redelivery_delay * 2 ** (failures - 1) if failures else 0
            update["_retry_at"] = time.monotonic() + delay
        self._touch()
        self._webhook_wake.set()

    async def _carry_out(self, reply: dict[str, Any]) -> None:
        """Runs the method a webhook response asked for; Telegram reports no result."""
        method = str(reply["method"])
        params = {k: v for k, v in reply.items() if k != "method"}
        self.webhook_replies.append((method, params))
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            self.rejected.append((method, "Not Found"))
            return
        try:
            await handler(params)
        except ApiError as error:
            self.rejected.append((method, error.description))

    # Helpers for the methods

    def _chat(self, params: dict[str, Any]) -> Chat:
        chat = self.chats.get(params.get("chat_id", 0))  # type: ignore[arg-type]
        if chat is None:
            raise ApiError("Bad Request: chat not found")
        return chat

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        for message in chat.messages:
            if message["message_id"] == params.get("message_id"):
                return message
        raise ApiError("Bad Request: message to edit not found")

    def _visible(self, text: str, parse_mode: str | None, limit: int, what: str) -> str:
        plain = parse_html(text) if (parse_mode or "").upper() == "HTML" else text
        if not plain.strip():
            raise ApiError(f"Bad Request: {what} is empty")
        if len(plain) > limit:
            raise ApiError(f"Bad Request: {what} is too long")
        return plain

    def _post(
        self, chat: Chat, content: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        message = {
            "message_id": self.next_message_id(),
            "date": int(time.time()),
            "posted": time.monotonic(),  # when it arrived, to check a pace
            "reply_markup": markup,
            **content,
        }
        chat.messages.append(message)
        return self._as_telegram(message, chat)

    def _as_telegram(self, message: dict[str, Any], chat: Chat | None = None) -> dict[str, Any]:
        """The message as the Bot API returns it: visible text, no HTML."""
        chat = chat or next(c for c in self.chats.values() if message in c.messages)
        result: dict[str, Any] = {
            "message_id": message["message_id"],
            "date": message["date"],
            "from": BOT_USER,
            "chat": chat.as_telegram(),
        }
        if "photo" in message:
            result["photo"] = [
                {"file_id": "p1", "file_unique_id": "u1", "width": 800, "height": 600}
            ]
            if message["plain"]:
                result["caption"] = message["plain"]
        elif "document" in message:
            document = message["document"]
            result["document"] = {
                "file_id": f"d{message['message_id']}",
                "file_unique_id": f"ud{message['message_id']}",
                "file_name": document["file"],
                "file_size": len(document["content"]),
            }
            if message["plain"]:
                result["caption"] = message["plain"]
        else:
            result["text"] = message["plain"]
        if message.get("edited"):
            result["edit_date"] = int(time.time())
        if keyboard_of(message):
            result["reply_markup"] = message["reply_markup"]
        return result


class FakeUser:
    """A person in a private chat: types, taps buttons and reads what the bot sent."""

    def __init__(self, api: FakeBotApi, chat: Chat) -> None:
        self.api = api
        self.chat = chat
        self.id: int = chat.id

    @property
    def messages(self) -> list[dict[str, Any]]:
        """What the bot sent to this person, oldest first, with edits applied."""
        return self.chat.messages

    @property
    def last(self) -> dict[str, Any]:
        return self.chat.messages[-1] if self.chat.messages else {}

    def buttons(self) -> list[str]:
        """The labels on the most recent keyboard in the chat."""
        message = self._latest_keyboard()
        if message is None:
            return []
        return [button["text"] for row in keyboard_of(message) for button in row]

    async def send(self, text: str) -> int:
        """Types a message; a leading /command is marked the way Telegram marks it."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self.send_raw(fields)

    async def send_raw(self, fields: dict[str, Any]) -> int:
        """Sends any kind of message (a sticker, a photo, a location) from this person."""
        message = {
            "message_id": self.api.next_message_id(),
            "date": int(time.time()),
            "from": self.chat.user,
            "chat": self.chat.as_telegram(),
            **fields,
        }
        return self.api.push_update({"message": message})

    async def tap(self, label: str) -> str:
        """Taps a button on the most recent keyboard, by its label or the start of it.

        A chat without a keyboard yet is given a few seconds: on a busy machine the question
        can follow the welcome later than `settle` waits for quiet.
        """
        message = self._latest_keyboard()
        deadline = time.monotonic() + 5
        while message is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            message = self._latest_keyboard()
        if message is None:
            raise AssertionError("no keyboard in the chat")
        return await self.tap_on(message["message_id"], label)

    async def tap_on(self, message_id: int, label: str) -> str:
        """Taps a button on one particular message, like scrolling up to an old question."""
        message = next(m for m in self.chat.messages if m["message_id"] == message_id)
        buttons = [b for row in keyboard_of(message) for b in row]
        chosen = next((b for b in buttons if b["text"] == label), None) or next(
            (b for b in buttons if b["text"].startswith(label)), None
        )
        if chosen is None:
            labels = [b["text"] for b in buttons]
            raise AssertionError(f"no button {label!r} on message {message_id}; there are {labels}")
        query_id = str(next(self.api._query_ids))
        self.api.callback_answers[query_id] = None
        self.api.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.chat.user,
                    "chat_instance": f"ci{self.id}",
                    "message": self.api._as_telegram(message, self.chat),
                    "data": chosen["callback_data"],
                }
            }
        )
        return query_id

    async def wait_for(self, condition: Callable[[FakeUser], bool], timeout: float = 10) -> None:
        """Waits until the chat meets the condition."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met; last message: {self.last}")
            await asyncio.sleep(0.02)

    def _latest_keyboard(self) -> dict[str, Any] | None:
        return next((m for m in reversed(self.chat.messages) if keyboard_of(m)), None)
