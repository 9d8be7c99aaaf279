"""People, not scans: a team's figures and the HR sums count each person once.

A person counts once in a team round, with their latest finished scan there; a team lead's
own scans never count in a team they lead. Without this, a lead who joins their own team and
finishes again and again with /opnieuw pads the team up to the minimum, and the one real
member's answers can be read off the team's picture ("padding"). Figures appear for closed
rounds only, so each test closes the round it looks at.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from reports.hr import HrReport, build_report
from storage import rounds, tallies, team_queries
from storage.models import Organisation, RoleTally, Scan, Team, TeamTally, utcnow
from tests.test_hr_report import finish_again, tally_rows
from tests.test_teams import LEAD, finish, new_team

MIN = 5
ORGANISATION = "Bouw Noord"


def in_organisation(conversation: Conversation, teams: Teams) -> None:
    """LEAD opens the organisation's lead link, so their teams are in it (HR sees them)."""
    card = teams.organisation(person(999), ORGANISATION).replies[0]
    conversation.start(LEAD, card.data["organisation"].code)


def close(teams: Teams, code: str) -> None:
    """The lead closes the team's round, confirmed."""
    teams.press(LEAD, team_data("close_yes", code))


def close_organisation(engine: Engine) -> None:
    with Session(engine) as session:
        found = session.exec(select(Organisation).where(Organisation.name == ORGANISATION)).one()
        rounds.close_organisation_round(
            session, organisation=found, round_length=teams_round(), now=utcnow()
        )
        session.commit()


def teams_round() -> timedelta:
    return timedelta(days=42)


def person(n: int) -> Person:
    return Person("telegram", str(71_000 + n), "nl")


def join_and_finish(
    conversation: Conversation,
    someone: Person,
    code: str,
    option_index: int,
    role: str | None = None,
) -> None:
    conversation.start(someone, code)
    finish(conversation, someone, option_index=option_index, role=role)


