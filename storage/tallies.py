"""Sums of every closed round per team and per role, written once, when the round closes.

Summing millions of score rows on every report is slow, and a figure that moves each time one
more person finishes (or deletes their data) gives that person away to anyone who compares two
moments. So the tallies hold, per group, round (wave) and measure, how many people there are,
how many gave a usable answer and the sum of their scores, over closed rounds only, frozen.

People, not scans: a person counts once in a team round, with their latest finished scan
there, and a team lead's own scans never count in a team they lead (they do count in their
role). Within an organisation a person counts in one team round per round number: the first
of their teams to close. `ranked` says this in SQL, once, for the tallies and for the open
round's count in the team's view (storage.team_queries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
)
from sqlmodel import Session

from storage.inserts import add_to_existing
from storage.models import (
    Respondent,
    Result,
    ResultScore,
    RoleTally,
    Scan,
    Team,
    TeamRound,
    TeamTally,
    table_of,
)

NO_TEAM, NO_ORGANISATION = 0, 0
Scores = dict[tuple[str, str], float | None]
Rows = dict[tuple[object, ...], dict[str, Any]]  # tally rows by primary key
# A delta row whose counts all cancel out is not written (the total may keep float dust).
_NOTHING = 1e-9

_scans, _teams, _respondents = table_of(Scan), table_of(Team), table_of(Respondent)
_results, _scores = table_of(Result), table_of(ResultScore)
_rounds = table_of(TeamRound)


@dataclass(frozen=True)
class Counted:
    """One finished placement as the tallies count it.

    `in_team`: it counts in its team's tally (the person's latest there, and not the team's
    lead); `in_role`: it counts in its role's tally (the person's latest in the organisation
    and wave).
    """

    team_id: int
    organisation_id: int
    wave: int
    role: str
    scores: Scores
    in_team: bool
    in_role: bool
    preference: str | None = None  # how they like to learn: a choice, not a score


def ranked(*where: ColumnElement[bool], teams: bool = True, roles: bool = True) -> Subquery:
    """Finished scans with a result, each with what decides whether it counts.

    Columns: scan_id, team_id, wave, organisation_id and role (the keys of the tallies); with
    `teams`, team_rank (1: the person's latest in the team and wave) and own_team (1: the
    team's lead's own scan); with `roles`, role_rank (1: the person's latest in the
    organisation and wave). `where` narrows the scans (columns of the Scan table); it must
    keep or drop whole people, or the ranks say nothing.
    """
    person = func.coalesce(_scans.c.respondent_id, -_scans.c.id)  # unlinked: a person each
    team_id = func.coalesce(_scans.c.team_id, literal_column(str(NO_TEAM)))
    wave = func.coalesce(_scans.c.wave, literal_column("1"))
    organisation = func.coalesce(_teams.c.organisation_id, literal_column(str(NO_ORGANISATION)))
    latest_first = _scans.c.id.desc()
    columns: list[ColumnElement[Any]] = [
        _scans.c.id.label("scan_id"),
        team_id.label("team_id"),
        wave.label("wave"),
        organisation.label("organisation_id"),
        func.coalesce(_results.c.role, literal_column("''")).label("role"),
        _results.c.preference.label("preference"),
    ]
    if teams:
        columns += [
            func.row_number()
            .over(partition_by=(person, team_id, wave), order_by=latest_first)
            .label("team_rank"),
            case((_respondents.c.pseudonym == _teams.c.lead, 1), else_=0).label("own_team"),
        ]
    if roles:
        columns.append(
            func.row_number()
            .over(partition_by=(person, organisation, wave), order_by=latest_first)
            .label("role_rank")
        )
    statement = (
        select(*columns)
        .select_from(
            _scans.join(_results, _results.c.scan_id == _scans.c.id)
            .outerjoin(_teams, _teams.c.id == _scans.c.team_id)
            .outerjoin(_respondents, _respondents.c.id == _scans.c.respondent_id)
        )
        .where(_scans.c.finished_at.is_not(None), *where)
    )
    return statement.subquery("ranked")


def _in_team(scans: Subquery) -> ColumnElement[bool]:
    return and_(scans.c.team_rank == 1, scans.c.own_team == 0)


def _in_role(scans: Subquery) -> ColumnElement[bool]:
    return scans.c.role_rank == 1


def counted_in_teams(*where: ColumnElement[bool]) -> Select[int]:
    """Ids of the finished scans that count in their team's figures: one per person."""
    scans = ranked(*where, roles=False)
    return select(scans.c.scan_id).where(_in_team(scans))


