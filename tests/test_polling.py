"""Long polling: the bot asks for the next taps before it answers the ones it just got.

Through the real PTB application against the local Bot API server, which ends a getUpdates
with Telegram's conflict when a second one comes in while it waits.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakebotapi import FakeBotApi
from tests.harness import bot_in_this_loop


def position(calls: list[tuple[str, dict[str, object]]], method: str, **params: object) -> int:
    """Where the first call of `method` with these parameters came in."""
    return next(
        n
        for n, (name, sent) in enumerate(calls)
        if name == method and all(sent.get(k) == v for k, v in params.items())
    )


async def test_the_next_taps_are_asked_for_before_a_crowd_is_answered(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
        people = [api.user(8_300 + n, f"P{n}") for n in range(30)]
        await people[0].send("/start")  # the bot is up and waiting on its poll
        await api.settle()
        answered_before = len(api.calls)
        crowd = [await person.send("/start") for person in people[1:]]  # in one batch
        await api.settle()

    calls = api.calls[answered_before:]
    next_poll = position(calls, "getUpdates", offset=max(crowd) + 1)
    first_reply = position(calls, "sendMessage")
    assert next_poll < first_reply, "taps made meanwhile reach the bot without waiting"
    assert all("Doe je mee?" in person.last["plain"] for person in people), "all are answered"
    assert api.rejected == [], "never two polls at once (Telegram ends the first)"


def replies_to(api: FakeBotApi, chat_id: int) -> int:
    return sum(1 for m, p in api.calls if m == "sendMessage" and p.get("chat_id") == chat_id)


async def test_a_tap_made_while_the_bot_restarts_is_answered_once_it_is_back(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    ada = api.user(8_401, "Ada")
    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
        await ada.send("/start")
        await api.settle()  # stopped with a poll asked for ahead still waiting
    await ada.send("/help")
    before = replies_to(api, ada.id)

    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
        await api.settle()
    assert replies_to(api, ada.id) == before + 1, "the help reply, once"
    assert api.rejected == []
