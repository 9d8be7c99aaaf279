"""Actions after the team meeting: chosen with buttons (what, who, when), two at most per round,
a reminder to the lead at the date (once, however many workers look), and the lead's address
kept only while it serves that.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select, update

from bot.render import Renderer, plain_text
from bot.service.conversation import Conversation
from bot.service.outcome import Notice, Person
from bot.service.teams import Teams, team_data
from bot.telegram.context import App
from bot.telegram.jobs import remind_actions
from dialogues.loader import default_dialogue
from statemachine import Reply
from storage.db import make_engine
from storage.models import LeadContact, TeamAction, as_utc, utcnow
from tests.fakebotapi import FakeBotApi, keyboard_of
from tests.flow import TEST_KEY
from tests.harness import polling_application, tap_and_settle
from tests.test_team_card import reply_to
from tests.test_teams import LINK, OPEN_AGAIN, finish, members

LEAD = Person("telegram", "910001", "nl", address="910001")
SPACING = timedelta(milliseconds=10)


def closed_team(conversation: Conversation, name: str = "Magazijn") -> tuple[Teams, str]:
    """A team whose first round closed with three people: its kit offers actions."""
    teams = Teams(conversation.people, min_group=3)
    card = teams.team(LEAD, name).replies[0]
    code = card.data["team"].code
    for n, person in enumerate(members(3)):
        conversation.start(person, code)
        finish(conversation, person, option_index=n + 1)
    teams.press(LEAD, team_data("close_yes", code))
    return teams, code


def buttons(reply: Reply) -> list[str]:
    return [data for _, _, data in reply.data.get("buttons", [])]


def only(teams: Teams, data: str, person: Person = LEAD) -> Reply:
    replies = teams.press(person, data).replies
    assert len(replies) == 1, replies
    return replies[0]


def record(teams: Teams, code: str, pick: int = 0, who: int = 0, when: int = 0) -> Reply:
    """Three taps from the kit's button: a suggestion, who, when; the confirmation."""
    kit = next(r for r in teams.overview(LEAD).replies if r.template == "team_kit")
    what = only(teams, buttons(kit)[0])
    assert what.template == "action_what", what
    asked_who = only(teams, buttons(what)[pick])
    asked_when = only(teams, buttons(asked_who)[who])
    return only(teams, buttons(asked_when)[when])


