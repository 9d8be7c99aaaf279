"""Running sums of every finished placement per team and per role, kept for the HR report.

Summing millions of score rows on every report is slow; these tallies hold, per group, wave and
measure, how many people there are, how many gave a usable answer and the sum of their scores.

People, not scans: a person counts once in a team and wave, with their latest finished scan
there, and a team lead's own scans never count in a team they lead. In the role tallies (and
so in everyone's total) a person counts once per organisation and wave, again with their latest
finished scan there, their own teams included. A scan whose person was unlinked after the
retention period is a person of its own. `ranked` says this in SQL, once, for everything that
counts: the tallies, the team's view (storage.team_queries) and `rebuild`.

The tallies change in the same transaction as what they sum: `recounting` takes out what a
change's people counted for and puts back what they count for after it, so a second finished
scan replaces the first one in the sums instead of adding to them. `rebuild` recomputes them
from the results themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    delete,
    func,
    insert,
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


@dataclass(frozen=True)
class Counted:
    """One finished placement as the tallies count it; sign -1 takes it out again.

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
    sign: int = 1


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


def counted_in_roles(*where: ColumnElement[bool]) -> Select[int]:
    """Ids of the finished scans that count in their role and in everyone's total."""
    scans = ranked(*where, teams=False)
    return select(scans.c.scan_id).where(_in_role(scans))


def of_person(respondent_id: int) -> ColumnElement[bool]:
    """Every scan of one person."""
    return _scans.c.respondent_id == respondent_id


def same_person_as(session: Session, scan_id: int) -> ColumnElement[bool]:
    """Every scan of the person whose scan this is (itself, if it has no person)."""
    owner = select(_scans.c.respondent_id).where(_scans.c.id == scan_id)
    respondent_id = session.connection().execute(owner).scalar()
    return _scans.c.id == scan_id if respondent_id is None else of_person(respondent_id)


def people_in_teams(team_ids: list[int]) -> ColumnElement[bool]:
    """Every scan of everyone with a scan in these teams (their unlinked scans included)."""
    member = _scans.alias("member")
    members = select(member.c.respondent_id).where(
        member.c.team_id.in_(team_ids), member.c.respondent_id.is_not(None)
    )
    unlinked = and_(_scans.c.respondent_id.is_(None), _scans.c.team_id.in_(team_ids))
    return or_(_scans.c.respondent_id.in_(members), unlinked)


def counted(session: Session, scans: ColumnElement[bool], *, sign: int = 1) -> list[Counted]:
    """What the chosen people's finished scans count for now (`scans` chooses whole people)."""
    chosen = ranked(scans)
    in_team, in_role = _in_team(chosen), _in_role(chosen)
    statement = (
        select(
            chosen.c.scan_id,
            chosen.c.team_id,
            chosen.c.organisation_id,
            chosen.c.wave,
            chosen.c.role,
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
    for scan_id, team_id, organisation, wave, role, team, role_, model, dimension, score in (
        session.connection().execute(statement).all()
    ):
        placement = placements.get(scan_id)
        if placement is None:
            placement = Counted(
                int(team_id), int(organisation), int(wave), role, {}, bool(team), bool(role_), sign
            )
            placements[scan_id] = placement
        placement.scores[(model, dimension)] = score
    return list(placements.values())


@contextmanager
def recounting(
    session: Session, scans: ColumnElement[bool], *, exclusive: bool = False
) -> Iterator[None]:
    """Keeps the tallies right through a change to whole people's finished scans or teams.

    What the chosen people (`scans` must keep or drop whole people) count for is taken out
    before the change and put back as they count after it, in one write: a new scan that
    replaces the person's earlier one in a team moves the sums by the difference. Their teams
    are locked first (shared; `exclusive` for a change to the teams themselves), so a change
    that moves a team between organisations and one that counts a scan in it take turns.
    """
    _lock_teams(session, scans, exclusive=exclusive)
    before = counted(session, scans, sign=-1)
    yield
    session.flush()
    add(session, [*before, *counted(session, scans)])


def move_team(session: Session, *, team: Team, organisation_id: int) -> None:
    """Moves a team to another organisation (it sets `team.organisation_id`), recounted.

    Everyone with a scan in the team is counted again in the role tallies: a person counts
    once per organisation and wave, so a scan that moves in may take another's place there.
    """
    with recounting(session, people_in_teams([team.id or 0]), exclusive=True):
        team.organisation_id = organisation_id if organisation_id != NO_ORGANISATION else None
        session.add(team)


def _lock_teams(session: Session, scans: ColumnElement[bool], *, exclusive: bool) -> None:
    """Locks the teams of the chosen scans in id order (SQLite: the write lock already does).

    Shared is FOR KEY SHARE: finishing scans in a team do not wait for each other, nor for a
    new round (a plain UPDATE); only moving a team (FOR UPDATE here first) waits for them.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return
    theirs = select(_scans.c.team_id).where(scans, _scans.c.team_id.is_not(None))
    statement = (
        select(_teams.c.id)
        .where(_teams.c.id.in_(theirs))
        .order_by(_teams.c.id)
        .with_for_update(read=not exclusive, key_share=not exclusive)
    )
    connection.execute(statement).all()


def add(session: Session, placements: Iterable[Counted]) -> None:
    """Adds finished placements to their team's and their role's tallies.

    Rows are summed per key and written team tallies first, each in key order: two
    transactions then never wait for each other in a circle (no deadlock on PostgreSQL).
    """
    team_rows: Rows = {}
    role_rows: Rows = {}
    for placement in placements:
        sign = placement.sign
        for (model, dimension), score in placement.scores.items():
            counts = {
                "people": sign,
                "known": sign if score is not None else 0,
                "total": sign * score if score is not None else 0.0,
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
    """Recomputes every tally from the stored results (after a migration, or to check them)."""
    session.exec(delete(TeamTally))
    session.exec(delete(RoleTally))
    scans = ranked(roles=False)
    team_keys = (scans.c.team_id, scans.c.wave)
    by_team = _sums(scans, *team_keys).where(_in_team(scans))
    session.exec(
        insert(TeamTally).from_select(
            ["team_id", "wave", "model", "dimension", "people", "known", "total"],
            by_team.group_by(*team_keys, _scores.c.model, _scores.c.dimension),
        )
    )
    scans = ranked(teams=False)
    role_keys = (scans.c.organisation_id, scans.c.role, scans.c.wave)
    by_role = _sums(scans, *role_keys).where(_in_role(scans))
    columns = ["organisation_id", "role", "wave", "model", "dimension", "people", "known", "total"]
    session.exec(
        insert(RoleTally).from_select(
            columns, by_role.group_by(*role_keys, _scores.c.model, _scores.c.dimension)
        )
    )


def _sums(scans: Subquery, *keys: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """Per-measure sums over the ranked scans, led by the grouping columns."""
    return select(
        *keys,
        _scores.c.model,
        _scores.c.dimension,
        func.count(_scores.c.id),
        func.count(_scores.c.score),
        func.coalesce(func.sum(_scores.c.score), literal_column("0.0")),
    ).select_from(scans.join(_scores, _scores.c.scan_id == scans.c.scan_id))
