"""Figures over many people for HR: counts and means per group, computed in SQL.

Only finished scans count. A row is one cell: a group (a team, or everyone answering from
one role), a wave, and one scored dimension. Cells of groups below the minimum size never
leave this module: SQL drops them (HAVING), so no caller can print them by mistake. What
is left may still need complementary suppression; see reports.anonymity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import ColumnClause, ColumnElement, Select, and_, func, literal_column, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage import tallies
from storage.models import Result, RoleTally, Scan, Team, TeamTally

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
ONE: ColumnClause[int] = literal_column("1")
EMPTY: ColumnClause[str] = literal_column("''")

_Statement = TypeVar("_Statement", bound=Select[*tuple[Any, ...]])


def _wave() -> ColumnElement[int]:
    return func.coalesce(Scan.wave, ONE)


def _group_column(kind: GroupKind) -> ColumnElement[str]:
    if kind == "team":
        return func.coalesce(Team.name, EMPTY)
    if kind == "role":
        return func.coalesce(Result.role, EMPTY)
    return EMPTY


def _keys(kind: GroupKind, *columns: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """What to group by: everyone is one group, and PostgreSQL refuses a constant there."""
    return list(columns[1:]) if kind == "all" else list(columns)


def _joined(statement: _Statement, kind: GroupKind, organisation_id: int | None) -> _Statement:
    """Joins what the grouping needs; within one organisation only its teams' scans count."""
    if organisation_id is not None:
        statement = statement.join(Team, col(Team.id) == Scan.team_id).where(
            col(Team.organisation_id) == organisation_id
        )
    elif kind == "team":
        statement = statement.outerjoin(Team, col(Team.id) == Scan.team_id)
    if kind == "role":
        return statement.outerjoin(Result, col(Result.scan_id) == Scan.id)
    return statement


def group_sizes(
    session: Session, *, kind: GroupKind, organisation_id: int | None = None
) -> list[GroupSize]:
    """How many people finished in each group per wave (each once); sizes are no one's answers.

    Teams are counted per team id (None: no team), never per name.
    """
    if kind == "team":
        return _team_sizes(session, organisation_id)
    group = _group_column(kind)
    statement = _joined(
        select(group, _wave(), func.count(col(Scan.id))).select_from(Scan),
        kind,
        organisation_id,
    )
    keys = _keys(kind, group, _wave())
    counted = col(Scan.id).in_(tallies.counted_in_roles())
    rows = session.connection().execute(statement.where(counted).group_by(*keys)).all()
    return [GroupSize(kind, name, wave, people) for name, wave, people in rows]


def _team_sizes(session: Session, organisation_id: int | None) -> list[GroupSize]:
    """People per team (by id, with its name to show) and wave; None: no team."""
    keys = (col(Scan.team_id), _group_column("team"), _wave())
    statement = _joined(
        select(*keys, func.count(col(Scan.id))).select_from(Scan), "team", organisation_id
    )
    counted = or_(
        col(Scan.id).in_(tallies.counted_in_teams()),
        and_(col(Scan.team_id).is_(None), col(Scan.id).in_(tallies.counted_in_roles())),
    )
    rows = session.connection().execute(statement.where(counted).group_by(*keys)).all()
    return [GroupSize("team", name, wave, people, team) for team, name, wave, people in rows]


def team_cells(
    session: Session, *, min_group: int, organisation_id: int | None = None
) -> list[Cell]:
    """Means per team, wave and measure, from the tallies, for teams of at least `min_group`.

    Each team is its own group, known by its id: two teams with one name are never added up.
    Cells with fewer usable answers than the minimum have no mean to show and are left out.
    """
    name = func.coalesce(Team.name, EMPTY)
    team_id = col(TeamTally.team_id)
    measure = (team_id, name, col(TeamTally.wave), col(TeamTally.model), col(TeamTally.dimension))
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement = sa_select(*measure, *_sums(TeamTally)).outerjoin(Team, col(Team.id) == team_id)
    if organisation_id is not None:
        statement = statement.where(col(Team.organisation_id) == organisation_id)
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
    session: Session, *, min_group: int, organisation_id: int | None = None
) -> tuple[list[Cell], list[Cell]]:
    """Means per role and for everyone, from the tallies; both cut at `min_group` in SQL."""
    scoped = select(RoleTally)
    if organisation_id is not None:
        scoped = scoped.where(RoleTally.organisation_id == organisation_id)
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
