"""Figures over many people for HR: counts and means per group, computed in SQL.

Only an organisation's closed rounds count, from the tallies frozen when each team round
closed; no figure spans two organisations. A row is one cell: a group (a team, or everyone
answering from one role), a wave, and one scored dimension. Cells of groups below the
minimum size never leave this module: SQL drops them (HAVING), so no caller can print them
by mistake. What is left may still need complementary suppression; see reports.anonymity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnClause, ColumnElement, func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import (
    Organisation,
    OrganisationRound,
    RoleTally,
    Team,
    TeamRound,
    TeamTally,
    as_utc,
)

GroupKind = Literal["team", "role", "all"]


GroupId = int | str  # what tells a group apart from the others of its kind; see group_key


def group_key(group: str, team_id: int | None) -> GroupId:
    """A team group is known by its team's id, so two teams with one name stay two groups.

    The other groups (a role, everyone, the scans without a team) are known by their name.
    """
    return team_id if team_id is not None else group


class Cell(NamedTuple):
    """One shown or hidden figure; a tuple, as a report at 100,000 people holds 250,000."""

    kind: GroupKind
    group: str  # the team's name, the role's value, or "" for everyone / no team
    wave: int
    model: str
    dimension: str
    people: int  # finished scans in the group
    known: int  # of them, how many gave a usable answer for this dimension
    mean: float | None  # None when fewer than the minimum gave one
    team_id: int | None = None  # a team group's team; None for roles, everyone and no team

    @property
    def key(self) -> GroupId:
        return group_key(self.group, self.team_id)


@dataclass(frozen=True)
class GroupSize:
    kind: GroupKind
    group: str  # the name, as in Cell
    wave: int
    people: int
    team_id: int | None = None

    @property
    def key(self) -> GroupId:
        return group_key(self.group, self.team_id)


# Constants are written into the SQL, not bound: PostgreSQL only matches a GROUP BY expression
# to the selected one when both read the same, and two bound parameters never do.
EMPTY: ColumnClause[str] = literal_column("''")


def group_sizes(session: Session, *, kind: GroupKind, organisation_id: int) -> list[GroupSize]:
    """How many people each group of the organisation's closed rounds has, from the tallies.

    Sizes are no one's answers; they are frozen with the rounds, like the figures. Teams are
    known by id; everyone in a round is the sum of its roles (a lead counts in a role only).
    """
    if kind == "team":
        people = func.max(TeamTally.people)
        team_statement = (
            select(TeamTally.team_id, Team.name, TeamTally.wave, people)
            .join(Team, col(Team.id) == TeamTally.team_id)
            .where(_closed_in(organisation_id), _closed(TeamTally, organisation_id))
            .group_by(col(TeamTally.team_id), col(Team.name), col(TeamTally.wave))
        )
        return [
            GroupSize("team", name, wave, int(n), team_id)
            for team_id, name, wave, n in session.exec(team_statement)
        ]
    role_statement = (
        select(RoleTally.role, RoleTally.wave, func.max(RoleTally.people))
        .where(RoleTally.organisation_id == organisation_id, _closed(RoleTally, organisation_id))
        .group_by(col(RoleTally.role), col(RoleTally.wave))
    )
    roles = [
        GroupSize("role", role, wave, int(n)) for role, wave, n in session.exec(role_statement)
    ]
    if kind == "role":
        return roles
    everyone: dict[int, int] = {}
    for size in roles:
        everyone[size.wave] = everyone.get(size.wave, 0) + size.people
    return [GroupSize("all", "", wave, n) for wave, n in sorted(everyone.items())]


def _closed(
    tally: type[TeamTally] | type[RoleTally] | type[TeamRound], organisation_id: int
) -> ColumnElement[bool]:
    """Only the organisation's closed rounds: its open one is still being filled."""
    open_round = select(Organisation.wave).where(col(Organisation.id) == organisation_id)
    return col(tally.wave) < open_round.scalar_subquery()


def _closed_in(organisation_id: int) -> ColumnElement[bool]:
    """A team tally of a round closed while the team was in this organisation.

    By the round, not the team's organisation now: a round a team closed before it moved
    into an organisation stays outside it (its people are in no role of the organisation).
    """
    return (
        select(TeamRound.team_id)
        .where(
            TeamRound.team_id == TeamTally.team_id,
            TeamRound.wave == TeamTally.wave,
            TeamRound.organisation_id == organisation_id,
        )
        .exists()
    )


