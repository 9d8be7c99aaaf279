"""Long polling through PTB's own updater, against the local Bot API server.

The server ends a getUpdates with Telegram's conflict when a second one comes in while it
waits, so `api.rejected` shows any overlapping poll.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakebotapi import FakeBotApi
from tests.harness import bot_in_this_loop


def replies_to(api: FakeBotApi, chat_id: int) -> int:
    return sum(1 for m, p in api.calls if m == "sendMessage" and p.get("chat_id") == chat_id)


async def test_a_tap_made_while_the_bot_restarts_is_answered_once_it_is_back(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    ada = api.user(8_401, "Ada")
    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
        await ada.send("/start")
        await api.settle()
    await ada.send("/help")
    before = replies_to(api, ada.id)

    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
        await api.settle()
    assert replies_to(api, ada.id) == before + 1, "the help reply, once"
    assert api.rejected == []
