"""Privacy a person can see: their data on request, deleted on request, forgotten in time,
and never a Telegram id, an answer or the token where it does not belong."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from storage.db import make_engine
from storage.models import Answer, HrGrant, OrganisationLead, Respondent, Result, Scan, Team
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.harness import (
    TOKEN,
    answer_all,
    bot_log,
    everything_stored,
    start_bot_process,
    tap_and_settle,
)
from tests.test_conversation import answer_current

SECRET_TEXT = "mijn-geheime-tekst-4711"


def rows(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__name__: len(session.exec(select(table)).all())
            for table in (Respondent, Scan, Answer, Result)
        }


async def start_and_answer(api: FakeBotApi, user: FakeUser, taps: int) -> None:
    await user.send("/start")
    await api.settle()
    await tap_and_settle(api, user, "✅ Ja")
    await tap_and_settle(api, user, "👷 Medewerker")
    for _ in range(taps):
        await tap_and_settle(api, user, user.buttons()[0])


async def test_my_data_shows_the_answers_and_delete_removes_them(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    sem = api.user(8100, "Sem")
    tess = api.user(8200, "Tess")
    await start_and_answer(api, sem, taps=2)
    await start_and_answer(api, tess, taps=1)
    engine = make_engine(database_url)
    before = rows(engine)

    await sem.send("/mijngegevens")
    await api.settle()
    overview = sem.messages[-2]["plain"]
    assert "Dit is alles wat we van je hebben" in overview
    assert "Wat is jouw rol in het werk? → 👷 Medewerker" in overview
    assert overview.count("→") == 4  # consent, role and the two statements
    await tap_and_settle(api, sem, "🗑️ Wis mijn gegevens")
    assert "Weet je het zeker?" in sem.last["plain"]
    await tap_and_settle(api, sem, "🗑️ Ja, wis alles")
    assert "Alles wat we van je hadden, is gewist" in sem.last["plain"]

    after = rows(engine)
    assert after == {
        "Respondent": before["Respondent"] - 1,
        "Scan": before["Scan"] - 1,
        "Answer": before["Answer"] - 4,
        "Result": 0,
    }
    await sem.send("/mijngegevens")
    await api.settle()
    assert "We hebben niets van je bewaard." in sem.last["plain"]
    await tess.send("/start")
    await api.settle()
    assert "Vraag 3 van" in tess.last["plain"]  # the other person keeps everything
    assert api.rejected == []


async def test_a_finished_person_who_deletes_leaves_no_result_behind(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    uma = api.user(8300, "Uma")
    await uma.send("/start")
    await api.settle()
    await answer_all(api, uma, pick=2)
    engine = make_engine(database_url)
    assert rows(engine)["Result"] == 1
    await uma.send("/verwijder")
    await api.settle()
    await tap_and_settle(api, uma, "↩️ Nee, bewaar")
    assert "er is niets gewist" in uma.last["plain"]
    assert rows(engine)["Result"] == 1
    await uma.send("/verwijder")
    await api.settle()
    await tap_and_settle(api, uma, "🗑️ Ja, wis alles")
    assert rows(engine) == {"Respondent": 0, "Scan": 0, "Answer": 0, "Result": 0}
    assert api.rejected == []


def age(engine: Engine, *, days: int, finished: bool = False) -> None:
    """Moves every scan's clock back, as if `days` passed without a word."""
    with Session(engine) as session:
        for scan in session.exec(select(Scan)):
            scan.updated_at = scan.updated_at - timedelta(days=days)
            if finished and scan.finished_at is not None:
                scan.finished_at = scan.finished_at - timedelta(days=days)
            session.add(scan)
        session.commit()


VERA = Person("telegram", "555000111", "nl")


