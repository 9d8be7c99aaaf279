"""Figures over many people for HR: counts and means per group, computed in SQL.

Only finished scans count. A row is one cell: a group (a team, or everyone answering from
one role), a wave, and one scored dimension. Cells of groups below the minimum size never
leave this module: SQL drops them (HAVING), so no caller can print them by mistake. What
is left may still need complementary suppression; see reports.anonymity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, func, literal_column
from sqlmodel import Session, col, select

from storage.models import Answer, ResultScore, Scan, Team

GroupKind = Literal["team", "role", "all"]


@dataclass(frozen=True)
class Cell:
    kind: GroupKind
    group: str  # the team's name, the role's value, or "" for everyone / no team
    wave: int
    model: str
    dimension: str
    people: int  # finished scans in the group
    known: int  # of them, how many gave a usable answer for this dimension
    mean: float | None  # None when fewer than the minimum gave one


@dataclass(frozen=True)
class GroupSize:
    kind: GroupKind
    group: str
    wave: int
    people: int


def _wave() -> ColumnElement[int]:
    # Inline, not a bound parameter: PostgreSQL matches a GROUP BY expression to the selected
    # one by its text, and two parameters ($1, $2) never match.
    return func.coalesce(Scan.wave, literal_column("1"))


def _finished() -> ColumnElement[bool]:
    return col(Scan.finished_at).is_not(None)


def _group_column(kind: GroupKind) -> ColumnElement[str]:
    if kind == "team":
        return func.coalesce(Team.name, literal_column("''"))
    if kind == "role":
        return func.coalesce(Answer.value, literal_column("''"))
    return literal_column("''")


def _grouped_by(kind: GroupKind) -> list[ColumnElement[str]]:
    """The group's column for GROUP BY: none for everyone (PostgreSQL refuses a constant)."""
    return [] if kind == "all" else [_group_column(kind)]


def _joined(statement, kind: GroupKind, role_question: str):  # type: ignore[no-untyped-def]
    if kind == "team":
        return statement.outerjoin(Team, col(Team.id) == Scan.team_id)
    if kind == "role":
        return statement.outerjoin(
            Answer, (col(Answer.scan_id) == Scan.id) & (col(Answer.question_id) == role_question)
        )
    return statement


def group_sizes(session: Session, *, kind: GroupKind, role_question: str) -> list[GroupSize]:
    """How many finished scans each group has per wave; sizes are no one's answers."""
    group = _group_column(kind)
    statement = _joined(
        select(group, _wave(), func.count(col(Scan.id))).select_from(Scan), kind, role_question
    )
    rows = (
        session.connection()
        .execute(statement.where(_finished()).group_by(*_grouped_by(kind), _wave()))
        .all()
    )
    return [GroupSize(kind, name, wave, people) for name, wave, people in rows]


def cells(session: Session, *, kind: GroupKind, role_question: str, min_group: int) -> list[Cell]:
    """Means per group, wave and dimension, for groups of at least `min_group` people."""
    group = _group_column(kind)
    people = func.count(col(ResultScore.id))
    known = func.count(col(ResultScore.score))
    statement = _joined(
        select(
            group,
            _wave(),
            ResultScore.model,
            ResultScore.dimension,
            people,
            known,
            func.avg(ResultScore.score),
        )
        .select_from(Scan)
        .join(ResultScore, col(ResultScore.scan_id) == Scan.id),
        kind,
        role_question,
    )
    rows = (
        session.connection()
        .execute(  # plain rows: no ORM work per row
            statement.where(_finished())
            .group_by(*_grouped_by(kind), _wave(), ResultScore.model, ResultScore.dimension)
            .having(people >= min_group)
        )
        .all()
    )
    return [
        Cell(kind, name, wave, model, dimension, n, k, float(avg) if k >= min_group else None)
        for name, wave, model, dimension, n, k, avg in rows
    ]
