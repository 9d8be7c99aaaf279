"""The pulse 6-12 weeks after a closed round: sent by the lead, answered by the team, compared.

On SQLite and PostgreSQL through the service, and once through the real bot.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, Person
from bot.service.teams import Teams, team_data
from statemachine import Reply
from storage.db import make_engine
from storage.models import Answer, ResultScore, Scan, TeamPulse, TeamRound, utcnow
from tests.fakebotapi import FakeBotApi, FakeUser, keyboard_of
from tests.harness import answer_all, tap_and_settle
from tests.test_conversation import answer_current
from tests.test_teams import LEAD, LINK, finish, members, new_team

MIN_GROUP = 5


def closed_team(conversation: Conversation, people: list[Person], option: int = 1) -> str:
    """A team whose first round its people filled (as workers) and its lead closed."""
    teams = Teams(conversation.people, min_group=MIN_GROUP)
    code = new_team(teams)
    for n, person in enumerate(people):
        conversation.start(person, code)
        finish(conversation, person, option_index=option + n % 2, role="medewerker")
    teams.press(LEAD, team_data("close_yes", code))
    return code


def round_closed_ago(engine: Engine, days: int) -> None:
    """Moves every closed round's closing back in time, as if `days` had passed."""
    with Session(engine) as session:
        for closed in session.exec(select(TeamRound)):
            closed.closed_at = utcnow() - timedelta(days=days)
            session.add(closed)
        session.commit()


def by_key(outcome: Outcome) -> dict[str, Reply]:
    return {r.data.get("key", r.template): r for r in outcome.replies}


def answer_pulse(conversation: Conversation, person: Person, link: str, option: int) -> Outcome:
    """Opens the pulse link and answers every question it asks with the option at `option`."""
    started = conversation.start(person, link)
    assert started.replies[0].data["key"] == "pulse_welcome", started.replies
    last = started
    while (asked := conversation.current(person).replies[-1]).template == "question":
        first = asked.data["question"].id == "toestemming"
        last = answer_current(conversation, option_index=0 if first else option, person=person)
    return last


def send_pulse(teams: Teams, code: str) -> str:
    sent = teams.press(LEAD, team_data("pulse", code)).replies[0]
    assert sent.template == "team_pulse"
    return str(sent.data["code"])


def test_a_pulse_is_offered_only_six_to_twelve_weeks_after_a_shown_round(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN_GROUP)
    code = closed_team(conversation, members(5))
    assert "pulse_offer" not in by_key(teams.results(LEAD, code))  # closed just now
    assert teams.press(LEAD, team_data("pulse", code)).replies[0].data["key"] == "pulse_none"
    round_closed_ago(engine, 85)
    assert "pulse_offer" not in by_key(teams.results(LEAD, code))
    round_closed_ago(engine, 42)
    offer = by_key(teams.results(LEAD, code))["pulse_offer"]
    assert [b[2] for b in offer.data["buttons"]] == [team_data("pulse", code)]
    assert 1 <= offer.data["params"]["questions"] <= 6
    outsider = members(6)[5]
    assert teams.press(outsider, team_data("pulse", code)).replies[0].data["key"] == "not_your_team"