def test_an_interview_left_for_a_month_expires_and_its_answers_go(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(VERA)
    for _ in range(4):
        answer_current(conversation, person=VERA)
    age(engine, days=31)

    outcome = conversation.start(VERA)
    assert [r.template for r in outcome.replies] == ["welcome", "question"]
    with Session(engine) as session:
        states = sorted(scan.state for scan in session.exec(select(Scan)))
        assert states == ["expired", "toestemming"]
        assert session.exec(select(Answer)).all() == []


def test_tidying_expires_idle_interviews_without_waiting_for_the_person(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(VERA)
    answer_current(conversation, person=VERA)
    age(engine, days=29)
    assert conversation.tidy().expired == 0
    age(engine, days=2)
    assert conversation.tidy().expired == 1
    assert rows(engine)["Answer"] == 0


def test_after_the_retention_period_a_result_no_longer_points_to_anyone(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(VERA)
    answer_current(conversation, option_index=0, person=VERA)  # consent
    while conversation.current(VERA).replies[-1].template == "question":
        answer_current(conversation, option_index=1, person=VERA)
    age(engine, days=364, finished=True)
    assert conversation.tidy().unlinked == 0
    age(engine, days=2, finished=True)
    assert conversation.tidy().unlinked == 1

    with Session(engine) as session:
        scan = session.exec(select(Scan)).one()
        assert scan.respondent_id is None
        assert session.exec(select(Respondent)).all() == []
        assert session.exec(select(Result)).one() is not None  # team figures stay right
        assert session.exec(select(Answer)).all() == [], "no raw answer outlives retention"
    assert [r.data["key"] for r in conversation.my_data(VERA).replies] == ["no_data"]


def test_after_deletion_no_byte_of_the_person_is_left_in_the_database_files(
    conversation: Conversation, database_url: str
) -> None:
    """SQLite's files (database, WAL, shared memory) or every PostgreSQL row, read raw."""
    conversation.start(VERA)
    answer_current(conversation, option_index=0, person=VERA)  # consent
    for _ in range(3):
        answer_current(conversation, option_index=1, person=VERA)
    name = conversation.pseudonym_of(VERA).encode()
    before = everything_stored(database_url)
    assert name in before and b"toestemming" in before  # the check can see them

    conversation.forget(VERA, confirmed=True)
    after = everything_stored(database_url)
    assert name not in after
    assert name[:16] not in after  # not even the short code /mijngegevens shows
    assert b"toestemming" not in after, "an answer row (its question id) was left"


async def test_database_and_logs_hold_no_telegram_id_answer_or_token(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    people = [api.user(7_300_000_000 + n, f"P{n}") for n in range(3)]
    process = await start_bot_process(api, tmp_path, LOG_LEVEL="DEBUG", DATABASE_URL=database_url)
    try:
        for n, person in enumerate(people):
            await person.send("/start")
            await api.settle(timeout=20)
            await tap_and_settle(api, person, "✅ Ja")
            await person.send(SECRET_TEXT)
            await api.settle()
            if n < 2:
                await answer_all(api, person, pick=n)
            else:
                await tap_and_settle(api, person, "👷 Medewerker")
        await people[0].send("/mijngegevens")
        await api.settle()
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    log = bot_log(tmp_path).read_text()

    assert "DEBUG" in log and "Application started" in log  # the log did run, verbosely
    stored = everything_stored(database_url)
    assert b"medewerker" in stored  # the dump does hold the answers
    for person in people:
        assert str(person.id).encode() not in stored
        assert str(person.id) not in log
    assert TOKEN.encode() not in stored
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert SECRET_TEXT not in log and SECRET_TEXT.encode() not in stored
    assert "a:rol:" not in log and "medewerker" not in log.lower()  # no button data, no answers
    assert api.rejected == []


def test_deleting_also_forgets_the_person_as_lead_and_as_hr(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=3)
    lead = Person("telegram", "5550001", "nl")
    org_code = teams.organisation(lead, "Zorggroep").replies[0].data["organisation"].code
    hr_code = teams.hr_access(lead, "Zorggroep").replies[0].data["invite"].code
    conversation.start(lead, org_code)
    conversation.start(lead, hr_code)
    teams.team(lead, "Keuken")
    shown = conversation.my_data(lead).replies[0].data
    assert (shown["teams"], shown["organisation"], shown["hr"]) == (["Keuken"], "Zorggroep", True)

    conversation.forget(lead, confirmed=True)
    name = conversation.pseudonym_of(lead)
    with Session(engine) as session:
        assert session.get(OrganisationLead, name) is None
        assert session.exec(select(HrGrant).where(HrGrant.pseudonym == name)).all() == []
        team = session.exec(select(Team)).one()
        assert team.name == "Keuken" and team.lead == ""  # the team stays, without its lead
    assert not teams.has_hr_access(lead)
