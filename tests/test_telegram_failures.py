"""Telegram's own bad days: rate limits, blocked bots, gateway errors, edits that change nothing.

The local Bot API server answers chosen calls with the errors Telegram sends. After a 429 it
keeps refusing until retry_after has passed, so a bot that retries too early shows up in
`api.rejected`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from tests.fakebotapi import FakeBotApi
from tests.harness import start_and_consent, stored_answers, tap_and_settle

SORRY = "er ging iets mis"


async def test_a_rate_limit_is_waited_out_before_the_next_question(
    api: FakeBotApi, running_bot: Path
) -> None:
    nora = api.user(7100, "Nora")
    await start_and_consent(api, nora)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    tapped = time.monotonic()
    await nora.tap("👷 Medewerker")
    await nora.wait_for(lambda user: "Vraag 2 van" in user.last["plain"])
    waited = time.monotonic() - tapped
    await api.settle()
    assert waited >= 1.0
    assert api.failed == [("sendmessage", 429)]
    assert sum("Vraag 2 van" in m["plain"] for m in nora.messages) == 1
    assert api.rejected == []


async def test_a_gateway_error_is_retried_and_the_question_arrives_once(
    api: FakeBotApi, running_bot: Path
) -> None:
    otto = api.user(7200, "Otto")
    await start_and_consent(api, otto)
    api.fail_next("sendMessage", 502, "Bad Gateway", count=2)
    await tap_and_settle(api, otto, "👷 Medewerker")
    await otto.wait_for(lambda user: "Vraag 2 van" in user.last["plain"])
    assert api.failed == [("sendmessage", 502), ("sendmessage", 502)]
    assert sum("Vraag 2 van" in m["plain"] for m in otto.messages) == 1
    assert not any(SORRY in m["plain"] for m in otto.messages)
    assert api.rejected == []


async def test_a_person_who_blocked_the_bot_is_left_alone_and_keeps_their_answer(
    api: FakeBotApi, running_bot: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pia = api.user(7300, "Pia")
    await start_and_consent(api, pia)
    api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", count=5)
    with caplog.at_level(logging.WARNING):
        await tap_and_settle(api, pia, "👷 Medewerker")
    assert api.failed == [("sendmessage", 403)]  # one try: no retries, no apology sent after it
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert dict(stored_answers(database_url))["rol"] == "medewerker"

    api.failures.clear()  # Pia unblocks the bot and comes back
    await pia.send("/start")
    await api.settle()
    assert "Welkom terug!" in pia.messages[-2]["plain"]
    assert "Vraag 2 van" in pia.last["plain"]
    assert api.rejected == []


async def test_an_edit_that_changes_nothing_is_harmless(api: FakeBotApi, running_bot: Path) -> None:
    rik = api.user(7400, "Rik")
    await start_and_consent(api, rik)
    question = rik.last["message_id"]
    await rik.tap_on(question, "👷 Medewerker")
    await rik.tap_on(question, "🗂️ HR")  # the second tap sees the buttons already gone
    await api.settle()
    assert api.unchanged_edits
    assert not any(SORRY in m["plain"] for m in rik.messages)
    assert "Vraag 2 van" in rik.last["plain"]
    assert api.unanswered_callback_queries() == []
    assert api.rejected == []
