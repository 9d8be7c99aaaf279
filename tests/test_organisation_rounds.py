"""HR plans an organisation round with dates; every team's round in it closes at its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.service.hr import Hr
from bot.service.outcome import Person
from reports.hr import build_report
from reports.overview import HrOverview
from statemachine import Reply
from storage.models import Organisation, OrganisationRound, Team, as_utc, utcnow
from tests.test_hr_report import ADMIN, LEAD, MIN, ORGANISATION, lead_in, people
from tests.test_teams import finish


def hr_of(conversation: Conversation) -> Hr:
    overview = HrOverview(conversation.engine, conversation.dialogue, MIN)
    return Hr(conversation.people, overview)


def buttons(reply: Reply) -> dict[str, str]:
    """A reply's extra buttons: label key (with its first placeholder) -> data."""
    found = {}
    for key, params, data in reply.data.get("buttons", []):
        label = f"{key}:{next(iter(params.values()))}" if params else key
        found[label] = data
    return found


def tap(hr: Hr, data: str, person: Person = ADMIN) -> Reply:
    return hr.press(person, data, deployment=True).replies[-1]


def plan(hr: Hr, weeks: int = 4) -> Reply:
    """Plans the open round as HR would: the plan button, today, then `weeks`."""
    status = hr.overview(ADMIN, ORGANISATION, deployment=True).replies[-1]
    plan_button = next(d for label, d in buttons(status).items() if "plan" in label)
    start = tap(hr, plan_button)
    assert start.data["key"] == "hr_plan_start"
    today = next(d for label, d in buttons(start).items() if label.startswith("hr_plan_today"))
    length = tap(hr, today)
    assert length.data["key"] == "hr_plan_length"
    return tap(hr, buttons(length)[f"hr_plan_weeks:{weeks}"])


def planned(engine: Engine) -> OrganisationRound:
    with Session(engine) as session:
        return session.exec(select(OrganisationRound)).one()


def team_ends(engine: Engine, name: str) -> datetime | None:
    with Session(engine) as session:
        team = session.exec(select(Team).where(Team.name == name)).one()
        return as_utc(team.round_ends_at) if team.round_ends_at else None


def end_planned_round_now(engine: Engine) -> None:
    """The clock passes the planned end: moves it (and the ends of its teams) to a minute ago."""
    past = utcnow() - timedelta(minutes=1)
    with Session(engine) as session:
        row = session.exec(select(OrganisationRound)).one()
        for team in session.exec(select(Team)):
            if team.round_ends_at and as_utc(team.round_ends_at) == as_utc(row.ends_at):
                team.round_ends_at = past
                session.add(team)
        row.ends_at = past
        session.add(row)
        session.commit()


def test_a_planned_round_gives_every_team_its_end_and_closes_them_all_at_once(
    conversation: Conversation, engine: Engine
) -> None:
    teams = lead_in(conversation)
    before = teams.team(LEAD, "Vroeg").replies[0].data["team"].code
    hr = hr_of(conversation)

    done = plan(hr, weeks=4)

    assert done.data["key"] == "hr_round_planned"
    row = planned(engine)
    zone = conversation.people.policy.time_zone
    start, end = as_utc(row.starts_at).astimezone(zone), as_utc(row.ends_at).astimezone(zone)
    assert (start.hour, start.minute, end.hour) == (0, 0, 0)  # whole days on the local clock
    assert start.date() == utcnow().astimezone(zone).date()
    assert end.date() - start.date() == timedelta(weeks=4)
    # The last day shown is the day before the round closes at midnight.
    last = end.date() - timedelta(days=1)
    assert done.data["params"]["end"] == f"{last.day}-{last.month}-{last.year}"
    # A team made before the plan and one made after both end with the round.
    later = teams.team(LEAD, "Laat").replies[0].data["team"].code
    assert team_ends(engine, "Vroeg") == team_ends(engine, "Laat") == as_utc(row.ends_at)
    status = hr.overview(ADMIN, ORGANISATION, deployment=True).replies[-1]
    assert status.data["key"] == "hr_round_open_planned"
    assert status.data["params"]["end"] == done.data["params"]["end"]

    for code, prefix in ((before, 1), (later, 2)):
        for n, person in enumerate(people(prefix, MIN)):
            conversation.start(person, code)
            finish(conversation, person, option_index=n % 4 + 1)
    assert teams.close_due_rounds() == []  # not yet: the end is weeks away

    end_planned_round_now(engine)
    assert len(teams.close_due_rounds()) == 2
    assert teams.close_due_rounds() == []  # closed once, however often the job runs
    with Session(engine) as session:
        assert session.exec(select(Organisation)).one().wave == 2
    assert planned(engine).closed_at is not None
    with Session(engine) as session:
        report = build_report(session, min_group=MIN, organisation=ORGANISATION)
    assert report.round_dates[1][0] == as_utc(row.starts_at)  # the planned first day
    everyone = [g for g in report.groups if g.kind == "all" and g.wave == 1]
    assert everyone[0].people == 2 * MIN