def closed_round(
    team_id: int, wave: int, organisation_id: int | None, closed_before: datetime | None = None
) -> ColumnElement[bool]:
    """The scans a team round counts from when it closes: its people's, once each.

    In an organisation, people already counted in another team's closed round of the same
    number (closed before `closed_before`; None: at all) are left out, so that no person is
    in two groups of one partition: the teams would then add up to more than everyone.
    """
    in_round = and_(_scans.c.team_id == team_id, _scans.c.wave == wave)
    if organisation_id is None:
        return in_round
    # Aliases: the outer query has the scan and team tables too, and must not correlate.
    other, other_team, other_round = _scans.alias("other"), _teams.alias("o"), _rounds.alias("r")
    closed = and_(
        other_round.c.team_id == other.c.team_id,
        other_round.c.wave == wave,
        other_round.c.team_id != team_id,
        other_team.c.id == other.c.team_id,
        other_team.c.organisation_id == organisation_id,
    )
    if closed_before is not None:
        closed = and_(closed, other_round.c.closed_at < closed_before)
    counted_elsewhere = select(other.c.respondent_id).where(
        closed,
        other.c.wave == wave,
        other.c.finished_at.is_not(None),
        other.c.respondent_id.is_not(None),
    )
    elsewhere = _scans.c.respondent_id.in_(counted_elsewhere)
    return and_(in_round, or_(_scans.c.respondent_id.is_(None), ~elsewhere))


def counted(session: Session, scans: ColumnElement[bool]) -> list[Counted]:
    """What the chosen people's finished scans count for (`scans` chooses whole people)."""
    chosen = ranked(scans)
    in_team, in_role = _in_team(chosen), _in_role(chosen)
    statement = (
        select(
            chosen.c.scan_id,
            chosen.c.team_id,
            chosen.c.organisation_id,
            chosen.c.wave,
            chosen.c.role,
            chosen.c.preference,
            case((in_team, 1), else_=0),
            case((in_role, 1), else_=0),
            _scores.c.model,
            _scores.c.dimension,
            _scores.c.score,
        )
        .select_from(chosen.join(_scores, _scores.c.scan_id == chosen.c.scan_id))
        .where(or_(in_team, in_role))
        .order_by(chosen.c.scan_id)
    )
    placements: dict[int, Counted] = {}
    rows = session.connection().execute(statement).all()
    for (
        scan_id,
        team_id,
        organisation,
        wave,
        role,
        liked,
        team,
        role_,
        model,
        dimension,
        score,
    ) in rows:
        placement = placements.get(scan_id)
        if placement is None:
            placement = Counted(
                int(team_id),
                int(organisation),
                int(wave),
                role,
                {},
                bool(team),
                bool(role_),
                preference=liked,
            )
            placements[scan_id] = placement
        placement.scores[(model, dimension)] = score
    return list(placements.values())


def add(session: Session, placements: Iterable[Counted]) -> None:
    """Adds finished placements to their team's and their role's tallies.

    Rows are summed per key and written team tallies first, each in key order: two
    transactions then never wait for each other in a circle (no deadlock on PostgreSQL).
    """
    team_rows: Rows = {}
    role_rows: Rows = {}
    for placement in placements:
        for (model, dimension), score in placement.scores.items():
            counts = {
                "people": 1,
                "known": 1 if score is not None else 0,
                "total": score if score is not None else 0.0,
            }
            measure = {"wave": placement.wave, "model": model, "dimension": dimension}
            if placement.in_team:
                team_key = {"team_id": placement.team_id, **measure}
                _sum_into(team_rows, TeamTally, team_key, counts)
            if placement.in_role:
                role_key = {
                    "organisation_id": placement.organisation_id,
                    "role": placement.role,
                    **measure,
                }
                _sum_into(role_rows, RoleTally, role_key, counts)
    _write(session, TeamTally, team_rows)
    _write(session, RoleTally, role_rows)


def _write(session: Session, table: type[TeamTally] | type[RoleTally], rows: Rows) -> None:
    """Adds the summed rows to the table in key order (the order every transaction locks in)."""
    changed = [
        rows[key]
        for key in sorted(rows)
        if rows[key]["people"] or rows[key]["known"] or abs(rows[key]["total"]) > _NOTHING
    ]
    if changed:
        add_to_existing(session, table, changed)


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


def rebuild(session: Session) -> None:
    """Recounts every closed team round from the stored results, in the order they closed.

    For a migration and to check the sums: a person who deleted their data after a round
    closed is missing from the recount, though the frozen sums keep them.
    """
    session.exec(delete(TeamTally))
    session.exec(delete(RoleTally))
    rounds = session.connection().execute(
        select(_rounds.c.team_id, _rounds.c.wave, _teams.c.organisation_id, _rounds.c.closed_at)
        .join(_teams, _teams.c.id == _rounds.c.team_id)
        .order_by(_rounds.c.closed_at, _rounds.c.team_id)
    )
    for team_id, wave, organisation_id, closed_at in rounds.all():
        add(session, counted(session, closed_round(team_id, wave, organisation_id, closed_at)))