def test_a_lead_records_an_action_in_three_taps_and_sees_it_in_the_result(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    kit = next(r for r in teams.overview(LEAD).replies if r.template == "team_kit")
    assert buttons(kit) == [team_data("act.start", code)]
    what = only(teams, buttons(kit)[0])
    offered = what.data["suggestions"]
    assert 1 <= len(offered) <= 4
    assert all(key.startswith(("tip.", "kit.")) for key in offered)
    choices = buttons(what)
    assert len(choices) == len(offered) + 2  # the suggestions, type your own, stop
    assert all(len(data.encode()) < 64 for data in choices)

    asked_who = only(teams, choices[0])
    assert asked_who.data["ask"] == "action_who_ask"
    who = buttons(asked_who)
    assert [data.split(":")[1].split(".")[-1] for data in who] == ["lead", "team", "peer"]
    asked_when = only(teams, who[1])
    dates = [params["date"] for _, params, _ in asked_when.data["buttons"]]
    today = conversation.people.local(utcnow()).date()
    days = [today + timedelta(weeks=weeks) for weeks in (2, 4, 6)]
    assert dates == [f"{d.day}-{d.month}-{d.year}" for d in days]  # as people write them
    done = teams.press(LEAD, buttons(asked_when)[0])
    assert done.handled_tap  # the question's buttons go
    listed = done.replies[0]
    assert listed.template == "team_actions" and listed.data["title"] == "action_recorded"
    assert listed.data["chosen"] == [
        {"key": offered[0], "text": None, "who": "team", "due": dates[0], "status": "open"}
    ]
    assert listed.data["note"] == "action_reminder_note"

    with Session(engine) as session:
        action = session.exec(select(TeamAction)).one()
        local = conversation.people.local(as_utc(action.due_at or utcnow()))
        assert (local.hour, local.minute) == (9, 0)  # a morning, on the organisation's clock
        assert timedelta(days=13) < as_utc(action.due_at or utcnow()) - utcnow() < timedelta(15)
        contact = session.exec(select(LeadContact)).one()
        assert contact.address == LEAD.address

    result = next(r for r in teams.overview(LEAD).replies if r.template == "team_result")
    assert result.data["chosen"] == listed.data["chosen"]
    text = Renderer(conversation.dialogue).render(result, "nl").text
    assert "Jullie acties na deze ronde" in text and dates[0] in text and "het hele team" in text


def test_two_actions_at_most_then_one_is_replaced_or_nothing_changes(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code, pick=0)
    second = record(teams, code, pick=1, who=2, when=2)
    assert len(second.data["chosen"]) == 2
    kit = next(r for r in teams.overview(LEAD).replies if r.template == "team_kit")
    full = only(teams, buttons(kit)[0])
    assert full.template == "team_actions" and full.data["title"] == "action_full"
    replace_first, _, stop = buttons(full)
    assert only(teams, stop).data["key"] == "action_stopped"
    with Session(engine) as session:
        assert [a.outcome for a in session.exec(select(TeamAction))] == [None, None]

    what = only(teams, replace_first)
    assert what.template == "action_what"
    asked_who = only(teams, buttons(what)[2])
    asked_when = only(teams, buttons(asked_who)[0])
    listed = only(teams, buttons(asked_when)[1])
    assert [a["who"] for a in listed.data["chosen"]] == ["peer", "lead"]
    with Session(engine) as session:
        outcomes = [a.outcome for a in session.exec(select(TeamAction).order_by(TeamAction.id))]
    assert outcomes == ["replaced", None, None]


def test_someone_else_cannot_tap_a_leads_action_buttons(conversation: Conversation) -> None:
    teams, code = closed_team(conversation)
    record(teams, code)
    other_teams, other_code = closed_team(conversation, "Keuken")  # the same lead's other team
    with Session(conversation.engine) as session:
        action_id = session.exec(select(TeamAction.id)).one()
    outsider = Person("telegram", "910099", "nl", address="910099")
    taps = [
        team_data("act.start", code),
        team_data("act.what.0", code),
        team_data("act.own", code),
        team_data(f"act.who.{action_id}.lead", code),
        team_data(f"act.when.{action_id}.2", code),
        team_data(f"act.out.{action_id}.done", code),
        team_data(f"act.rep.{action_id}", code),
    ]
    for data in taps:
        assert only(teams, data, outsider).data["key"] == "not_your_team", data
    # The lead's own other team cannot reach this action either: the id is checked per team.
    wrong = only(other_teams, team_data(f"act.out.{action_id}.done", other_code))
    assert wrong.data["key"] == "action_gone"
    with Session(conversation.engine) as session:
        assert session.exec(select(TeamAction.outcome)).one() is None


def test_an_action_typed_by_the_lead_is_cleaned_and_kept_short(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    asked = only(teams, team_data("act.own", code))
    assert asked.data["answer_by_reply"] and asked.data["params"]["team"] == "Magazijn"
    typed = "  Elke week\u200b een   kwartier\u202e samen leren " + "x" * 200
    asked_who = teams.actions.typed(LEAD, "magazijn", typed).replies[0]
    assert asked_who.data["ask"] == "action_who_ask"
    text = asked_who.data["action"]["text"]
    assert text.startswith("Elke week een kwartier samen leren x") and len(text) == 120
    assert teams.actions.typed(LEAD, "Magazijn", " \u200b ").replies[0].data["key"] == (
        "action_ask_what"  # nothing visible: asked again
    )
    outsider = Person("telegram", "910098", "nl")
    assert teams.actions.typed(outsider, "Magazijn", "Iets").replies[0].data["key"] == (
        "not_your_team"
    )
    rendered = Renderer(conversation.dialogue).render(asked_who, "en").text
    assert "Who will do it?" in rendered and "Elke week een kwartier" in rendered


def make_due(engine: Engine) -> None:
    with Session(engine) as session:
        session.exec(update(TeamAction).values(due_at=utcnow() - timedelta(minutes=1)))
        session.commit()


def test_a_due_action_is_taken_once_by_two_workers_at_the_same_moment(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code, pick=0)
    record(teams, code, pick=1)
    make_due(engine)
    # Another worker (process) on the same database: its own Teams, its own connections.
    other = Teams(Conversation(engine, conversation.dialogue, TEST_KEY).people, min_group=3)
    start = threading.Barrier(2)
    taken: list[list[Notice]] = [[], []]

    def take(n: int, by: Teams) -> None:
        start.wait()
        taken[n] = by.actions.due(spacing=SPACING)

    threads = [threading.Thread(target=take, args=(n, by)) for n, by in enumerate([teams, other])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    notices = taken[0] + taken[1]
    assert len(notices) == 2  # each action once, whoever took it
    assert {n.address for n in notices} == {LEAD.address}
    assert teams.actions.due(spacing=SPACING) == []  # and never again
    reminder = notices[0].reply
    assert reminder.data["ask"] == "action_reminder"
    assert [data.rsplit(".", 1)[1].split(":")[0] for data in buttons(reminder)] == [
        "done",
        "busy",
        "failed",
    ]
    text = plain_text(Renderer(conversation.dialogue).render(reminder, "nl").text)
    assert "Het is zover! Team 'Magazijn'" in text


def test_the_outcome_tap_is_stored_and_still_busy_asks_again_later(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code, pick=0)
    record(teams, code, pick=1)
    make_due(engine)
    first, second = teams.actions.due(spacing=SPACING)
    done = teams.press(LEAD, buttons(first.reply)[0])
    assert done.handled_tap and done.replies[0].data["key"] == "action_outcome_done"
    busy = teams.press(LEAD, buttons(second.reply)[1]).replies[0]
    assert busy.data["key"] == "action_outcome_busy"
    with Session(engine) as session:
        rows = list(session.exec(select(TeamAction).order_by(TeamAction.id)))
    assert [row.outcome for row in rows] == ["done", "busy"]
    assert rows[1].reminded_at is None and as_utc(rows[1].due_at or utcnow()) > utcnow()
    statuses = [a["status"] for a in teams.overview(LEAD).replies[0].data["chosen"]]
    assert statuses == ["done", "busy"]


def lead_contacts(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(LeadContact.address)))


def test_the_leads_address_shows_in_my_data_and_goes_with_verwijder(
    conversation: Conversation, engine: Engine
) -> None:
    conversation.start(LEAD)  # a lead who also began the scan
    teams, code = closed_team(conversation)
    record(teams, code)
    shown: dict[str, Any] = conversation.my_data(LEAD).replies[0].data
    assert shown["lead_contact"] is True and shown["teams"] == ["Magazijn"]
    text = Renderer(conversation.dialogue).render(conversation.my_data(LEAD).replies[0]).text
    assert "Je chatnummer, voor berichten over je team" in text
    assert lead_contacts(engine) == [LEAD.address]
    conversation.forget(LEAD, confirmed=True)
    assert lead_contacts(engine) == []
    make_due(engine)
    assert teams.actions.due(spacing=SPACING) == []  # no address: no one to remind


def test_a_lead_who_never_did_the_scan_can_still_delete_their_address(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code)
    assert conversation.forget(LEAD).replies[0].data["key"] == "forget_confirm"
    conversation.forget(LEAD, confirmed=True)
    assert lead_contacts(engine) == []


def test_ending_the_last_team_forgets_the_leads_address(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code)
    teams.press(LEAD, team_data("end_yes", code))
    assert lead_contacts(engine) == []


def bot_with_jobs(
    api: FakeBotApi, data_dir: Path, database_url: str, **settings: Any
) -> AsyncIterator[App]:
    """The real bot on this database, handing out the application to run timed jobs now."""
    overrides = {"min_group_size": 3, **settings}
    return polling_application(api, data_dir, database_url=database_url, **overrides)


async def test_a_lead_records_an_action_in_the_chat_and_is_reminded_at_its_date(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    lead = api.user(9600, "Lotte")
    engine = make_engine(database_url)
    async for application in bot_with_jobs(api, tmp_path, database_url):
        await lead.send("/team Zorg Noord")
        await lead.wait_for(lambda user: "photo" in user.last)
        found = LINK.search(lead.last["plain"])
        assert found is not None
        # The team's people finish through the service on the same database: quicker, and
        # what the lead sees of it is the same.
        conversation = Conversation(engine, default_dialogue(), TEST_KEY)
        for n, person in enumerate(members(3)):
            conversation.start(person, found.group(1))
            finish(conversation, person, option_index=n + 1)
        await lead.send("/teamresultaat")
        await api.settle()
        await tap_and_settle(api, lead, "🔒 Ronde 1 nu sluiten")
        await lead.tap("✅ Ja, sluit ronde 1")
        await lead.wait_for(lambda u: OPEN_AGAIN in u.last.get("plain", ""), timeout=30)
        await api.settle()
        kit = next(m for m in lead.messages if "Praat erover" in m.get("plain", ""))
        await lead.tap_on(kit["message_id"], "✅ Actie kiezen")
        await api.settle()
        assert "Wat gaat team 'Zorg Noord' doen na ronde 1?" in lead.last["plain"]
        assert lead.buttons()[-2:] == ["✍️ Zelf typen", "↩️ Stoppen"]
        await tap_and_settle(api, lead, "✍️ Zelf typen")
        asked = lead.last
        assert "Typ het kort als antwoord op dit bericht" in asked["plain"]
        assert asked["reply_markup"]["force_reply"] is True
        await reply_to(lead, api, asked, "Elke week een kwartier samen leren")
        assert "Wie doet het?" in lead.last["plain"]
        assert "Elke week een kwartier samen leren" in lead.last["plain"]
        await tap_and_settle(api, lead, "👥 Het hele team")
        assert "Wanneer moet het klaar zijn?" in lead.last["plain"]
        await tap_and_settle(api, lead, "📅 Over 2 weken")
        recorded = lead.last["plain"]
        assert "Afgesproken. Dit zijn de acties van team 'Zorg Noord' na ronde 1" in recorded
        assert "1. Elke week een kwartier samen leren" in recorded
        assert "het hele team" in recorded and "loopt nog" in recorded

        make_due(engine)  # two weeks later
        assert application.job_queue is not None
        application.job_queue.run_once(remind_actions, when=0)
        await lead.wait_for(lambda u: "Het is zover!" in u.last.get("plain", ""), timeout=15)
        assert "Elke week een kwartier samen leren" in lead.last["plain"]
        assert lead.buttons() == ["✅ Gedaan", "⏳ Nog bezig", "❌ Niet gelukt"]
        await tap_and_settle(api, lead, "✅ Gedaan")
        assert "Mooi!" in lead.last["plain"]
        reminder = next(m for m in lead.messages if "Het is zover!" in m.get("plain", ""))
        assert not keyboard_of(reminder)  # its buttons went with the tap
        with Session(engine) as session:
            assert session.exec(select(TeamAction.outcome)).one() == "done"
        application.job_queue.run_once(remind_actions, when=0)  # nothing a second time
        await lead.send("/teamresultaat")
        await lead.wait_for(lambda u: OPEN_AGAIN in u.last.get("plain", ""), timeout=30)
        await api.settle()
        result = next(m["plain"] for m in reversed(lead.messages) if "Teamuitslag" in m["plain"])
        assert "Jullie acties na deze ronde" in result and "gedaan" in result
    engine.dispose()
    assert sum("Het is zover!" in m.get("plain", "") for m in lead.messages) == 1
    assert api.rejected == []


def test_handing_the_team_over_forgets_the_old_leads_address(
    conversation: Conversation, engine: Engine
) -> None:
    teams, code = closed_team(conversation)
    record(teams, code)
    offer = only(teams, team_data("handover", code))
    successor = Person("telegram", "910050", "nl", address="910050")
    conversation.start(successor, offer.data["code"])
    assert lead_contacts(engine) == []
    # The new lead sees the round's actions and may add one; a round too small has none.
    new_lead_view = teams.overview(successor).replies[0]
    assert len(new_lead_view.data["chosen"]) == 1
    teams.press(successor, team_data("close_yes", code))  # round 2 closes with no one
    later = only(teams, team_data("act.start", code), successor)
    assert later.data["key"] == "action_no_round"
