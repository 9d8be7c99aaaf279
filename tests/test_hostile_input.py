"""Anything a person can send, through the real update path: the bot stays calm and on track.

Each kind of input arrives as a real update that python-telegram-bot fetches from the local
Bot API server. The person is at the role question; after the input they must see a short
hint and that same question again, nothing they answered may change, and nothing the bot
sends may be something Telegram would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import ProcessedUpdate
from tests.fakebotapi import BOT_USER, FakeBotApi, FakeUser
from tests.harness import start_and_consent, stored_answers, tap_and_settle

ROLE_QUESTION = "Wat is jouw rol in het werk?"
CONSENTED = {"toestemming": "ja"}
HINT = "Antwoorden gaat met de knoppen"
LONG_TEXT = "Ik heb hier veel over te zeggen. " * 124  # 4092 characters, near Telegram's 4096


def photo_sizes() -> list[dict[str, Any]]:
    return [{"file_id": "ph1", "file_unique_id": "uph1", "width": 90, "height": 90}]


def file_fields(file_id: str) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": f"u{file_id}"}


# Message contents a person can send, by kind; every one gets the hint and the question.
MESSAGES: dict[str, dict[str, Any]] = {
    "free text": {"text": "ik weet het niet zo goed"},
    "very long text": {"text": LONG_TEXT},
    "emoji only": {"text": "👍👍🙂🎉"},
    "right-to-left text": {"text": "\u202bمرحبا، أنا عامل في المستودع\u202c"},
    "html-like text": {"text": "<b>vet</b> & <script>alert(1)</script> </i>"},
    "invisible characters": {"text": "\u200b\u200d\u2060"},
    "a number instead of a tap": {"text": "3"},
    "sticker": {
        "sticker": {
            **file_fields("st1"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
    },
    "photo": {"photo": photo_sizes()},
    "photo with html caption": {"photo": photo_sizes(), "caption": "<i>kijk</i> & zo"},
    "voice message": {"voice": {**file_fields("vo1"), "duration": 4}},
    "video": {"video": {**file_fields("vi1"), "width": 640, "height": 480, "duration": 3}},
    "video note": {"video_note": {**file_fields("vn1"), "length": 240, "duration": 2}},
    "audio": {"audio": {**file_fields("au1"), "duration": 30}},
    "document": {"document": {**file_fields("do1"), "file_name": "cv.pdf"}},
    "animation": {
        "animation": {**file_fields("an1"), "width": 200, "height": 200, "duration": 1},
        "document": file_fields("an1"),
    },
    "location": {"location": {"latitude": 52.09, "longitude": 5.12}},
    "venue": {
        "venue": {
            "location": {"latitude": 52.09, "longitude": 5.12},
            "title": "Kantine",
            "address": "Stationsplein 1",
        },
        "location": {"latitude": 52.09, "longitude": 5.12},
    },
    "contact": {"contact": {"phone_number": "+31612345678", "first_name": "Sam"}},
    "poll": {
        "poll": {
            "id": "p1",
            "question": "Koffie?",
            "options": [
                {"persistent_id": "o1", "text": "ja", "voter_count": 0},
                {"persistent_id": "o2", "text": "nee", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "forwarded text": {
        "text": "doorgestuurd bericht",
        "forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "Iemand"},
    },
    "unknown command": {
        "text": "/ditbestaatniet",
        "entities": [{"type": "bot_command", "offset": 0, "length": 15}],
    },
    "command for another bot": {
        "text": "/start@een_andere_bot",
        "entities": [{"type": "bot_command", "offset": 0, "length": 21}],
    },
}


async def at_role_question(api: FakeBotApi, user: FakeUser) -> None:
    await start_and_consent(api, user)
    assert ROLE_QUESTION in user.last["text"]


def assert_calm(api: FakeBotApi, user: FakeUser, seen: int) -> None:
    """A hint, then the role question again with its buttons; nothing refused by Telegram."""
    new = [m["plain"] for m in user.messages[seen:]]
    assert any(HINT in text for text in new), new
    assert ROLE_QUESTION in user.last["plain"]
    assert "👷 Medewerker" in user.buttons()
    assert api.rejected == []


@pytest.mark.parametrize("kind", list(MESSAGES))
async def test_any_message_gets_a_hint_and_the_current_question(
    api: FakeBotApi, running_bot: Path, database_url: str, kind: str
) -> None:
    eva = api.user(6100, "Eva")
    await at_role_question(api, eva)
    seen = len(eva.messages)
    await eva.send_raw(MESSAGES[kind])
    await api.settle()
    assert_calm(api, eva, seen)
    assert dict(stored_answers(database_url)) == CONSENTED


def edited(user: FakeUser, message_id: int) -> dict[str, Any]:
    message = {
        "message_id": message_id,
        "date": 1,
        "edit_date": 2,
        "from": user.chat.user,
        "chat": user.chat.as_telegram(),
        "text": "/opnieuw",
        "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
    }
    return {"edited_message": message}


def garbage_tap(data: str) -> Callable[[FakeUser], dict[str, Any]]:
    def update(user: FakeUser) -> dict[str, Any]:
        question = user.last
        query = {
            "id": f"q-{data}",
            "from": user.chat.user,
            "chat_instance": "ci",
            "message": user.api._as_telegram(question, user.chat),
            "data": data,
        }
        user.api.callback_answers[query["id"]] = None
        return {"callback_query": query}

    return update


# Whole updates that are not ordinary messages.
UPDATES: dict[str, Callable[[FakeUser], dict[str, Any]]] = {
    "an old message edited into a command": lambda user: edited(user, 1),
    "a button with data the bot never made": garbage_tap("xyz"),
    "a button for a question that does not exist": garbage_tap("a:geen_vraag:ja"),
    "a button with an option that does not exist": garbage_tap("a:rol:astronaut"),
    "a navigation button that does not exist": garbage_tap("n:zelfdestructie"),
}


@pytest.mark.parametrize("kind", list(UPDATES))
async def test_odd_updates_get_a_hint_and_the_current_question(
    api: FakeBotApi, running_bot: Path, database_url: str, kind: str
) -> None:
    fay = api.user(6200, "Fay")
    await at_role_question(api, fay)
    seen = len(fay.messages)
    api.push_update(UPDATES[kind](fay))
    await api.settle()
    assert_calm(api, fay, seen)
    assert api.unanswered_callback_queries() == []
    assert dict(stored_answers(database_url)) == CONSENTED


async def test_start_in_the_middle_continues_where_the_person_was(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    gus = api.user(6300, "Gus")
    await at_role_question(api, gus)
    await gus.send("/start")
    await api.settle()
    assert "Welkom terug!" in gus.messages[-2]["plain"]
    assert ROLE_QUESTION in gus.last["plain"]
    await tap_and_settle(api, gus, "👷 Medewerker")
    assert dict(stored_answers(database_url)) == {**CONSENTED, "rol": "medewerker"}
    await gus.send("/start")
    await api.settle()
    await gus.tap_on(gus.messages[-2]["message_id"], "🔄 Opnieuw beginnen")  # or start over
    await api.settle()
    assert dict(stored_answers(database_url)) == {**CONSENTED, "rol": "medewerker"}  # asked
    await tap_and_settle(api, gus, "🔄 Ja, opnieuw")
    assert "We beginnen opnieuw." in gus.messages[-2]["plain"]
    assert ROLE_QUESTION in gus.last["plain"]
    assert dict(stored_answers(database_url)) == CONSENTED
    assert api.rejected == []


async def test_a_person_whose_language_the_bot_lacks_gets_dutch(
    api: FakeBotApi, running_bot: Path
) -> None:
    hana = api.user(6400, "Hana", language_code="ar")
    await at_role_question(api, hana)
    await hana.send("مرحبا")
    await api.settle()
    assert HINT in hana.messages[-2]["plain"]
    assert api.rejected == []


@pytest.mark.parametrize(
    "command", ["/start", "/help", "/start@leercultuur_test_bot", "/verwijder"]
)
async def test_in_a_group_the_bot_points_to_a_private_chat(
    api: FakeBotApi, running_bot: Path, database_url: str, command: str
) -> None:
    ivo = api.user(6500, "Ivo")
    in_group = api.group(-100500, ivo)
    await in_group.send(command)
    await api.settle()
    assert len(in_group.messages) == 1
    assert "privégesprek" in in_group.last["plain"]
    [[link]] = in_group.last["reply_markup"]["inline_keyboard"]
    assert link["url"] == f"https://t.me/{BOT_USER['username']}"
    assert ivo.messages == []
    assert dict(stored_answers(database_url)) == {}
    assert api.rejected == []


async def test_plain_group_messages_are_left_alone(api: FakeBotApi, running_bot: Path) -> None:
    jet = api.user(6600, "Jet")
    in_group = api.group(-100600, jet)
    await in_group.send("goedemorgen allemaal")
    await api.settle()
    assert in_group.messages == []
    assert api.rejected == []


async def test_the_same_update_delivered_twice_counts_once(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    kim = api.user(6700, "Kim")
    await at_role_question(api, kim)
    tapped = kim.last["message_id"]
    query_id = await kim.tap("👷 Medewerker")
    update = next(u for u in api._updates if u.get("callback_query", {}).get("id") == query_id)
    api.push_update({"callback_query": update["callback_query"]}, update_id=update["update_id"])
    await api.settle()
    assert [m["message_id"] for m in kim.messages].count(tapped) == 1
    assert sum("Vraag 2 van" in m["plain"] for m in kim.messages) == 1
    assert dict(stored_answers(database_url)) == {**CONSENTED, "rol": "medewerker"}
    with Session(make_engine(database_url)) as session:
        assert update["update_id"] in {p.update_id for p in session.exec(select(ProcessedUpdate))}
    assert api.rejected == []


async def test_two_quick_taps_on_one_button_count_once(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    lou = api.user(6800, "Lou")
    await at_role_question(api, lou)
    question = lou.last["message_id"]
    await lou.tap_on(question, "👷 Medewerker")
    await lou.tap_on(question, "👷 Medewerker")
    await api.settle()
    assert sum("Vraag 2 van" in m["plain"] for m in lou.messages) == 1
    assert dict(stored_answers(database_url)) == {**CONSENTED, "rol": "medewerker"}
    assert api.unanswered_callback_queries() == []
    assert api.rejected == []


async def test_a_quick_second_tap_on_another_option_does_not_change_the_answer(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    max_ = api.user(6900, "Max")
    await at_role_question(api, max_)
    question = max_.last["message_id"]
    await max_.tap_on(question, "👷 Medewerker")
    await max_.tap_on(question, "🗂️ HR")
    await api.settle()
    assert "Die knop hoort bij een eerdere vraag" in max_.messages[-2]["plain"]
    assert "Vraag 2 van" in max_.last["plain"]
    assert dict(stored_answers(database_url)) == {**CONSENTED, "rol": "medewerker"}
    assert api.rejected == []