def test_five_answer_the_pulse_the_lead_closes_it_and_sees_each_focus_item_compared(
    conversation: Conversation, engine: Engine
) -> None:
    people = members(7)
    code = closed_team(conversation, people[:5], option=1)  # scores 2 and 3
    round_closed_ago(engine, 50)
    teams = Teams(conversation.people, min_group=MIN_GROUP)
    link = send_pulse(teams, code)
    assert re.fullmatch(r"p[A-Za-z0-9_-]{12}", link)
    assert send_pulse(teams, code) == link  # one pulse per round

    thanks = answer_pulse(conversation, people[0], link, option=4)
    assert [r.data["key"] for r in thanks.replies] == ["pulse_thanks"]  # no summary
    again = conversation.start(people[0], link).replies[0].data["key"]
    assert again == "pulse_done_already"
    for person in people[1:4]:
        answer_pulse(conversation, person, link, option=4)
    answer_pulse(conversation, LEAD, link, option=0)  # the lead's own answers never count
    asked = teams.press(LEAD, team_data("pulse_close", code)).replies[0]
    assert asked.data["key"] == "pulse_close_small"  # four so far: it would show nothing
    answer_pulse(conversation, people[4], link, option=4)
    still_open = by_key(teams.results(LEAD, code))
    assert still_open["team_pulse"].data["answered"] == 5  # a count, never a figure
    assert "team_pulse_result" not in still_open
    # the pulse counts in no round: the open round still has nobody
    assert still_open["team_round_open"].data["params"]["finished"] == 0

    halfway = people[6]  # still answering when the pulse closes
    conversation.start(halfway, link)
    answer_current(conversation, option_index=0, person=halfway)
    asked = teams.press(LEAD, team_data("pulse_close", code)).replies[0]
    assert asked.data["key"] == "pulse_close_confirm"
    assert asked.data["buttons"][0][2] == team_data("pulse_close_yes", code)
    closed = by_key(teams.press(LEAD, team_data("pulse_close_yes", code)))
    result = closed["team_pulse_result"]
    assert result.data["people"] == 5 and result.data["rows"]
    for focus, comparison in result.data["rows"]:
        assert comparison.before is not None and comparison.before < 3.5, focus
        assert comparison.after == 5.0, focus  # everyone's top answer
        assert comparison.verdict == "beter", focus

    # frozen: someone answering later is turned away, someone deleting changes nothing
    late = conversation.start(people[5], link).replies[0].data["key"]
    assert late == "pulse_link_closed"
    conversation.forget(people[1], confirmed=True)
    while (rest := conversation.current(halfway).replies[-1]).template == "question":
        assert rest.data["question"].id != "rol"
        answer_current(conversation, option_index=0, person=halfway)
    after = by_key(teams.results(LEAD, code))["team_pulse_result"]
    assert after.data == result.data
    with Session(engine) as session:
        pulse = session.exec(select(TeamPulse)).one()
        assert pulse.people == 5 and pulse.closed_at is not None


def test_a_pulse_below_the_minimum_shows_nothing_ever(
    conversation: Conversation, engine: Engine
) -> None:
    people = members(6)
    code = closed_team(conversation, people[:5])
    round_closed_ago(engine, 60)
    teams = Teams(conversation.people, min_group=MIN_GROUP)
    link = send_pulse(teams, code)
    for person in people[:4]:
        answer_pulse(conversation, person, link, option=3)
    teams.press(LEAD, team_data("pulse_close_yes", code))
    shown = by_key(teams.results(LEAD, code))
    assert "team_pulse_result" not in shown
    assert shown["pulse_too_small"].data["params"]["answered"] == 4
    with Session(engine) as session:
        assert session.exec(select(TeamPulse)).one().counts is None  # nothing kept to leak
    assert conversation.start(people[5], link).replies[0].data["key"] == "pulse_link_closed"
    assert "team_pulse_result" not in by_key(teams.results(LEAD, code))


def test_a_pulse_keeps_only_its_items_and_people_can_still_delete_them(
    conversation: Conversation, engine: Engine
) -> None:
    people = members(5)
    code = closed_team(conversation, people)
    round_closed_ago(engine, 50)
    teams = Teams(conversation.people, min_group=MIN_GROUP)
    link = send_pulse(teams, code)
    person = members(8)[7]  # someone new to the team
    answer_pulse(conversation, person, link, option=2)
    with Session(engine) as session:
        pulse = session.exec(select(TeamPulse)).one()
        scan = session.exec(select(Scan).where(Scan.pulse_of == pulse.wave)).one()
        asked = {q for _, _, items in pulse.focus for q in items}
        stored = {
            a.question_id for a in session.exec(select(Answer).where(Answer.scan_id == scan.id))
        }
        assert stored == asked | {"toestemming"}  # no role, nothing else
        kept = {(s.model, s.dimension) for s in session.exec(select(ResultScore))}
    assert len(kept) >= len(pulse.focus)
    assert conversation.forget(person, confirmed=True).replies[0].data["key"] == "forgotten"
    with Session(engine) as session:
        assert session.exec(select(Scan).where(Scan.pulse_of == pulse.wave)).first() is None


def test_a_scan_under_way_comes_before_the_pulse(
    conversation: Conversation, engine: Engine
) -> None:
    code = closed_team(conversation, members(5))
    round_closed_ago(engine, 50)
    link = send_pulse(Teams(conversation.people, min_group=MIN_GROUP), code)
    busy = members(9)[8]
    conversation.start(busy, None)
    answer_current(conversation, option_index=0, person=busy)
    replies = conversation.start(busy, link).replies
    assert replies[0].data["key"] == "pulse_after_scan" and replies[1].template == "question"


