"""The processing model through the real PTB application: people at once, each person in order.

The local Bot API server holds one person's reply for as long as the test wants, like a slow
Telegram. Meanwhile another person must be answered, and the held person's later updates must
wait their turn and then run in the order they were sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakebotapi import FakeBotApi
from tests.flow import WORKER_TOTAL
from tests.harness import bot_in_this_loop, start_and_consent, tap_and_settle

ROLE_QUESTION = "Wat is jouw rol in het werk?"


@pytest.fixture
async def small_bot(api: FakeBotApi, tmp_path: Path, database_url: str) -> AsyncIterator[Path]:
    """The bot with room for only two updates at once, so a slot held too long shows."""
    async for data_dir in bot_in_this_loop(
        api, tmp_path, max_concurrent_updates=2, database_url=database_url
    ):
        yield data_dir


def sent_to(api: FakeBotApi, chat_id: int) -> int:
    return sum(
        1
        for method, params in api.calls
        if method == "sendMessage" and params.get("chat_id") == chat_id
    )


async def test_a_person_held_up_does_not_hold_up_anyone_else(
    api: FakeBotApi, small_bot: Path
) -> None:
    anna, bob = api.user(8101, "Anna"), api.user(8102, "Bob")
    await start_and_consent(api, anna)
    await start_and_consent(api, bob)
    held = api.hold_next("sendMessage", chat_id=anna.id)
    await anna.tap("👷 Medewerker")
    await asyncio.wait_for(held.reached.wait(), 10)
    # Anna taps on and types while her reply hangs: more updates than there are slots.
    await anna.send("/terug")
    await anna.send("/pauze")
    await anna.send("/help")
    sent_before = sent_to(api, anna.id)

    await bob.tap("🗂️ HR")
    await bob.wait_for(lambda user: "Vraag 2 van" in user.last.get("plain", ""))
    assert sent_to(api, anna.id) == sent_before, "Anna's later updates waited for her first"

    held.release()
    await api.settle()
    texts = [m["plain"] for m in anna.messages]
    role_answered = next(i for i, t in enumerate(texts) if "Jouw antwoord: 👷 Medewerker" in t)
    after = texts[role_answered + 1 :]
    assert f"Vraag 2 van {WORKER_TOTAL}" in after[0]  # the tap, answered first
    assert ROLE_QUESTION in after[1]  # then /terug: back at the role question
    assert "Gepauzeerd" in after[2]  # then /pauze
    assert "/terug" in after[3]  # then /help
    assert len(after) == 4
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []


async def test_rapid_taps_of_one_person_are_applied_in_order(
    api: FakeBotApi, running_bot: Path
) -> None:
    cas = api.user(8103, "Cas")
    await start_and_consent(api, cas)
    role_question = cas.last["message_id"]
    # Two taps on the same question before the bot has seen either: one getUpdates brings both.
    await cas.tap_on(role_question, "🗂️ HR")
    await cas.tap_on(role_question, "👷 Medewerker")
    # On a loaded machine the second reply can come after the server looked quiet.
    await cas.wait_for(
        lambda user: any("Die knop hoort" in m.get("plain", "") for m in user.messages)
    )
    await api.settle()
    # In order, the first tap counts and the second one comes too late for that question.
    assert any("Jouw antwoord: 🗂️ HR" in m["plain"] for m in cas.messages)
    assert "Die knop hoort bij een eerdere vraag" in cas.messages[-2]["plain"]
    await tap_and_settle(api, cas, "⬅️ Terug")
    assert ROLE_QUESTION in cas.last["plain"]
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []


async def test_polling_waits_at_telegram_while_too_many_updates_are_unfinished(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """Beyond MAX_PENDING_UPDATES the bot fetches nothing: the rest waits at Telegram."""
    async for _ in bot_in_this_loop(
        api, tmp_path, max_pending_updates=2, database_url=database_url
    ):
        anna, bob = api.user(8201, "Anna"), api.user(8202, "Bob")
        await start_and_consent(api, anna)
        held = api.hold_next("sendMessage", chat_id=anna.id)
        await anna.tap("👷 Medewerker")
        await asyncio.wait_for(held.reached.wait(), 10)
        for command in ("/help", "/privacy", "/help"):
            await anna.send(command)
            await asyncio.sleep(0.2)  # each one on its own, as people send them
        await bob.send("/start")
        await asyncio.sleep(0.5)
        waiting = [u for u in api._updates if not u.get("_delivered")]
        assert len(waiting) >= 2, "the bot kept fetching past its limit"
        assert not bob.messages, "Bob waits at Telegram until Anna's updates are done"

        held.release()
        await api.settle()
        assert "Vraag 2 van" in anna.messages[-4]["plain"], "Anna's next question came first"
        assert bob.buttons(), "then Bob got his first question"


async def test_one_person_flooding_is_told_once_and_does_not_hold_up_anyone_else(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    async for _ in bot_in_this_loop(
        api, tmp_path, max_concurrent_updates=4, max_updates_per_person=5, database_url=database_url
    ):
        flo = api.user(8401, "Flo")
        others = [api.user(8410 + n, f"P{n}") for n in range(6)]
        await start_and_consent(api, flo)
        held = api.hold_next("sendMessage", chat_id=flo.id)
        await flo.send("/help")
        await asyncio.wait_for(held.reached.wait(), 10)
        for n in range(300):
            await flo.send(f"bericht {n}")
        for person in others:
            await person.send("/start")
        for person in others:  # answered while Flo's first reply still hangs
            await person.wait_for(lambda user: bool(user.buttons()))
        held.release()
        await api.settle()

    texts = [m["plain"] for m in flo.messages]
    assert sum("Je stuurt veel berichten" in t for t in texts) == 1, "told once, not 295 times"
    assert any("/terug" in t for t in texts), "the first /help was answered"
    hints = sum("Antwoorden gaat met de knoppen" in t for t in texts)
    assert 1 <= hints <= 4, "the messages that waited their turn are answered, the rest dropped"
    assert api.rejected == []
