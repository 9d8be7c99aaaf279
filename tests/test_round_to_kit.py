"""A round from HR's plan to the team meeting, through the real bot: plan, halfway, close, kit,
an action and its reminder, and the pulse weeks later."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.telegram.jobs import close_rounds, remind_actions
from dialogues.loader import default_dialogue
from storage.db import make_engine
from storage.models import OrganisationRound, TeamAction
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.flow import TEST_KEY
from tests.harness import tap_and_settle
from tests.test_kit import read_pdf
from tests.test_organisation_rounds import end_planned_round_now
from tests.test_pulse import round_closed_ago, tap_anywhere, texts
from tests.test_team_actions import bot_with_jobs, make_due
from tests.test_teams import LINK, OPEN_AGAIN, finish, members

MIN = 3  # bot_with_jobs' minimum group size
ANSWERED = f"{MIN} mensen hebben de puls al af"


def said(user: FakeUser, words: str) -> bool:
    return any(words in message.get("plain", "") for message in user.messages)


async def test_a_planned_round_runs_from_the_plan_to_the_kit_an_action_a_reminder_and_a_pulse(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    admin, north, south = api.user(9700, "Ada"), api.user(9701, "Noor"), api.user(9702, "Sam")
    leads = {"Noord": north, "Zuid": south}
    engine = make_engine(database_url)
    async for application in bot_with_jobs(api, tmp_path, database_url, admin_telegram_ids="9700"):
        assert application.job_queue is not None
        await admin.send("/organisatie Zorggroep West")
        await api.settle()
        lead_link = admin.last["plain"].split("?start=")[1].split()[0]
        codes = {}
        for name, lead in leads.items():
            await lead.send(f"/start {lead_link}")
            await api.settle()
            await lead.send(f"/team {name}")
            await lead.wait_for(lambda user: "photo" in user.last)
            found = LINK.search(lead.last["plain"])
            assert found is not None
            codes[name] = found.group(1)

        # HR (the admin) plans the round: today, three weeks.
        await admin.send("/hr")
        await api.settle()
        await tap_and_settle(api, admin, "📅 Ronde 1 plannen")
        today = next(label for label in admin.buttons() if label.startswith("Vandaag"))
        await tap_and_settle(api, admin, today)
        await tap_and_settle(api, admin, "3 weken")
        assert "Gepland. Ronde 1 van 'Zorggroep West' loopt van" in admin.last["plain"]

        conversation = Conversation(engine, default_dialogue(), TEST_KEY)
        for n, code in enumerate(codes.values()):
            for m, person in enumerate(members(10 + 10 * n)[-MIN:]):
                conversation.start(person, code)
                finish(conversation, person, option_index=(m + n) % 4 + 1)

        # Halfway: each lead hears how many took part, with the link one tap away.
        with Session(engine) as session:
            planned = session.exec(select(OrganisationRound)).one()
            planned.starts_at -= timedelta(weeks=4)  # its middle is now behind us
            session.add(planned)
            session.commit()
        application.job_queue.run_once(close_rounds, when=0)
        for name, lead in leads.items():
            await lead.wait_for(lambda user: said(user, "is op de helft"), timeout=15)
            halfway = next(m for m in lead.messages if "is op de helft" in m.get("plain", ""))
            assert f"In team '{name}' deden tot nu toe {MIN} mensen mee." in halfway["plain"]
        await api.settle()
        await tap_and_settle(api, north, "🔗 Link en QR-code")
        assert "photo" in north.last and codes["Noord"] in north.last["plain"]

        # The end date passes: the job closes the organisation's round and tells both leads.
        end_planned_round_now(engine)
        application.job_queue.run_once(close_rounds, when=0)
        for name, lead in leads.items():
            closed = f"Ronde 1 van team '{name}' is dicht. {MIN} mensen deden mee."
            await lead.wait_for(lambda user, closed=closed: said(user, closed), timeout=15)
        await api.settle()
        assert not said(admin, "is dicht")  # leads hear about their own team, nobody else

        for name, lead in leads.items():
            before = len(lead.messages)
            await lead.tap("📊 Bekijk de uitslag")
            await lead.wait_for(lambda u: OPEN_AGAIN in u.last.get("plain", ""), timeout=30)
            await api.settle()
            after = lead.messages[before:]
            assert any(f"Teamuitslag '{name}', ronde 1" in m.get("plain", "") for m in after)
            sheet = next(m for m in after if m.get("document"))
            assert sheet["document"]["file"] == f"werkoverleg-{name}-ronde-1.pdf"
            pages, printed, ink = read_pdf(sheet["document"]["content"])
            assert pages == 1 and name in printed and ink > 0.02

        # After the meeting, Noor records the action the team chose, and hears at its date.
        kit = next(m for m in north.messages if "Praat erover" in m.get("plain", ""))
        await north.tap_on(kit["message_id"], "✅ Actie kiezen")
        await api.settle()
        await tap_and_settle(api, north, "Nummer 1")
        await tap_and_settle(api, north, "🙋 Ik")
        when = next(label for label in north.buttons() if label.startswith("📅 Over 4 weken"))
        await tap_and_settle(api, north, when)
        assert "Afgesproken. Dit zijn de acties van team 'Noord' na ronde 1" in north.last["plain"]

        make_due(engine)
        application.job_queue.run_once(remind_actions, when=0)
        await north.wait_for(lambda u: "Het is zover!" in u.last.get("plain", ""), timeout=15)
        await tap_and_settle(api, north, "✅ Gedaan")
        with Session(engine) as session:
            assert session.exec(select(TeamAction.outcome)).one() == "done"
        assert not said(south, "Het is zover!")

        # Seven weeks after the close Noor sends the team a pulse on the kit's focus items.
        round_closed_ago(engine, 49)
        await north.send("/teamresultaat")
        await tap_anywhere(api, north, "📊 Puls sturen")
        pulse_link = LINK.search(north.last["plain"])
        assert pulse_link is not None and pulse_link.group(1).startswith("p")
        for m, person in enumerate(members(10)[-MIN:]):
            conversation.start(person, pulse_link.group(1))
            finish(conversation, person, option_index=4 - m % 2)
        count = len(north.messages)
        await north.send("/teamresultaat")
        await north.wait_for(lambda u, since=count: ANSWERED in texts(u, since), timeout=30)
        await tap_anywhere(api, north, "🔒 Puls sluiten", count)
        await north.tap("✅ Ja, sluit de puls")
        await north.wait_for(lambda u, since=count: "Puls van team" in texts(u, since), timeout=30)
        await api.settle()
        pulse = next(m["plain"] for m in north.messages if "Puls van team" in m["plain"])
        assert f"{MIN} mensen deden mee aan de puls." in pulse
        assert [line for line in pulse.splitlines() if line.startswith("• ")]
    assert api.rejected == []
    engine.dispose()


async def test_when_hr_closes_the_round_each_lead_hears_it_in_their_own_chat(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    admin, lead = api.user(9800, "Ada"), api.user(9801, "Noor")
    engine = make_engine(database_url)
    async for _ in bot_with_jobs(api, tmp_path, database_url, admin_telegram_ids="9800"):
        await admin.send("/organisatie Zorggroep Oost")
        await api.settle()
        await lead.send(f"/start {admin.last['plain'].split('?start=')[1].split()[0]}")
        await api.settle()
        await lead.send("/team Keuken")
        await lead.wait_for(lambda user: "photo" in user.last)
        found = LINK.search(lead.last["plain"])
        assert found is not None
        conversation = Conversation(engine, default_dialogue(), TEST_KEY)
        for person in members(MIN):
            conversation.start(person, found.group(1))
            finish(conversation, person, option_index=2)

        await admin.send("/hr")
        await api.settle()
        await tap_and_settle(api, admin, "🔒 Ronde 1 nu sluiten")
        await tap_and_settle(api, admin, "✅ Ja, sluit ronde 1")

        closed = f"Ronde 1 van team 'Keuken' is dicht. {MIN} mensen deden mee."
        await lead.wait_for(lambda user, closed=closed: said(user, closed), timeout=15)
        assert lead.buttons() == ["📊 Bekijk de uitslag"]
        assert not said(admin, "is dicht.")  # HR hears the round closed, not the lead's note
    assert api.rejected == []
    engine.dispose()
