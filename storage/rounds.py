"""Closing rounds: a team's round, or an organisation's round with every team in it.

Figures are only ever published for a closed round, and a closed round is frozen: the
moment it closes its people are counted into the tallies and its score counts are kept in a
TeamRound row (shown only when the round is big enough). Whoever finishes later counts in the
next round; whoever deletes their data later is still in these sums (their own answers are
gone). So no two looks at a round, at any two moments, differ by one person.

Keyword-only and taking the session, like storage.queries.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select, update

from storage import tallies
from storage.models import (
    Organisation,
    OrganisationRound,
    Scan,
    Team,
    TeamRound,
    as_utc,
    utcnow,
)


def lock_team(session: Session, *, team_id: int) -> Team | None:
    """The team, locked for a change to its round (PostgreSQL; SQLite writes one at a time)."""
    return session.exec(select(Team).where(col(Team.id) == team_id).with_for_update()).first()


def lock_organisation(session: Session, *, organisation_id: int) -> Organisation | None:
    """The organisation, locked for a change to its round (as lock_team)."""
    statement = select(Organisation).where(col(Organisation.id) == organisation_id)
    return session.exec(statement.with_for_update()).first()


def count_round(session: Session, *, team: Team, wave: int, now: datetime) -> TeamRound:
    """Counts a team round's people once into the tallies and keeps its score counts."""
    placements = tallies.counted(
        session, tallies.closed_round(team.id or 0, wave, team.organisation_id)
    )
    tallies.add(session, placements)
    members = [p for p in placements if p.in_team]
    closed = TeamRound(
        team_id=team.id or 0,
        wave=wave,
        organisation_id=team.organisation_id,
        closed_at=now,
        people=len(members),
        counts=_score_counts(members),
        roles=dict(Counter(member.role for member in members)),
        preferences=dict(Counter(m.preference for m in members if m.preference)),
    )
    session.add(closed)
    return closed


def close_team_round(
    session: Session, *, team: Team, round_length: timedelta, now: datetime
) -> TeamRound:
    """Closes the team's open round and opens the next; `team` must be locked (lock_team)."""
    closed = count_round(session, team=team, wave=team.wave, now=now)
    team.wave += 1
    # An ended team's next round never opens for anyone, so it has no end date either.
    team.round_ends_at = None if team.closed_at is not None else now + round_length
    session.add(team)
    session.flush()
    return closed


def _score_counts(members: list[tallies.Counted]) -> list[Any]:
    """[model, dimension, score, people] per score given; score None counts 'unknown'."""
    counter: Counter[tuple[str, str, float | None]] = Counter()
    for member in members:
        for (model, dimension), score in member.scores.items():
            counter[(model, dimension, score)] += 1
    return [[m, d, s, n] for (m, d, s), n in sorted(counter.items(), key=_count_order)]


def _count_order(item: tuple[tuple[str, str, float | None], int]) -> tuple[str, str, float]:
    (model, dimension, score), _ = item
    return model, dimension, -1.0 if score is None else score


def closed_rounds(session: Session, *, team_id: int) -> list[TeamRound]:
    """The team's closed rounds, newest first."""
    statement = select(TeamRound).where(TeamRound.team_id == team_id)
    return list(session.exec(statement.order_by(col(TeamRound.wave).desc())))


def close_team_if_due(
    session: Session, *, team_id: int, round_length: timedelta, now: datetime
) -> TeamRound | None:
    """Closes the team's open round if its end date came; None if another worker was first."""
    team = lock_team(session, team_id=team_id)
    if team is None or team.round_ends_at is None or as_utc(team.round_ends_at) > now:
        return None
    return close_team_round(session, team=team, round_length=round_length, now=now)


def close_organisation_if_due(
    session: Session, *, organisation_id: int, round_length: timedelta, now: datetime
) -> list[TeamRound]:
    """Closes the organisation's planned round if its end came (see close_organisation_round);
    nothing if another worker was first."""
    organisation = lock_organisation(session, organisation_id=organisation_id)
    if organisation is None:
        return []
    planned = planned_round(session, organisation_id=organisation_id, wave=organisation.wave)
    if planned is None or planned.closed_at or as_utc(planned.ends_at) > now:
        return []
    return close_organisation_round(
        session, organisation=organisation, round_length=round_length, now=now
    )


def due_teams(session: Session, *, now: datetime) -> list[int]:
    """Ids of the teams whose open round has reached its end date."""
    statement = select(Team.id).where(
        col(Team.round_ends_at).is_not(None), col(Team.round_ends_at) <= now
    )
    return [team_id for team_id in session.exec(statement.order_by(col(Team.id))) if team_id]