def team_id_of(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        team = session.exec(select(Team).where(Team.code == code)).one()
        assert team.id is not None
        return team.id


def finished_scans(engine: Engine, team_id: int) -> int:
    with Session(engine) as session:
        statement = select(func.count()).where(
            Scan.team_id == team_id, col(Scan.finished_at).is_not(None)
        )
        return int(session.exec(statement).one())


def team_tally_people(engine: Engine, team_id: int) -> set[int]:
    """The number of people per measure in the team's tallies (one number if all agree)."""
    with Session(engine) as session:
        return set(session.exec(select(TeamTally.people).where(TeamTally.team_id == team_id)))


def role_tally_people(engine: Engine, wave: int = 1) -> int:
    """Everyone in the role tallies of one wave, for one measure."""
    with Session(engine) as session:
        statement = select(func.sum(RoleTally.people)).where(
            RoleTally.wave == wave,
            RoleTally.model == "groeimodel",
            RoleTally.dimension == "individu",
        )
        return int(session.exec(statement).one() or 0)


def report(engine: Engine, min_group: int) -> HrReport:
    with Session(engine) as session:
        return build_report(session, min_group=min_group, organisation=ORGANISATION)


def assert_the_tallies_equal_a_recount(engine: Engine) -> None:
    kept = tally_rows(engine)
    with Session(engine) as session:
        tallies.rebuild(session)
        session.commit()
    assert tally_rows(engine) == kept and kept


def test_the_padding_attack_a_lead_finishing_four_times_in_their_own_team_counts_as_no_one(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN)
    in_organisation(conversation, teams)
    code = new_team(teams, "Magazijn")
    team_id = team_id_of(engine, code)
    join_and_finish(conversation, LEAD, code, option_index=4)  # the lead joins their own team
    for _ in range(3):
        finish_again(conversation, LEAD, option_index=4)
    member = person(1)
    join_and_finish(conversation, member, code, option_index=2)  # the one real member
    assert finished_scans(engine, team_id) == MIN  # five scans: the attack is in place

    shown = teams.results(LEAD, code).replies
    assert [reply.template for reply in shown] == ["message"]  # the count only: no picture
    assert shown[0].data["key"] == "team_round_open"
    assert shown[0].data["params"]["finished"] == 1
    with Session(engine) as session:
        assert team_queries.finished_in_team(session, team_id=team_id, wave=1) == 1
    close(teams, code)
    shown = teams.results(LEAD, code).replies
    assert [reply.data["key"] for reply in shown] == ["team_round_too_small", "team_round_open"]
    assert shown[0].data["params"]["finished"] == 1
    assert all("phases" not in reply.data for reply in shown)
    close_organisation(engine)

    # HR: one person in the team's tallies, the lead once in the roles, no team cell at all.
    assert team_tally_people(engine, team_id) == {1}
    assert role_tally_people(engine) == 2
    hr = report(engine, MIN)
    assert not [c for c in hr.cells if c.kind == "team" and c.group == "Magazijn"]
    assert_the_tallies_equal_a_recount(engine)


def test_a_member_finishing_twice_counts_once_with_their_latest_answers(
    conversation: Conversation, engine: Engine
) -> None:
    """Team A: the first member finishes with 1 and then again with 4. Team B: only with 4."""
    small = 3
    teams = Teams(conversation.people, min_group=small)
    in_organisation(conversation, teams)
    code_a, code_b = new_team(teams, "A"), new_team(teams, "B")
    a, b = [person(10 + n) for n in range(3)], [person(20 + n) for n in range(3)]
    join_and_finish(conversation, a[0], code_a, option_index=1)
    finish_again(conversation, a[0], option_index=4)
    join_and_finish(conversation, b[0], code_b, option_index=4)
    for n, (in_a, in_b) in enumerate(zip(a[1:], b[1:], strict=True)):
        join_and_finish(conversation, in_a, code_a, option_index=n + 2)
        join_and_finish(conversation, in_b, code_b, option_index=n + 2)
    team_a, team_b = team_id_of(engine, code_a), team_id_of(engine, code_b)
    assert finished_scans(engine, team_a) == 4

    close(teams, code_a)
    close(teams, code_b)
    with Session(engine) as session:
        round_a, round_b = (rounds.closed_rounds(session, team_id=t)[0] for t in (team_a, team_b))
    figures_a, figures_b = (team_queries.TeamFigures.of_round(r) for r in (round_a, round_b))
    assert figures_a.finished == figures_b.finished == small
    assert figures_a.distributions == figures_b.distributions  # the latest answers only
    assert figures_a.means == figures_b.means
    shown_a = teams.results(LEAD, code_a).replies[0].data
    shown_b = teams.results(LEAD, code_b).replies[0].data
    assert shown_a["finished"] == small
    assert shown_a["phases"] == shown_b["phases"] and shown_a["factors"] == shown_b["factors"]

    assert team_tally_people(engine, team_a) == {small}
    assert role_tally_people(engine) == 2 * small
    close_organisation(engine)
    hr = report(engine, small)
    cells = {(c.group, c.model, c.dimension): c for c in hr.cells if c.kind == "team"}
    a_cells = {key[1:]: cell for key, cell in cells.items() if key[0] == "A"}
    b_cells = {key[1:]: cell for key, cell in cells.items() if key[0] == "B"}
    assert a_cells and a_cells.keys() == b_cells.keys()
    for measure, cell in a_cells.items():
        assert cell.people == small and cell.mean == b_cells[measure].mean, measure
    everyone = [c for c in hr.cells if c.kind == "all" and c.wave == 1]
    assert everyone and {c.people for c in everyone} == {2 * small}
    assert_the_tallies_equal_a_recount(engine)


def test_the_hr_group_sizes_count_a_member_who_finished_twice_once(
    conversation: Conversation, engine: Engine
) -> None:
    small = 3
    teams = Teams(conversation.people, min_group=small)
    in_organisation(conversation, teams)
    code = new_team(teams, "A")
    members = [person(30 + n) for n in range(small)]
    for n, member in enumerate(members):
        join_and_finish(conversation, member, code, option_index=n + 1)
    finish_again(conversation, members[0], option_index=4)
    close_organisation(engine)
    sizes = {(g.kind, g.group, g.wave): g.people for g in report(engine, small).groups}
    assert sizes[("team", "A", 1)] == small
    assert sizes[("all", "", 1)] == small


def test_a_leads_own_scan_in_their_own_team_is_not_counted(
    conversation: Conversation, engine: Engine
) -> None:
    small = 3
    teams = Teams(conversation.people, min_group=small)
    in_organisation(conversation, teams)
    code = new_team(teams, "Zorg")
    team_id = team_id_of(engine, code)
    join_and_finish(conversation, LEAD, code, option_index=4, role="leidinggevende")
    members = [person(40 + n) for n in range(small)]
    for member in members:
        join_and_finish(conversation, member, code, option_index=1)  # everyone else: one lower
    close(teams, code)

    shown = teams.results(LEAD, code).replies[0].data
    assert shown["finished"] == small
    own = shown["phases"]["individu"]
    assert sorted(own["counts"], reverse=True)[:2] == [small, 0]  # one phase: the members'
    assert own["counts"][4] == 0  # nobody in the highest phase: that was the lead
    assert shown["lead_self"] == 5.0  # the lead's own view is shown beside it, to them only

    assert team_tally_people(engine, team_id) == {small}
    assert role_tally_people(engine) == small + 1  # the lead counts as a lead, once
    finish_again(conversation, LEAD, option_index=3)  # after the close: the next round
    assert teams.results(LEAD, code).replies[0].data["finished"] == small
    assert team_tally_people(engine, team_id) == {small}
    assert role_tally_people(engine) == small + 1

    # In a team someone else leads, the lead is a member like anyone.
    other_lead = person(49)
    other = teams.team(other_lead, "Keuken").replies[0].data["team"].code
    conversation.start(LEAD, other)
    finish(conversation, LEAD, option_index=2)
    with Session(engine) as session:
        keuken = team_id_of(engine, other)
        assert team_queries.finished_in_team(session, team_id=keuken, wave=1) == 1
    assert role_tally_people(engine) == small + 1  # an open round counts nowhere yet
    assert_the_tallies_equal_a_recount(engine)
