"""What a person sees of the interaction in Telegram, through the real PTB path (fakebotapi).

Destructive buttons ask once; a question sent again leaves one copy with working buttons;
the command menu a worker sees holds worker commands only, and leads, HR and admins get
theirs in their own chat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dialogues.loader import default_dialogue
from tests.fakebotapi import FakeBotApi, FakeUser, keyboard_of
from tests.flow import WORKER_TOTAL
from tests.harness import bot_in_this_loop, stored_answers, tap_and_settle

WORDS = {code: locale.messages for code, locale in default_dialogue().locales.items()}
FIRST_ANSWERS = {
    "nl": ("✅ Ja", "👷 Medewerker", "😄 Klopt helemaal"),
    "en": ("✅ Yes", "👷 Employee", "😄 Completely true"),
}
ROLE_ONLY = {"team", "teamresultaat", "hr", "organisatie", "hrtoegang"}


def plain(words: str) -> str:
    """A locale text as Telegram shows it (no HTML in these)."""
    return words.split("{")[0].strip()


def live_answer_copies(user: FakeUser) -> list[dict[str, Any]]:
    """Messages in the chat with answer buttons that still work."""
    return [
        m
        for m in user.messages
        if any(b.get("callback_data", "").startswith("a:") for row in keyboard_of(m) for b in row)
    ]


async def start_and_answer(api: FakeBotApi, user: FakeUser, language: str, statements: int) -> None:
    consent, role, statement = FIRST_ANSWERS[language]
    await user.send("/start")
    await api.settle()
    await tap_and_settle(api, user, consent)
    await tap_and_settle(api, user, role)
    for _ in range(statements):
        await tap_and_settle(api, user, statement)


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_start_over_under_welcome_back_asks_once(
    api: FakeBotApi, running_bot: Path, database_url: str, language: str
) -> None:
    words = WORDS[language]
    ria = api.user(7101, "Ria", language_code=language)
    await start_and_answer(api, ria, language, statements=2)
    answered = stored_answers(database_url)
    assert len(answered) == 4  # consent, role, two statements

    await ria.send("/start")
    await api.settle()
    welcome_back = ria.messages[-2]
    assert plain(words["welcome_back"])[:12] in welcome_back["plain"]
    await ria.tap_on(welcome_back["message_id"], words["start_over_button"])
    await api.settle()
    assert words["restart_confirm"] in ria.last["plain"]
    assert ria.buttons() == [words["restart_yes"], words["restart_no"]]
    assert stored_answers(database_url) == answered  # one tap wiped nothing

    await tap_and_settle(api, ria, words["restart_no"])
    assert words["not_restarted"] in ria.messages[-2]["plain"]
    assert words["position"].format(n=4, total=WORKER_TOTAL) in ria.last["plain"]
    assert stored_answers(database_url) == answered  # "no" keeps every answer

    await ria.send("/start")
    await api.settle()
    await ria.tap_on(ria.messages[-2]["message_id"], words["start_over_button"])
    await api.settle()
    await tap_and_settle(api, ria, words["restart_yes"])
    assert words["restarted"] in ria.messages[-2]["plain"]
    assert [q for q, _ in stored_answers(database_url)] == ["toestemming"]  # "yes" wipes
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_a_question_sent_again_leaves_one_copy_with_buttons(
    api: FakeBotApi, running_bot: Path, language: str
) -> None:
    words = WORDS[language]
    position = words["position"].format(n=4, total=WORKER_TOTAL)
    sem = api.user(7102, "Sem", language_code=language)
    await start_and_answer(api, sem, language, statements=2)
    await sem.send("blabla")  # typed nonsense: the question comes again
    await api.settle()
    assert words["not_understood"] in sem.messages[-2]["plain"]
    copies = [m for m in sem.messages if position in m["plain"]]
    assert len(copies) == 2
    assert not keyboard_of(copies[0])  # the old copy lost its buttons
    assert live_answer_copies(sem) == [copies[1]] == [sem.last]

    await sem.send("/start")  # in the middle: welcome back and the question again
    await api.settle()
    copies = [m for m in sem.messages if position in m["plain"]]
    assert len(copies) == 3
    assert live_answer_copies(sem) == [sem.last]

    await sem.send("/pauze")
    await api.settle()
    await tap_and_settle(api, sem, words["resume_button"])  # resume: the question again
    assert live_answer_copies(sem) == [sem.last]
    # Only the newest interview message has buttons; the welcome back's went with the rest.
    with_buttons = [m for m in sem.messages if keyboard_of(m)]
    assert with_buttons == [sem.last]
    assert api.rejected == []


async def test_a_copy_that_cannot_be_edited_does_not_stop_the_question(
    api: FakeBotApi, running_bot: Path
) -> None:
    tom = api.user(7103, "Tom")
    await start_and_answer(api, tom, "nl", statements=1)
    tom.messages.remove(tom.last)  # the person deleted the question
    await tom.send("wat nu?")
    await api.settle()
    assert "Vraag 3 van" in tom.last["plain"]
    assert keyboard_of(tom.last)
    assert not any("ging iets mis" in m["plain"] for m in tom.messages)
    assert api.rejected == [("editMessageReplyMarkup", "Bad Request: message to edit not found")]


async def test_a_tap_on_an_old_copy_still_gets_a_friendly_answer(
    api: FakeBotApi, running_bot: Path
) -> None:
    """A copy another worker sent (or a restart forgot) keeps its buttons; a tap on it is fine."""
    uma = api.user(7104, "Uma")
    await start_and_answer(api, uma, "nl", statements=1)
    old_copy = uma.last["message_id"]
    api.fail_next("editMessageReplyMarkup", 400, "Bad Request: message can't be edited")
    await uma.send("hallo")
    await api.settle()
    await tap_and_settle(api, uma, "😄 Klopt helemaal")  # on the new copy: question 4
    await uma.tap_on(old_copy, "🙂 Klopt")
    await api.settle()
    assert "Die knop hoort bij een eerdere vraag" in uma.messages[-2]["plain"]
    assert "Vraag 4 van" in uma.last["plain"]
    assert api.unanswered_callback_queries() == []


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_deleting_asks_once_and_no_keeps_the_question_going(
    api: FakeBotApi, running_bot: Path, database_url: str, language: str
) -> None:
    words = WORDS[language]
    vic = api.user(7105, "Vic", language_code=language)
    await start_and_answer(api, vic, language, statements=1)
    answered = stored_answers(database_url)
    await vic.send("/mijngegevens")
    await api.settle()
    await tap_and_settle(api, vic, words["forget_button"])
    assert words["forget_confirm"] in vic.last["plain"]
    await tap_and_settle(api, vic, words["forget_no"])
    assert words["kept"] in vic.messages[-2]["plain"]
    assert words["position"].format(n=3, total=WORKER_TOTAL) in vic.last["plain"]
    assert live_answer_copies(vic) == [vic.last]  # no dead end: the question is there
    assert stored_answers(database_url) == answered

    await vic.send("/verwijder")
    await api.settle()
    assert words["forget_confirm"] in vic.last["plain"]
    assert stored_answers(database_url) == answered
    await tap_and_settle(api, vic, words["forget_yes"])
    assert plain(words["forgotten"])[:5] in vic.last["plain"]
    assert stored_answers(database_url) == []
    assert [m for m in vic.messages if keyboard_of(m)] == []  # no button acts on nothing
    assert api.rejected == []


async def test_workers_see_worker_commands_and_roles_get_theirs(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    if True:  # the bot with an admin, on the `api` fixture's server
        admin, lead, hanna = api.user(7200, "Ada"), api.user(7201, "Lea"), api.user(7202, "Hanna")
        worker = api.user(7203, "Wim", language_code="en")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, admin_telegram_ids="7200")
        async for _ in bot:
            for language in ("nl", "en"):
                shown = api.menu(worker.id, language)
                assert "start" in shown and "verwijder" in shown
                assert not set(shown) & ROLE_ONLY, shown
            await worker.send("/start")
            await api.settle()
            assert not set(api.menu(worker.id, "en")) & ROLE_ONLY

            await lead.send("/start")
            await api.settle()
            await lead.send("/team Keuken")  # making a team makes a lead
            await api.settle()
            assert {"team", "teamresultaat"} <= set(api.menu(lead.id, "nl"))
            assert not {"hr", "organisatie", "hrtoegang"} & set(api.menu(lead.id, "nl"))
            described = api.commands[("chat", lead.id, "en")]
            assert {"command": "team", "description": WORDS["en"]["cmd_team"]} in described

            await admin.send("/organisatie Zorggroep")
            await api.settle()
            assert {"organisatie", "hrtoegang", "hr"} <= set(api.menu(admin.id, "nl"))
            lead_link = admin.last["plain"].split("?start=")[1].split()[0]
            olaf = api.user(7204, "Olaf", language_code="en")
            await olaf.send(f"/start {lead_link}")  # a lead by the organisation's link
            await api.settle()
            assert {"team", "teamresultaat"} <= set(api.menu(olaf.id, "en"))
            assert (
                api.commands[("chat", olaf.id, "en")][0]["description"] == WORDS["en"]["cmd_start"]
            )
            await admin.send("/hrtoegang Zorggroep")
            await api.settle()
            code = admin.last["plain"].split("?start=")[1].split()[0]
            assert "hr" not in api.menu(hanna.id, "nl")
            await hanna.send(f"/start {code}")  # HR access by the admin's link
            await api.settle()
            assert "hr" in api.menu(hanna.id, "nl")
            assert not {"organisatie", "hrtoegang"} & set(api.menu(hanna.id, "nl"))

            await lead.send("/verwijder")  # everything deleted: a worker's menu again
            await api.settle()
            await tap_and_settle(api, lead, WORDS["nl"]["forget_yes"])
            assert not set(api.menu(lead.id, "nl")) & ROLE_ONLY
            assert not set(api.menu(worker.id, "nl")) & ROLE_ONLY  # others' menus unchanged
    assert api.rejected == []


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_taking_back_all_hr_access_asks_once(
    api: FakeBotApi, tmp_path: Path, database_url: str, language: str
) -> None:
    words = WORDS[language]
    admin, hanna = api.user(7300, "Ada", language_code=language), api.user(7301, "Hanna")
    bot = bot_in_this_loop(api, tmp_path, database_url=database_url, admin_telegram_ids="7300")
    async for _ in bot:
        await admin.send("/organisatie Zorggroep")
        await api.settle()
        await admin.send("/hrtoegang Zorggroep")
        await api.settle()
        code = admin.last["plain"].split("?start=")[1].split()[0]
        await hanna.send(f"/start {code}")
        await api.settle()

        await admin.send("/hrtoegang intrekken")
        await api.settle()
        assert words["hr_revoke_confirm"] in admin.last["plain"]
        await tap_and_settle(api, admin, words["hr_revoke_no"])
        assert words["hr_revoke_kept"] in admin.last["plain"]
        assert not keyboard_of(admin.messages[-2])  # the question is closed
        await hanna.send("/hr")
        await api.settle()
        assert "alleen voor HR" not in hanna.last["plain"]  # "no" took nothing back

        await admin.send("/hrtoegang intrekken")
        await api.settle()
        await tap_and_settle(api, admin, words["hr_revoke_yes"])
        assert words["hr_revoked"].format(revoked=1) in admin.last["plain"]
        await hanna.send("/hr")
        await api.settle()
        assert "alleen voor HR" in hanna.last["plain"]
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