def close_organisation_round(
    session: Session,
    *,
    organisation: Organisation,
    round_length: timedelta,
    now: datetime,
) -> list[TeamRound]:
    """Closes the organisation's open round and, with it, every team round of that number.

    Returns the team rounds it closed. Afterwards HR sees the round, frozen, and no team
    of the organisation can add to it any more: their open rounds are past it.
    """
    lock_organisation(session, organisation_id=organisation.id or 0)
    wave = organisation.wave
    statement = select(Team.id).where(
        col(Team.organisation_id) == organisation.id, col(Team.wave) <= wave
    )
    closed: list[TeamRound] = []
    for team_id in session.exec(statement.order_by(col(Team.id))).all():
        team = lock_team(session, team_id=team_id or 0)
        if team is None or team.wave > wave:
            continue
        if team.wave == wave:
            closed.append(close_team_round(session, team=team, round_length=round_length, now=now))
        team.wave = wave + 1  # a team behind the organisation (made before it) catches up
        session.add(team)
    planned = session.get(OrganisationRound, (organisation.id, wave))
    if planned is not None:
        planned.closed_at = now
        session.add(planned)
    organisation.wave = wave + 1
    session.add(organisation)
    session.flush()
    return closed


def plan_organisation_round(
    session: Session, *, organisation: Organisation, starts_at: datetime, ends_at: datetime
) -> OrganisationRound:
    """Gives the organisation's open round its dates; every open team round in it ends then.

    Planning again moves the dates. A team whose lead already closed their round is past it
    and keeps its own next round's end.
    """
    planned = session.get(OrganisationRound, (organisation.id, organisation.wave))
    if planned is None:
        planned = OrganisationRound(
            organisation_id=organisation.id or 0,
            wave=organisation.wave,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    planned.starts_at, planned.ends_at = starts_at, ends_at
    session.add(planned)
    teams = open_teams_in_round(
        session, organisation_id=organisation.id or 0, wave=organisation.wave
    )
    for team in teams:
        team.round_ends_at = ends_at
        session.add(team)
    session.flush()
    return planned


def open_teams_in_round(session: Session, *, organisation_id: int, wave: int) -> list[Team]:
    """The organisation's teams (not ended) whose open round is this organisation round."""
    statement = select(Team).where(
        col(Team.organisation_id) == organisation_id,
        col(Team.wave) == wave,
        col(Team.closed_at).is_(None),
    )
    return list(session.exec(statement.order_by(col(Team.id))))


def planned_round(session: Session, *, organisation_id: int, wave: int) -> OrganisationRound | None:
    """The dates of one organisation round, if they were planned."""
    return session.get(OrganisationRound, (organisation_id, wave))


def open_planned_rounds(session: Session) -> list[OrganisationRound]:
    """Planned rounds not closed yet (a handful: one per organisation at most)."""
    statement = select(OrganisationRound).where(col(OrganisationRound.closed_at).is_(None))
    return list(session.exec(statement.order_by(col(OrganisationRound.organisation_id))))


def take_halfway(session: Session, *, planned: OrganisationRound, now: datetime) -> bool:
    """Marks a planned round's halfway notice as sent; False if another worker was first."""
    taken = session.exec(
        update(OrganisationRound)
        .where(
            col(OrganisationRound.organisation_id) == planned.organisation_id,
            col(OrganisationRound.wave) == planned.wave,
            col(OrganisationRound.halfway_sent_at).is_(None),
        )
        .values(halfway_sent_at=now)
    )
    return bool(taken.rowcount)


def due_organisations(session: Session, *, now: datetime) -> list[int]:
    """Ids of the organisations whose planned open round has reached its end date."""
    return [
        planned.organisation_id
        for planned in open_planned_rounds(session)
        if as_utc(planned.ends_at) <= now
    ]


def halfway(planned: OrganisationRound) -> datetime:
    """The moment halfway between a round's start and end."""
    start = as_utc(planned.starts_at)
    return start + (as_utc(planned.ends_at) - start) / 2


def planned_end(session: Session, *, organisation_id: int | None) -> datetime | None:
    """When the organisation's open round ends, if HR or an admin planned it."""
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        return None
    planned = session.get(OrganisationRound, (organisation_id, organisation.wave))
    return as_utc(planned.ends_at) if planned is not None else None


def open_round_for(session: Session, *, organisation_id: int | None) -> int:
    """The round a team made now starts in: its organisation's open round (else the first)."""
    if organisation_id is None:
        return 1
    organisation = session.get(Organisation, organisation_id)
    return organisation.wave if organisation else 1


def count_old_rounds(session: Session) -> int:
    """Counts the rounds closed before rounds were kept, in the order they ended (a migration).

    A round was closed when its team's open round was past it; it ended at its last finish.
    """
    ended = func.max(Scan.finished_at)
    statement = (
        select(Scan.team_id, Scan.wave, ended)
        .join(Team, col(Team.id) == Scan.team_id)
        .where(col(Scan.wave) < Team.wave, col(Scan.finished_at).is_not(None))
        .group_by(col(Scan.team_id), col(Scan.wave))
        .order_by(ended, col(Scan.team_id))
    )
    old = session.exec(statement).all()
    for team_id, wave, finished in old:
        team = session.get(Team, team_id)
        if team is not None and wave is not None:
            count_round(session, team=team, wave=wave, now=finished or utcnow())
            session.flush()
    return len(old)