async def test_through_the_bot_five_answer_the_pulse_and_the_lead_sees_the_comparison(
    api: FakeBotApi, running_bot: Path, database_url: str
) -> None:
    lead = api.user(9300, "Lotte")
    await lead.send("/team Zorg Zuid")
    await api.settle()
    match = LINK.search(lead.last["plain"])
    assert match is not None
    people: list[FakeUser] = [api.user(9400 + n, f"M{n}") for n in range(5)]
    for n, person in enumerate(people):
        await person.send(f"/start {match.group(1)}")
        await api.settle()
        await answer_all(api, person, pick=1 + n % 2)
    await lead.send("/teamresultaat")
    await api.settle()
    await tap_and_settle(api, lead, "🔒 Ronde 1 nu sluiten")
    await lead.tap("✅ Ja, sluit ronde 1")
    await lead.wait_for(lambda u: "ronde 2 loopt" in u.last.get("plain", ""), timeout=30)
    await api.settle()
    engine = make_engine(database_url)
    round_closed_ago(engine, 49)
    engine.dispose()

    await lead.send("/teamresultaat")
    await tap_anywhere(api, lead, "📊 Puls sturen")
    sent = lead.last["plain"]
    assert "Puls voor team 'Zorg Zuid'" in sent
    pulse_link = LINK.search(sent)
    assert pulse_link is not None and pulse_link.group(1).startswith("p")
    for person in people:
        await person.send(f"/start {pulse_link.group(1)}")
        await api.settle()
        assert "Welkom bij de puls van team 'Zorg Zuid'" in person.messages[-2]["plain"]
        await answer_all(api, person, pick=4)
        assert "Bedankt!" in person.last["plain"] and "/verwijder" in person.last["plain"]
    count = len(lead.messages)
    await lead.send("/teamresultaat")
    await lead.wait_for(lambda u: "5 mensen hebben de puls al af" in texts(u, count), timeout=30)
    await tap_anywhere(api, lead, "🔒 Puls sluiten", count)
    assert "5 mensen deden mee" in lead.last["plain"]
    await lead.tap("✅ Ja, sluit de puls")
    await lead.wait_for(lambda u: "Puls van team 'Zorg Zuid'" in texts(u, count), timeout=30)
    await api.settle()
    result = next(m["plain"] for m in lead.messages if "Puls van team" in m["plain"])
    assert "5 mensen deden mee aan de puls." in result
    rows = [line for line in result.splitlines() if line.startswith("• ")]
    assert rows and all("puls 5,0: beter" in row for row in rows), rows
    assert api.rejected == []


def texts(user: FakeUser, since: int = 0) -> str:
    return "\n".join(str(m.get("plain", "")) for m in user.messages[since:])


async def tap_anywhere(api: FakeBotApi, user: FakeUser, label: str, since: int = 0) -> None:
    """Taps the newest button with this label, on whichever message of the reply carries it."""

    def carrying() -> list[dict[str, Any]]:
        return [
            m
            for m in user.messages[since:]
            if any(b["text"] == label for row in keyboard_of(m) for b in row)
        ]

    await user.wait_for(lambda _: bool(carrying()), timeout=30)
    await api.settle()
    await user.tap_on(carrying()[-1]["message_id"], label)
    await api.settle()


def test_the_next_full_scan_is_compared_with_the_last_full_scan_not_the_pulse(
    conversation: Conversation, engine: Engine
) -> None:
    people = members(5)
    code = closed_team(conversation, people, option=0)  # the lowest answers in round 1
    round_closed_ago(engine, 50)
    link = send_pulse(Teams(conversation.people, min_group=MIN_GROUP), code)
    answer_pulse(conversation, people[0], link, option=4)
    conversation.start(people[0], code)  # round 2, through the team link: a full scan
    finish(conversation, people[0], option_index=4, role="medewerker")
    with Session(engine) as session:
        full = session.exec(select(Scan).where(col(Scan.pulse_of).is_(None))).all()
    assert sorted(s.wave or 0 for s in full) == [1, 1, 1, 1, 1, 2]
    done = conversation.start(people[0], None).replies[0]
    assert done.template == "summary" and done.data["movement"] is not None
    assert done.data["movement"].up  # grown since round 1; the pulse holds no factor to compare
