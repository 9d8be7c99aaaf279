"""Running sums of every finished placement per team and per role, kept for the HR report.

Summing millions of score rows on every report is slow; these tallies hold, per group, wave and
measure, how many people there are, how many gave a usable answer and the sum of their scores.
They change in the same transaction as the results they sum (a finished scan adds to them, a
deleted person subtracts), and `rebuild` recomputes them from the results themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal_column, select
from sqlmodel import Session, col

from storage.inserts import add_to_existing
from storage.models import Result, ResultScore, RoleTally, Scan, Team, TeamTally, table_of

NO_TEAM, NO_ORGANISATION = 0, 0
Scores = dict[tuple[str, str], float | None]
Rows = dict[tuple[object, ...], dict[str, Any]]  # tally rows by primary key


@dataclass(frozen=True)
class Counted:
    """One finished placement as the tallies count it; sign -1 takes it out again."""

    team_id: int | None
    wave: int | None
    role: str | None
    scores: Scores
    sign: int = 1


def add(session: Session, placements: Iterable[Counted]) -> None:
    """Adds finished placements to their team's and their role's tallies.

    Rows are summed per key and written team tallies first, each in key order: two
    transactions then never wait for each other in a circle (no deadlock on PostgreSQL).
    """
    team_rows: Rows = {}
    role_rows: Rows = {}
    for placement in placements:
        sign = placement.sign
        team = session.get(Team, placement.team_id) if placement.team_id else None
        organisation = team.organisation_id if team and team.organisation_id else NO_ORGANISATION
        for (model, dimension), score in placement.scores.items():
            counts = {
                "people": sign,
                "known": sign if score is not None else 0,
                "total": sign * score if score is not None else 0.0,
            }
            measure = {"wave": placement.wave or 1, "model": model, "dimension": dimension}
            team_key = {"team_id": placement.team_id or NO_TEAM, **measure}
            role_key = {"organisation_id": organisation, "role": placement.role or "", **measure}
            _sum_into(team_rows, TeamTally, team_key, counts)
            _sum_into(role_rows, RoleTally, role_key, counts)
    _write(session, TeamTally, team_rows)
    _write(session, RoleTally, role_rows)


def _write(session: Session, table: type[TeamTally] | type[RoleTally], rows: Rows) -> None:
    """Adds the summed rows to the table in key order (the order every transaction locks in)."""
    if rows:
        add_to_existing(session, table, [rows[key] for key in sorted(rows)])


def _sum_into(
    rows: Rows,
    table: type[TeamTally] | type[RoleTally],
    key: dict[str, Any],
    counts: dict[str, Any],
) -> None:
    ordered = tuple(key[c.name] for c in table_of(table).primary_key.columns)
    row = rows.setdefault(ordered, {**key, "people": 0, "known": 0, "total": 0.0})
    for name, value in counts.items():
        row[name] += value


def move_team(session: Session, *, team: Team, organisation_id: int) -> None:
    """Moves a team's role tallies to another organisation, when its lead joins one."""
    before = team.organisation_id or NO_ORGANISATION
    if before == organisation_id:
        return
    rows: Rows = {}
    for key, counts in _role_sums(session, team_id=team.id):
        taken = {name: -value for name, value in counts.items()}
        _sum_into(rows, RoleTally, {**key, "organisation_id": before}, taken)
        _sum_into(rows, RoleTally, {**key, "organisation_id": organisation_id}, counts)
    _write(session, RoleTally, rows)


def rebuild(session: Session) -> None:
    """Recomputes every tally from the stored results (after a migration, or to check them)."""
    session.exec(delete(TeamTally))
    session.exec(delete(RoleTally))
    team_id = func.coalesce(Scan.team_id, literal_column(str(NO_TEAM)))
    wave = func.coalesce(Scan.wave, literal_column("1"))
    by_team = _sums(team_id, wave).group_by(team_id, wave, ResultScore.model, ResultScore.dimension)
    session.exec(
        insert(TeamTally).from_select(
            ["team_id", "wave", "model", "dimension", "people", "known", "total"], by_team
        )
    )
    organisation = func.coalesce(Team.organisation_id, literal_column(str(NO_ORGANISATION)))
    role = func.coalesce(Result.role, literal_column("''"))
    keys = (organisation, role, wave, ResultScore.model, ResultScore.dimension)
    by_role = (
        _sums(organisation, role, wave)
        .join(Result, col(Result.scan_id) == Scan.id)
        .outerjoin(Team, col(Team.id) == Scan.team_id)
        .group_by(*keys)
    )
    columns = ["organisation_id", "role", "wave", "model", "dimension", "people", "known", "total"]
    session.exec(insert(RoleTally).from_select(columns, by_role))


def _sums(*keys: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """Per-measure sums over finished scans, led by the grouping columns."""
    return (
        select(
            *keys,
            col(ResultScore.model),
            col(ResultScore.dimension),
            func.count(col(ResultScore.id)),
            func.count(col(ResultScore.score)),
            func.coalesce(func.sum(ResultScore.score), literal_column("0.0")),
        )
        .select_from(Scan)
        .join(ResultScore, col(ResultScore.scan_id) == Scan.id)
        .where(col(Scan.finished_at).is_not(None))
    )


def _role_sums(
    session: Session, *, team_id: int | None
) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """A team's results summed per role, wave and measure: (key, counts) pairs."""
    role = func.coalesce(Result.role, literal_column("''"))
    wave = func.coalesce(Scan.wave, literal_column("1"))
    statement = (
        _sums(role, wave)
        .join(Result, col(Result.scan_id) == Scan.id)
        .where(col(Scan.team_id) == team_id)
        .group_by(role, wave, ResultScore.model, ResultScore.dimension)
    )
    # SQLModel's exec() is typed for its own select() (at most four columns), not SQLAlchemy's.
    rows = session.exec(statement)  # type: ignore[call-overload]
    for role_, wave_, model, dimension, people, known, total in rows:
        key = {"role": role_, "wave": wave_, "model": model, "dimension": dimension}
        yield key, {"people": int(people), "known": int(known), "total": float(total)}
