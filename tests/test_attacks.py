"""The attacker's suite: a lead and HR who look at every view, at every moment, and subtract.

Hypothesis plays random histories in one organisation: people join teams and finish (some
twice, some in two teams, the lead in their own), delete their data, and the lead and HR
close rounds, while the attacker looks at the lead's team views and HR's report after every
step. Two properties must hold for every history:

- Frozen: a figure once shown never changes (a team's round, an HR cell or group size), so
  comparing two moments (before and after a finish, a deletion, a close) isolates no one.
- Not derivable: in each closed round, no crossing of a team (or the people in no team, such
  as leads in their own) and a role with 1 to MIN-1 people is a linear combination of the
  shown groups (teams, roles, everyone): checked with exact rank arithmetic on the stored
  crossings, independently of the rule in reports/anonymity.py that hides them.

Figures are modelled per person; "weet ik niet" answers shrinking one item's group below
the minimum are left to the per-item rule (reports.anonymity.shown_cells).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

import numpy
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from reports.hr import build_report
from storage import rounds
from storage.models import Organisation, RoleTally, TeamRound, utcnow
from tests.test_conversation import answer_current
from tests.test_hr_report import finish_again

MIN = 3
TEAMS = 2
PEOPLE = 10
EXAMPLES = count(1)

Action = tuple[str, int, int, int]  # (what, who, which team, answer option)
# Options 0-2: the role question's first three roles, so roles cross teams often.
person_, team_, option_ = st.integers(0, PEOPLE - 1), st.integers(0, TEAMS - 1), st.integers(0, 2)
actions = st.one_of(
    st.tuples(st.just("join"), person_, team_, option_),
    st.tuples(st.just("join"), person_, team_, option_),  # twice as likely as the others
    st.tuples(st.just("team_of_lead"), st.just(0), team_, option_),
    st.tuples(st.just("again"), person_, st.just(0), option_),
    st.tuples(st.just("forget"), person_, st.just(0), st.just(0)),
    st.tuples(st.just("close_team"), st.just(0), team_, st.just(0)),
    st.tuples(st.just("close_organisation"), st.just(0), st.just(0), st.just(0)),
)


@dataclass
class World:
    """One organisation with its lead, teams and people, fresh for each example."""

    conversation: Conversation
    engine: Engine
    name: str
    lead: Person
    people: list[Person]
    codes: list[str] = field(default_factory=list)
    seen: dict[tuple[object, ...], object] = field(default_factory=dict)
    looks: int = 0

    @property
    def teams(self) -> Teams:
        return Teams(self.conversation.people, min_group=MIN)


def make_world(conversation: Conversation, engine: Engine) -> World:
    n = next(EXAMPLES)
    admin = Person("telegram", str(61_000_000 + n), "nl")
    lead = Person("telegram", str(62_000_000 + n), "nl")
    people = [Person("telegram", str(63_000_000 + n * 100 + i), "nl") for i in range(PEOPLE)]
    world = World(conversation, engine, f"Org {n}", lead, people)
    card = world.teams.organisation(admin, world.name).replies[0]
    conversation.start(lead, card.data["organisation"].code)
    for t in range(TEAMS):
        world.codes.append(world.teams.team(lead, f"Team {t}").replies[0].data["team"].code)
    return world


def play(world: World, action: Action) -> None:
    what, who, team, option = action
    conversation, teams = world.conversation, world.teams
    if what == "join":
        join(conversation, world.people[who], world.codes[team], option)
    elif what == "team_of_lead":  # the lead pads their own team
        join(conversation, world.lead, world.codes[team], option)
    elif what == "again":
        if conversation.my_data(world.people[who]).replies[0].data.get("scans"):
            finish_again(conversation, world.people[who], option_index=option)
    elif what == "forget":
        conversation.forget(world.people[who], confirmed=True)
    elif what == "close_team":
        teams.press(world.lead, team_data("close_yes", world.codes[team]))
    else:
        with Session(world.engine) as session:
            found = session.exec(select(Organisation).where(Organisation.name == world.name)).one()
            rounds.close_organisation_round(
                session, organisation=found, round_length=timedelta(days=42), now=utcnow()
            )
            session.commit()


def join(conversation: Conversation, person: Person, code: str, option: int) -> None:
    """Opens the team link and answers whatever is asked (nothing, if already done there)."""
    conversation.start(person, code)
    consent = conversation.dialogue.questions[0].id
    while (reply := conversation.current(person).replies[-1]).template == "question":
        first = reply.data["question"].id == consent
        answer_current(conversation, option_index=0 if first else option, person=person)


def published(world: World) -> Iterator[tuple[tuple[object, ...], object]]:
    """Every figure the lead and HR can see now, by what it is a figure of."""
    for code in world.codes:
        for reply in world.teams.results(world.lead, code).replies:
            if reply.template == "team_result":
                means = {layer: row["mean"] for layer, row in reply.data["phases"].items()}
                yield ("team", code, reply.data["wave"]), (reply.data["finished"], means)
    with Session(world.engine) as session:
        report = build_report(session, min_group=MIN, organisation=world.name)
    for group in report.groups:
        if group.people is not None:
            yield ("size", group.kind, group.key, group.wave), group.people
    for cell in report.cells:
        measure = (cell.kind, cell.key, cell.wave, cell.model, cell.dimension)
        yield ("cell", *measure), (cell.people, cell.known, round(cell.mean or 0.0, 9))


def look(world: World) -> None:
    """The attacker looks at everything; what was shown before must read the same now."""
    world.looks += 1
    for key, value in published(world):
        before = world.seen.setdefault(key, value)
        assert before == value, f"{key} changed from {before} to {value}: a difference leaks"


def assert_no_small_crossing_is_derivable(world: World) -> None:
    """Rank test per closed round: a small crossing is no combination of the shown groups."""
    with Session(world.engine) as session:
        organisation = session.exec(
            select(Organisation).where(Organisation.name == world.name)
        ).one()
        report = build_report(session, min_group=MIN, organisation=world.name)
        for wave in range(1, organisation.wave):
            crossings = {
                team_id: dict(roles or {})
                for team_id, roles in session.exec(
                    select(TeamRound.team_id, TeamRound.roles).where(
                        TeamRound.organisation_id == organisation.id, TeamRound.wave == wave
                    )
                )
            }
            role_people = dict(
                session.exec(
                    select(RoleTally.role, func.max(RoleTally.people))
                    .where(RoleTally.organisation_id == organisation.id, RoleTally.wave == wave)
                    .group_by(RoleTally.role)
                ).all()
            )
            atoms: dict[tuple[object, str], int] = {}
            for team_id, roles in crossings.items():
                for role, n in roles.items():
                    atoms[(team_id, role)] = n
            for role, n in role_people.items():  # leads in their own team: in no team
                rest = n - sum(r.get(role, 0) for r in crossings.values())
                if rest:
                    atoms[("no team", role)] = rest
            keys = [key for key, n in atoms.items() if n > 0]
            rows = []
            for group in report.groups_of("team", wave):
                if group.people is not None:
                    rows.append([1.0 if key[0] == group.team_id else 0.0 for key in keys])
            for group in report.groups_of("role", wave):
                if group.people is not None:
                    rows.append([1.0 if key[1] == group.group else 0.0 for key in keys])
            if any(g.people is not None for g in report.groups_of("all", wave)):
                rows.append([1.0] * len(keys))
            if not rows:
                continue
            shown = numpy.array(rows)
            rank = numpy.linalg.matrix_rank(shown)
            for index, key in enumerate(keys):
                if atoms[key] >= MIN:
                    continue
                alone = numpy.zeros(len(keys))
                alone[index] = 1.0
                derivable = numpy.linalg.matrix_rank(numpy.vstack([shown, alone])) == rank
                assert not derivable, f"round {wave}: {atoms[key]} people in {key} derivable"


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(actions, min_size=8, max_size=30))
@example(  # role across a team: one person of role 0 in a team of role 1 (a bridge of one)
    history=[
        *(("join", n, 0, 0) for n in range(3)),
        *(("join", n, 1, 1) for n in range(3, 6)),
        ("join", 6, 1, 0),
    ]
)
@example(  # live differencing: a look, one more finish and a deletion, a look again
    history=[
        *(("join", n, 0, n % 3) for n in range(4)),
        ("close_team", 0, 0, 0),
        ("join", 4, 0, 2),
        ("forget", 1, 0, 0),
        ("again", 2, 0, 1),
    ]
)
def test_no_history_lets_a_lead_or_hr_work_out_one_persons_answers(
    conversation: Conversation, engine: Engine, history: list[Action]
) -> None:
    world = make_world(conversation, engine)
    for action in [*history, ("close_organisation", 0, 0, 0)]:
        play(world, action)
        look(world)
    assert_no_small_crossing_is_derivable(world)