def team_cells(session: Session, *, min_group: int, organisation_id: int) -> list[Cell]:
    """Means per team, wave and measure, from the tallies, for teams of at least `min_group`.

    Each team is its own group, known by its id: two teams with one name are never added up.
    Cells with fewer usable answers than the minimum have no mean to show and are left out.
    """
    name = func.coalesce(Team.name, EMPTY)
    team_id = col(TeamTally.team_id)
    measure = (team_id, name, col(TeamTally.wave), col(TeamTally.model), col(TeamTally.dimension))
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement = (
        sa_select(*measure, *_sums(TeamTally))
        .join(Team, col(Team.id) == team_id)
        .where(_closed_in(organisation_id), _closed(TeamTally, organisation_id))
    )
    statement = statement.group_by(*measure).having(
        func.sum(TeamTally.people) >= min_group, func.sum(TeamTally.known) >= min_group
    )
    rows = session.connection().execute(statement).all()  # one fetch, not one call per row
    # One (name, id) pair per team, shared by all its cells rather than copied into each.
    teams: dict[int, tuple[str, int | None]] = {}
    cells: list[Cell] = []
    for tally_team, team_name, wave, model, dimension, n, k, t in rows:
        shared, team = teams.setdefault(tally_team, (team_name, tally_team or None))
        mean = _mean(t, k, min_group)
        cells.append(Cell("team", shared, wave, model, dimension, int(n), int(k), mean, team))
    return cells


def role_and_total_cells(
    session: Session, *, min_group: int, organisation_id: int
) -> tuple[list[Cell], list[Cell]]:
    """Means per role and for everyone, from the tallies; both cut at `min_group` in SQL."""
    scoped = select(RoleTally).where(
        RoleTally.organisation_id == organisation_id, _closed(RoleTally, organisation_id)
    )
    tally = scoped.subquery()
    enough = func.sum(tally.c.people) >= min_group
    measure = (tally.c.wave, tally.c.model, tally.c.dimension)
    roles = select(tally.c.role, *measure, *_sums(tally.c)).group_by(tally.c.role, *measure)
    everyone = select(EMPTY, *measure, *_sums(tally.c)).group_by(*measure)
    return (
        _cells(session, "role", roles.having(enough), min_group),
        _cells(session, "all", everyone.having(enough), min_group),
    )


def _sums(tally: Any) -> tuple[ColumnElement[Any], ...]:
    return func.sum(tally.people), func.sum(tally.known), func.sum(tally.total)


def _cells(session: Session, kind: GroupKind, statement: Any, min_group: int) -> list[Cell]:
    """Rows of (group, wave, model, dimension, people, known, total) as cells.

    A mean is only given when enough people gave a usable answer; PostgreSQL sums as numeric.
    """
    rows = session.connection().execute(statement).all()  # one fetch, not one call per row
    return [
        Cell(kind, name, wave, model, dimension, int(n), int(k), _mean(t, k, min_group))
        for name, wave, model, dimension, n, k, t in rows
    ]


def _mean(total: Any, known: Any, min_group: int) -> float | None:
    return float(total) / int(known) if known >= min_group else None


def crossings(
    session: Session, *, organisation_id: int
) -> dict[tuple[GroupId, int], dict[str, int]]:
    """People per role in each closed team round of the organisation, as kept at closing."""
    statement = (
        select(TeamRound.team_id, TeamRound.wave, TeamRound.roles)
        .join(Team, col(Team.id) == TeamRound.team_id)
        .where(TeamRound.organisation_id == organisation_id, _closed(TeamRound, organisation_id))
    )
    return {(team_id, wave): dict(roles or {}) for team_id, wave, roles in session.exec(statement)}


def round_closings(session: Session, *, organisation_id: int) -> list[tuple[int, int, datetime]]:
    """(team id, round, when it closed) for each closed team round of the organisation."""
    statement = select(TeamRound.team_id, TeamRound.wave, TeamRound.closed_at).where(
        TeamRound.organisation_id == organisation_id, _closed(TeamRound, organisation_id)
    )
    return [(team_id, wave, as_utc(closed)) for team_id, wave, closed in session.exec(statement)]


def planned_starts(session: Session, *, organisation_id: int) -> dict[int, datetime]:
    """The first day of each organisation round that HR or an admin planned."""
    statement = select(OrganisationRound.wave, OrganisationRound.starts_at).where(
        OrganisationRound.organisation_id == organisation_id
    )
    return {wave: as_utc(starts) for wave, starts in session.exec(statement)}
