"""Reminders: asked for when pausing, sent once when due, paced below Telegram's limit.

The pace is one for all senders together: two bots on one database send a crowd's reminders
no faster than one would.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import build_conversation
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.policy import Policy
from bot.settings import Settings
from storage.db import transaction
from storage.models import Reminder, as_utc
from storage.reminder_queries import reminder_due
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.flow import TEST_KEY
from tests.harness import bot_by_webhook_in_this_loop, bot_in_this_loop, tap_and_settle

REMINDER_TEXT = "Je was bezig met de leercultuurscan"
SPACING = timedelta(milliseconds=50)
HORIZON = timedelta(seconds=5)


def telegram_person(user_id: int, input_id: int | None = None) -> Person:
    return Person("telegram", str(user_id), "nl", input_id, address=str(user_id))


def pause_with_reminder(conversation: Conversation, person: Person) -> None:
    conversation.start(person)
    conversation.press(person, f"a:{conversation.dialogue.questions[0].id}:ja")
    paused = conversation.pause(person)
    assert paused.replies[0].data["actions"] == ["resume", "remind"]
    conversation.press(person, "nav:remind")


def test_a_reminder_is_offered_only_where_one_can_be_sent(conversation: Conversation) -> None:
    console = Person("console", "local")
    conversation.start(console)
    conversation.press(console, f"a:{conversation.dialogue.questions[0].id}:ja")
    assert conversation.pause(console).replies[0].data["actions"] == ["resume"]
    assert conversation.press(console, "nav:remind").replies[0].template == "message"
    with transaction(conversation.engine) as session:
        assert session.exec(select(Reminder)).all() == []


def test_a_due_reminder_is_taken_once_and_only_while_paused(conversation: Conversation) -> None:
    conversation = Conversation(
        conversation.engine,
        conversation.dialogue,
        TEST_KEY,
        policy=Policy(reminder_after=timedelta(0)),
    )
    waiting, carried_on, deleted = (telegram_person(n) for n in (1, 2, 3))
    for person in (waiting, carried_on, deleted):
        pause_with_reminder(conversation, person)
    conversation.resume(carried_on)
    conversation.forget(deleted, confirmed=True)

    taken = conversation.due_reminders(spacing=SPACING, horizon=HORIZON)
    assert [notice.address for notice in taken] == ["1"]
    assert taken[0].reply.data["key"] == "reminder"
    assert taken[0].reply.data["actions"] == ["resume"]
    assert conversation.due_reminders(spacing=SPACING, horizon=HORIZON) == []
    with transaction(conversation.engine) as session:
        addresses = [r.address for r in session.exec(select(Reminder))]
    assert addresses == ["1"]  # the taken one, until its moment is well past; no other address


def test_reminders_are_handed_out_spaced_and_no_further_ahead_than_the_horizon(
    conversation: Conversation,
) -> None:
    conversation = Conversation(
        conversation.engine,
        conversation.dialogue,
        TEST_KEY,
        policy=Policy(reminder_after=timedelta(0)),
    )
    for n in range(1, 151):
        pause_with_reminder(conversation, telegram_person(n))
    first = conversation.due_reminders(spacing=SPACING, horizon=HORIZON)
    second = conversation.due_reminders(spacing=SPACING, horizon=HORIZON)
    assert len(first) == 100  # 5 s at one per 50 ms
    # A second sender finds the next 5 s taken: it gets only the moments that passed since,
    # right after the first sender's last one.
    assert len(second) <= 2
    moments = [notice.send_at for notice in first + second]
    assert all(b - a == SPACING for a, b in itertools.pairwise(moments))


def test_my_data_shows_a_planned_reminder(conversation: Conversation) -> None:
    anna = telegram_person(7)
    pause_with_reminder(conversation, anna)
    shown = conversation.my_data(anna).replies[0]
    with transaction(conversation.engine) as session:
        respondent_id = session.exec(select(Reminder)).one().respondent_id
        due = reminder_due(session, respondent_id=respondent_id)
    assert due is not None
    # On the clock people in the Netherlands read, not in the UTC it is stored in.
    local = as_utc(due).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert shown.data["reminder"] == local.strftime("%d-%m-%Y %H:%M")
    assert local.utcoffset() in (timedelta(hours=1), timedelta(hours=2))


async def test_a_person_who_asks_for_a_reminder_gets_one_and_carries_on(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    cas = api.user(5150, "Cas")
    async for _ in bot_in_this_loop(
        api, tmp_path, database_url=database_url, reminder_after_hours=0
    ):
        await cas.send("/start")
        await api.settle()
        await tap_and_settle(api, cas, "✅ Ja, ik doe mee")
        question = cas.last["text"]
        await cas.send("/pauze")
        await api.settle()
        assert cas.buttons() == ["▶️ Verder", "🔔 Herinner me later"]
        await tap_and_settle(api, cas, "🔔 Herinner me later")
        assert "Afgesproken" in cas.last["text"]
        assert cas.buttons() == ["▶️ Verder"]  # carrying on now stays one tap away
        await until(lambda: REMINDER_TEXT in cas.last.get("text", ""), seconds=15)
        assert cas.buttons() == ["▶️ Verder"]
        await tap_and_settle(api, cas, "▶️ Verder")
        assert cas.last["text"] == question
        assert [m for m in cas.messages if m.get("reply_markup")] == [cas.last]  # one live copy
        await asyncio.sleep(HORIZON.total_seconds() + 1)  # the next round sends nothing more
    assert sum(REMINDER_TEXT in m.get("text", "") for m in cas.messages) == 1
    assert api.rejected == []


async def test_two_bots_on_one_database_send_every_reminder_once_at_one_pace(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path, reminder_after_hours=0)
    conversation = build_conversation(settings)
    people: list[FakeUser] = [api.user(9000 + n, f"P{n}") for n in range(60)]
    for person in people:
        pause_with_reminder(conversation, telegram_person(person.id))

    # Two webhook workers (two bots polling one token would end each other's polls).
    bots = [
        bot_by_webhook_in_this_loop(
            api, tmp_path, database_url=database_url, reminders_per_second=20
        )
        for _ in range(2)
    ]
    for running in bots:
        await anext(running)
    try:
        await until(lambda: all(reminded(p) for p in people), seconds=30)
        await asyncio.sleep(1)
    finally:
        for running in bots:
            await anext(running, None)  # stops it

    assert [sum(REMINDER_TEXT in m.get("text", "") for m in p.messages) for p in people] == [1] * 60
    moments = sorted(m["posted"] for p in people for m in p.messages)
    busiest = max(sum(1 for t in moments if start <= t < start + 1) for start in moments)
    assert busiest <= 24  # 20 a second; a late call can bunch a few, still far below 30
    assert moments[-1] - moments[0] >= 59 / 20 - 0.1
    assert api.rejected == []
    span = moments[-1] - moments[0]
    print(f"\n60 reminders from two bots: {span:.2f} s, at most {busiest} in one second")


def reminded(person: FakeUser) -> bool:
    return any(REMINDER_TEXT in m.get("text", "") for m in person.messages)


async def until(condition: Callable[[], bool], *, seconds: float) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")
