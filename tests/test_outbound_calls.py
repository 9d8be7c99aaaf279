"""Bot API calls per tap: each one costs the bot CPU and the person a round trip.

An ordinary tap needs three: the callback answer (Telegram shows a spinner until then), the
edit that shows the chosen answer in place of the buttons, and the next question. They go
out together, so the next question does not wait for the other two.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from tests.fakebotapi import FakeBotApi, FakeUser
from tests.harness import start_and_consent

ORDINARY_TAP = Counter({"answerCallbackQuery": 1, "editMessageText": 1, "sendMessage": 1})


def calls_since(api: FakeBotApi, start: int) -> Counter[str]:
    return Counter(method for method, _ in api.calls[start:] if method != "getUpdates")


async def tap_and_count(api: FakeBotApi, user: FakeUser, label: str) -> Counter[str]:
    start = len(api.calls)
    await user.tap(label)
    await api.settle()
    return calls_since(api, start)


async def test_an_ordinary_tap_costs_three_calls(api: FakeBotApi, running_bot: Path) -> None:
    eva = api.user(8201, "Eva")
    await start_and_consent(api, eva)
    assert await tap_and_count(api, eva, "👷 Medewerker") == ORDINARY_TAP
    assert await tap_and_count(api, eva, "😄 Klopt helemaal") == ORDINARY_TAP
    assert api.unanswered_callback_queries() == []
    assert api.rejected == []


async def test_the_next_question_does_not_wait_for_the_callback_answer(
    api: FakeBotApi, running_bot: Path
) -> None:
    fer = api.user(8202, "Fer")
    await start_and_consent(api, fer)
    held = api.hold_next("answerCallbackQuery")
    await fer.tap("👷 Medewerker")
    await asyncio.wait_for(held.reached.wait(), 10)
    await fer.wait_for(
        lambda user: (
            "Vraag 2 van" in user.last.get("plain", "")
            and "Jouw antwoord: 👷 Medewerker" in user.messages[-2]["plain"]
        )
    )
    assert api.unanswered_callback_queries() != [], "the answer is still held"
    held.release()
    await api.settle()
    assert api.unanswered_callback_queries() == []
    assert api.rejected == []


async def test_an_expired_callback_query_still_gets_the_next_question(
    api: FakeBotApi, running_bot: Path
) -> None:
    gea = api.user(8203, "Gea")
    await start_and_consent(api, gea)
    api.fail_next(
        "answerCallbackQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    await gea.tap("👷 Medewerker")
    await api.settle()
    assert "Vraag 2 van" in gea.last["plain"]
    assert not any("er ging iets mis" in m["plain"] for m in gea.messages)
    assert api.failed == [("answercallbackquery", 400)]
    assert api.rejected == []
