"""Who a team is: wrong codes that point to no one, one name per team, and an id in the report.

Three findings of an anonymity review. A stolen database must not link wrong-code attempts to
respondents; a lead cannot make a second team of the same name where it would be mistaken
for the first; and two teams that share a name are two groups in the HR report, each judged
on its own size (the 'same-name' attack: two small teams named alike would otherwise add up
to one group big enough to show). Teams of two organisations never meet in one report.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, Person
from bot.service.teams import Teams
from dialogues.loader import Dialogue
from reports.anonymity import hidden_groups
from reports.export import write
from reports.hr import HrReport, build_report
from reports.table import HEADER
from storage.models import CodeAttempt, Respondent, Team
from storage.report_queries import GroupSize
from tests.test_hr_report import close_organisation_round
from tests.test_teams import finish

MIN = 5
ADMIN = Person("telegram", "71000001", "nl")


def person(n: int) -> Person:
    return Person("telegram", str(71_100_000 + n), "nl")


def keys(outcome: Outcome) -> list[str]:
    """What each reply is: a message's key, else the template's name."""
    return [r.data["key"] if r.template == "message" else r.template for r in outcome.replies]


def lead_in(conversation: Conversation, teams: Teams, organisation: str, lead: Person) -> None:
    """Sets up the organisation (or finds it) and makes `lead` one of its team leads."""
    card = teams.organisation(ADMIN, organisation).replies[0]
    conversation.start(lead, card.data["organisation"].code)


def stored_teams(engine: Engine) -> list[tuple[str, int | None]]:
    with Session(engine) as session:
        return sorted((t.name, t.organisation_id) for t in session.exec(select(Team)))


# 1. Wrong codes ------------------------------------------------------------------------------


def test_wrong_codes_are_stored_under_no_respondents_pseudonym(
    conversation: Conversation, engine: Engine
) -> None:
    guessers = [person(1), person(2)]
    for guesser in guessers:
        for n in range(3):
            assert keys(conversation.start(guesser, f"raad{n}"))[0] == "code_unknown"
    with Session(engine) as session:
        pseudonyms = {r.pseudonym for r in session.exec(select(Respondent))}
        attempts = [a.pseudonym for a in session.exec(select(CodeAttempt))]
    assert {conversation.pseudonym_of(g) for g in guessers} <= pseudonyms
    assert len(attempts) == 6
    assert not set(attempts) & pseudonyms  # nothing to join the respondents on
    expected = {conversation.people.code_guesser_of(g) for g in guessers}
    assert set(attempts) == expected  # still one stable value per person: counting works
    assert all(len(a) == 64 for a in attempts)


def test_the_guesser_hash_needs_the_key(engine: Engine, dialogue: Dialogue) -> None:
    one, other = Conversation(engine, dialogue, "a" * 64), Conversation(engine, dialogue, "b" * 64)
    guesser = person(3)
    assert one.people.code_guesser_of(guesser) != other.people.code_guesser_of(guesser)
    assert one.people.code_guesser_of(guesser) != one.pseudonym_of(guesser)
    assert one.people.code_guesser_of(guesser) != one.people.code_guesser_of(person(4))


def test_five_wrong_codes_still_make_a_guesser_wait(conversation: Conversation) -> None:
    code = Teams(conversation.people, min_group=MIN).team(person(5), "Magazijn")
    team_code = code.replies[0].data["team"].code
    guesser, other = person(6), person(7)
    tried = [keys(conversation.start(guesser, f"raad{n}"))[0] for n in range(6)]
    assert tried == ["code_unknown"] * 5 + ["code_wait"]
    assert keys(conversation.start(guesser, team_code))[0] == "code_wait"
    assert keys(conversation.start(other, team_code))[0] == "team_joined"  # only the guesser


# 2. One name per team -------------------------------------------------------------------------


def test_a_lead_outside_an_organisation_gets_their_team_back_not_a_second_one(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN)
    lead = person(10)
    first = teams.team(lead, "Keuken").replies[0].data["team"]
    again = teams.team(lead, "  KEU\u200bken ")  # case, spaces and a zero-width space
    assert keys(again) == ["team_name_yours", "team_card"]
    assert again.replies[0].data["params"] == {"team": "Keuken"}
    assert again.replies[1].data["team"].code == first.code
    assert teams.team(lead, "Équipe").replies[0].template == "team_card"
    assert keys(teams.team(lead, "équipe")) == ["team_name_yours", "team_card"]  # not ASCII
    # Another lead outside any organisation keeps their own names.
    assert keys(teams.team(person(11), "Keuken")) == ["team_card"]
    assert stored_teams(engine) == [("Keuken", None), ("Keuken", None), ("Équipe", None)]


def test_a_name_is_unique_within_an_organisation_not_across_them(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN)
    anna, bram, cor = person(20), person(21), person(22)
    lead_in(conversation, teams, "Zorggroep Noord", anna)
    lead_in(conversation, teams, "Zorggroep Noord", bram)
    lead_in(conversation, teams, "Zorggroep Zuid", cor)
    assert keys(teams.team(anna, "Keuken")) == ["team_card"]
    taken = teams.team(bram, "keuken")  # someone else's team: no card, no link
    assert keys(taken) == ["team_name_taken"]
    assert taken.replies[0].data["params"] == {"team": "Keuken"}
    assert keys(teams.team(bram, "Keuken 2")) == ["team_card"]
    assert keys(teams.team(cor, "Keuken")) == ["team_card"]  # another organisation
    with Session(engine) as session:
        by_name = sorted((t.name, t.organisation_id) for t in session.exec(select(Team)))
    names = [name for name, _ in by_name]
    assert names == ["Keuken", "Keuken", "Keuken 2"]
    assert by_name[0][1] != by_name[1][1]  # the two called Keuken are in two organisations


def test_a_team_without_a_name_is_asked_for_one_and_not_made(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN)
    anna = person(30)
    lead_in(conversation, teams, "Zorggroep", anna)
    assert keys(teams.team(anna, None)) == ["team_ask_name"]
    with Session(engine) as session:
        assert session.exec(select(Team)).all() == []


def test_a_team_moving_into_an_organisation_that_has_its_name_is_renamed(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=MIN)
    anna, bram = person(40), person(41)
    lead_in(conversation, teams, "Zorggroep", anna)
    teams.team(anna, "Keuken")
    own = teams.team(bram, "keuken").replies[0].data["team"]  # bram is in no organisation yet
    code = teams.organisation(ADMIN, "Zorggroep").replies[0].data["organisation"].code
    joined = conversation.start(bram, code)
    assert keys(joined)[:2] == ["organisation_joined", "team_renamed"]
    assert joined.replies[1].data["params"] == {"old": "keuken", "team": "keuken (2)"}
    with Session(engine) as session:
        moved = session.exec(select(Team).where(Team.code == own.code)).one()
        assert moved.name == "keuken (2)" and moved.organisation_id is not None


# 3. Teams by id in the report -----------------------------------------------------------------


def rename(engine: Engine, code: str, name: str) -> None:
    """Renames a team in the database: what a database from before names were unique holds."""
    with Session(engine) as session:
        team = session.exec(select(Team).where(Team.code == code)).one()
        team.name = name
        session.add(team)
        session.commit()


def report_of(engine: Engine, organisation: str, min_group: int = MIN) -> HrReport:
    with Session(engine) as session:
        return build_report(session, min_group=min_group, organisation=organisation)


def team_ids(engine: Engine) -> dict[str, int | None]:
    with Session(engine) as session:
        return {t.code: t.id for t in session.exec(select(Team))}


def test_same_name_attack_two_small_teams_named_alike_are_two_hidden_groups(
    conversation: Conversation, engine: Engine, dialogue: Dialogue, tmp_path: Path
) -> None:
    """'Team 1' of 3 people and 'Team 1' of 2 in one organisation: never one shown group of 5.

    Names are unique within an organisation now, but a database from before may hold two.
    """
    teams = Teams(conversation.people, min_group=MIN)
    codes = []
    for n, size in enumerate((3, 2)):
        lead = person(50 + n)
        lead_in(conversation, teams, "Noord", lead)
        codes.append(teams.team(lead, f"Team {n + 1}").replies[0].data["team"].code)
        for m in range(size):
            member = person(100 + 10 * n + m)
            conversation.start(member, codes[-1])
            finish(conversation, member, option_index=m % 4 + 1)
    rename(engine, codes[1], "Team 1")
    close_organisation_round(engine, "Noord")
    report = report_of(engine, "Noord")
    ids = team_ids(engine)

    named = [g for g in report.groups if g.kind == "team" and g.group == "Team 1"]
    assert len(named) == 2 and all(g.people is None for g in named)
    assert {g.team_id for g in named} == {ids[code] for code in codes}
    assert [c for c in report.cells if c.kind == "team"] == []
    everyone = next(g for g in report.groups if g.kind == "all")
    assert everyone.people == 5  # everyone together is still a group of five

    write(report, dialogue, "csv", tmp_path / "report.csv")
    with (tmp_path / "report.csv").open(encoding="utf-8-sig") as handle:
        header, *lines = list(csv.reader(handle, delimiter=";"))
    assert tuple(header) == HEADER
    kind, group, team, people = (
        HEADER.index(c) for c in ("groep_soort", "groep", "team_id", "mensen")
    )
    team_lines = [line for line in lines if line[kind] == "team"]
    assert sorted(line[team] for line in team_lines) == sorted(str(ids[code]) for code in codes)
    assert all(line[group] == "Team 1" and line[people] == "" for line in team_lines)
    assert all(line[team] == "" for line in lines if line[kind] != "team")

    write(report, dialogue, "xlsx", tmp_path / "report.xlsx")
    sheet = load_workbook(tmp_path / "report.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][team] == "team_id"
    assert sorted(r[team] for r in rows[1:] if r[kind] == "team") == sorted(ids[c] for c in codes)


def test_same_named_teams_of_two_organisations_never_meet_in_one_report(
    conversation: Conversation, engine: Engine
) -> None:
    """'Team 1' of 3 in Noord and 'Team 1' of 2 in Zuid: each report has its own, hidden."""
    teams = Teams(conversation.people, min_group=MIN)
    codes = {}
    for n, (organisation, size) in enumerate((("Noord", 3), ("Zuid", 2))):
        lead = person(55 + n)
        lead_in(conversation, teams, organisation, lead)
        codes[organisation] = teams.team(lead, "Team 1").replies[0].data["team"].code
        for m in range(size):
            member = person(150 + 10 * n + m)
            conversation.start(member, codes[organisation])
            finish(conversation, member, option_index=m % 4 + 1)
        close_organisation_round(engine, organisation)
    ids = team_ids(engine)
    for organisation, code in codes.items():
        report = report_of(engine, organisation)
        named = [g for g in report.groups if g.kind == "team"]
        assert [(g.group, g.team_id, g.people) for g in named] == [("Team 1", ids[code], None)]
        assert all(g.people is None for g in report.groups) and report.cells == []
    with Session(engine) as session, pytest.raises(TypeError):
        build_report(session, min_group=MIN)  # type: ignore[call-arg]  # not both together


def test_same_named_teams_are_judged_apart_by_complementary_suppression() -> None:
    sizes = [GroupSize("team", "Team 1", 1, 3, team_id=7), GroupSize("team", "Team 1", 1, 2, 8)]
    assert hidden_groups(sizes, MIN) == {(7, 1), (8, 1)}
    sizes.append(GroupSize("team", "Team 1", 1, 9, team_id=9))
    assert hidden_groups(sizes, MIN) == {(7, 1), (8, 1)}  # together 5: the big one may show
    sizes = [GroupSize("team", "A", 1, 9, team_id=1), GroupSize("team", "A", 1, 3, team_id=2)]
    sizes.append(GroupSize("team", "", 1, 6))  # the scans without a team, known by name
    assert hidden_groups(sizes, MIN) == {(2, 1), ("", 1)}


def test_a_shown_team_is_found_by_its_id_not_its_name(
    conversation: Conversation, engine: Engine, dialogue: Dialogue
) -> None:
    small = 3  # the smallest minimum allowed: fewer people to finish a scan
    teams = Teams(conversation.people, min_group=small)
    for n, organisation in enumerate(("Noord", "Zuid")):
        lead = person(60 + n)
        lead_in(conversation, teams, organisation, lead)
        code = teams.team(lead, "Team 1").replies[0].data["team"].code
        for m in range(small):
            member = person(200 + 10 * n + m)
            conversation.start(member, code)
            finish(conversation, member, option_index=1 + 3 * n)  # Noord low, Zuid high
        close_organisation_round(engine, organisation)
    means = []
    for organisation in ("Noord", "Zuid"):  # each organisation's report: its own Team 1
        report = report_of(engine, organisation, min_group=small)
        shown = [g for g in report.groups if g.kind == "team"]
        assert len(shown) == 1 and shown[0].people == small
        assert shown[0].key == shown[0].team_id  # found by its id, not its name
        means.append(report.cell("team", shown[0].key, 1, "groeimodel", "individu"))
        assert report.cell("team", "Team 1", 1, "groeimodel", "individu") is None
    low, high = means
    assert low is not None and high is not None and low < high  # not one mean of both