def test_a_lead_may_close_their_team_sooner_and_the_rest_closes_at_the_end(
    conversation: Conversation, engine: Engine
) -> None:
    teams = lead_in(conversation)
    codes = {name: teams.team(LEAD, name).replies[0].data["team"].code for name in ("A", "B")}
    plan(hr_of(conversation), weeks=2)
    for code, prefix in zip(codes.values(), (1, 2), strict=True):
        for person in people(prefix, MIN):
            conversation.start(person, code)
            finish(conversation, person, option_index=2)

    teams.close_round(LEAD, codes["A"])  # the lead of A closes early
    end_planned_round_now(engine)

    assert len(teams.close_due_rounds()) == 1  # B, with the organisation
    with Session(engine) as session:
        waves = {t.name: t.wave for t in session.exec(select(Team))}
    assert waves == {"A": 2, "B": 2}


@pytest.mark.parametrize(
    "made_up",
    [
        lambda org, wave, today: f"hr:weeks:{org}:{wave}:{today}:5",  # 5 weeks: not offered
        lambda org, wave, today: f"hr:weeks:{org}:{wave}:20200101:4",  # a day long past
        lambda org, wave, today: f"hr:weeks:{org}:{wave + 1}:{today}:4",  # another round
        lambda org, wave, today: f"hr:start:{org}:{wave}:2026-13-40",
        lambda org, wave, today: f"hr:weeks:{org}:{wave}:{today}",
        lambda org, wave, today: f"hr:start:{org}",
    ],
)
def test_made_up_or_old_plan_buttons_change_nothing(
    conversation: Conversation, engine: Engine, made_up: Any
) -> None:
    lead_in(conversation)
    hr = hr_of(conversation)
    with Session(engine) as session:
        organisation = session.exec(select(Organisation)).one()
    today = datetime.now(UTC).strftime("%Y%m%d")

    reply = tap(hr, made_up(organisation.id, organisation.wave, today))

    assert reply.data["key"] == "hr_plan_stale"
    with Session(engine) as session:
        assert session.exec(select(OrganisationRound)).first() is None


def test_only_hr_of_the_organisation_may_plan_its_round(
    conversation: Conversation, engine: Engine
) -> None:
    lead_in(conversation)
    hr = hr_of(conversation)
    with Session(engine) as session:
        organisation = session.exec(select(Organisation)).one()
    stranger = Person("telegram", "48399999", "nl")
    today = datetime.now(UTC).strftime("%Y%m%d")

    reply = hr.press(stranger, f"hr:weeks:{organisation.id}:1:{today}:4", deployment=False).replies[
        -1
    ]

    assert reply.data["key"] == "hr_only"
    with Session(engine) as session:
        assert session.exec(select(OrganisationRound)).first() is None


def test_the_leads_hear_halfway_in_the_morning_of_the_middle_day(
    conversation: Conversation, engine: Engine
) -> None:
    lead_in(conversation)
    hr = hr_of(conversation)
    plan(hr, weeks=4)
    row = planned(engine)
    zone = conversation.people.policy.time_zone

    halfway = hr.calendar.halfway(row).astimezone(zone)

    assert halfway.date() - as_utc(row.starts_at).astimezone(zone).date() == timedelta(weeks=2)
    assert (halfway.hour, halfway.minute) == (9, 0)


REACHABLE_LEAD = Person("telegram", "48377777", "nl", address="48377777")


def test_leads_hear_once_halfway_and_again_when_their_round_closed(
    conversation: Conversation, engine: Engine
) -> None:
    teams = lead_in(conversation, lead=REACHABLE_LEAD)
    lead_in(conversation)  # LEAD left no address: the bot cannot tell them anything
    big = teams.team(REACHABLE_LEAD, "Groot").replies[-1].data["team"].code
    small = teams.team(REACHABLE_LEAD, "Klein").replies[-1].data["team"].code
    teams.team(LEAD, "Stil")
    hr = hr_of(conversation)
    plan(hr, weeks=2)
    for code, members in ((big, people(1, MIN)), (small, people(2, 2))):
        for person in members:
            conversation.start(person, code)
            finish(conversation, person, option_index=2)
    calendar, spacing = hr.calendar, timedelta(milliseconds=50)
    assert calendar.halfway_notices(spacing=spacing) == []  # the middle is a week away

    with Session(engine) as session:
        row = session.exec(select(OrganisationRound)).one()
        row.starts_at -= timedelta(weeks=3)  # the middle of the round is now in the past
        session.add(row)
        session.commit()
    halfway = calendar.halfway_notices(spacing=spacing)

    assert {n.address for n in halfway} == {"48377777"}
    said = {n.reply.data["params"]["team"]: n.reply.data["params"] for n in halfway}
    assert said["Groot"]["finished"] == MIN and said["Klein"]["finished"] == 2
    assert all(n.reply.data["key"] == "team_halfway" for n in halfway)
    assert halfway[1].send_at - halfway[0].send_at == spacing  # spaced, not in a burst
    assert calendar.halfway_notices(spacing=spacing) == []  # once
    status = hr.overview(ADMIN, ORGANISATION, deployment=True).replies[-1]
    assert status.data["key"] == "hr_round_open_halfway"  # HR reads that it went out

    end_planned_round_now(engine)
    closed = calendar.closed_notices(teams.close_due_rounds(), spacing=spacing)

    keys = {n.reply.data["params"]["team"]: n.reply.data["key"] for n in closed}
    assert keys == {"Groot": "team_closed_ready", "Klein": "team_closed_small"}
    show = [data for n in closed for _, _, data in n.reply.data["buttons"]]
    assert show == [f"team:show:{big}", f"team:show:{small}"]
