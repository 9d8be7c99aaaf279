"""Running sums of every finished placement per team and per role, kept for the HR report.

Summing millions of score rows on every report is slow; these tallies hold, per group, wave and
measure, how many people there are, how many gave a usable answer and the sum of their scores.
They change in the same transaction as the results they sum (a finished scan adds to them, a
deleted person subtracts), and `rebuild` recomputes them from the results themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, func, insert, literal_column, select
from sqlmodel import Session, col

from storage.inserts import add_to_existing
from storage.models import Result, ResultScore, RoleTally, Scan, Team, TeamTally

NO_TEAM, NO_ORGANISATION = 0, 0
Scores = dict[tuple[str, str], float | None]


def add(session: Session, *, scan: Scan, role: str | None, scores: Scores, sign: int = 1) -> None:
    """Adds one finished placement to its team's and its role's tallies (sign -1 takes it out)."""
    team = session.get(Team, scan.team_id) if scan.team_id else None
    organisation = team.organisation_id if team and team.organisation_id else NO_ORGANISATION
    wave = scan.wave or 1
    rows = [
        {
            "model": model,
            "dimension": dimension,
            "wave": wave,
            "people": sign,
            "known": sign if score is not None else 0,
            "total": sign * score if score is not None else 0.0,
        }
        for (model, dimension), score in scores.items()
    ]
    if not rows:
        return
    team_id = scan.team_id or NO_TEAM
    add_to_existing(session, TeamTally, [{**row, "team_id": team_id} for row in rows])
    role_rows = [{**row, "organisation_id": organisation, "role": role or ""} for row in rows]
    add_to_existing(session, RoleTally, role_rows)


def move_team(session: Session, *, team: Team, organisation_id: int) -> None:
    """Moves a team's role tallies to another organisation, when its lead joins one."""
    before = team.organisation_id or NO_ORGANISATION
    if before == organisation_id:
        return
    for row in _role_sums(session, team_id=team.id):
        add_to_existing(session, RoleTally, [_negated({**row, "organisation_id": before})])
        add_to_existing(session, RoleTally, [{**row, "organisation_id": organisation_id}])


def rebuild(session: Session) -> None:
    """Recomputes every tally from the stored results (after a migration, or to check them)."""
    session.exec(delete(TeamTally))  # type: ignore[call-overload]
    session.exec(delete(RoleTally))  # type: ignore[call-overload]
    team_id = func.coalesce(Scan.team_id, literal_column(str(NO_TEAM)))
    wave = func.coalesce(Scan.wave, literal_column("1"))
    by_team = _sums(team_id, wave).group_by(team_id, wave, ResultScore.model, ResultScore.dimension)
    session.exec(  # type: ignore[call-overload]
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
    session.exec(insert(RoleTally).from_select(columns, by_role))  # type: ignore[call-overload]


def _sums(*keys: ColumnElement[object]):  # type: ignore[no-untyped-def]
    """Per-measure sums over finished scans, led by the grouping columns."""
    return (
        select(
            *keys,
            ResultScore.model,
            ResultScore.dimension,
            func.count(col(ResultScore.id)),
            func.count(col(ResultScore.score)),
            func.coalesce(func.sum(ResultScore.score), literal_column("0.0")),
        )
        .select_from(Scan)
        .join(ResultScore, col(ResultScore.scan_id) == Scan.id)
        .where(col(Scan.finished_at).is_not(None))
    )


def _role_sums(session: Session, *, team_id: int | None) -> Iterable[dict[str, object]]:
    role = func.coalesce(Result.role, literal_column("''"))
    wave = func.coalesce(Scan.wave, literal_column("1"))
    statement = (
        _sums(role, wave)
        .join(Result, col(Result.scan_id) == Scan.id)
        .where(Scan.team_id == team_id)
        .group_by(role, wave, ResultScore.model, ResultScore.dimension)
    )
    for role_, wave_, model, dimension, people, known, total in session.exec(statement):  # type: ignore[call-overload]
        yield {
            "role": role_,
            "wave": wave_,
            "model": model,
            "dimension": dimension,
            "people": int(people),
            "known": int(known),
            "total": float(total),
        }


def _negated(row: dict[str, object]) -> dict[str, object]:
    return {**row, "people": -row["people"], "known": -row["known"], "total": -row["total"]}  # type: ignore[operator]
