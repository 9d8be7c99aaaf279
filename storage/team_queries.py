"""Team queries: codes, membership and the team's figures, computed in SQL.

Keyword-only and taking the session, like storage.queries. Figures come back only as
counts and averages over finished scans; callers decide whether a group is big enough.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from storage import tallies
from storage.models import (
    CodeAttempt,
    HrGrant,
    Organisation,
    OrganisationLead,
    Respondent,
    ResultScore,
    Scan,
    Team,
    as_utc,
    utcnow,
)

# 72 bits from the OS's random source, URL-safe, fits a deep link (1-64 of A-Z a-z 0-9 _ -).
CODE_BYTES = 9


def new_team_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def create_team(session: Session, *, name: str, lead: str) -> Team:
    """A new team, in the organisation whose lead link the lead opened (if any)."""
    membership = session.get(OrganisationLead, lead)
    organisation_id = membership.organisation_id if membership else None
    team = Team(code=new_team_code(), name=name, lead=lead, organisation_id=organisation_id)
    session.add(team)
    session.flush()
    return team


def create_hr_invite(session: Session) -> HrGrant:
    invite = HrGrant(code=new_team_code())
    session.add(invite)
    session.flush()
    return invite


def use_hr_invite(session: Session, *, code: str, pseudonym: str, since: datetime) -> bool:
    """Grants HR access to the opener of an unused invite made after `since`."""
    invite = session.get(HrGrant, code)
    if invite is None or invite.pseudonym is not None or as_utc(invite.created_at) < since:
        return False
    invite.pseudonym, invite.used_at = pseudonym, utcnow()
    session.add(invite)
    return True


def has_hr_grant(session: Session, *, pseudonym: str) -> bool:
    return session.exec(select(HrGrant).where(HrGrant.pseudonym == pseudonym)).first() is not None


def revoke_hr_grants(session: Session) -> int:
    """Takes back every HR access handed out by link, and every unused invite."""
    revoked = session.exec(select(HrGrant)).all()
    for grant in revoked:
        session.delete(grant)
    return sum(1 for grant in revoked if grant.pseudonym is not None)


def forget_unused_hr_invites(session: Session, *, before: datetime) -> None:
    session.exec(
        delete(HrGrant).where(col(HrGrant.pseudonym).is_(None), col(HrGrant.created_at) < before)
    )


def led_by(session: Session, *, pseudonym: str) -> tuple[list[Team], Organisation | None, bool]:
    """What the person is as a lead or HR: their teams, their organisation, HR access by link."""
    membership = session.get(OrganisationLead, pseudonym)
    organisation = session.get(Organisation, membership.organisation_id) if membership else None
    return (
        teams_led_by(session, lead=pseudonym),
        organisation,
        has_hr_grant(session, pseudonym=pseudonym),
    )


def organisation_named(session: Session, *, name: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.name == name)).first()


def create_organisation(session: Session, *, name: str) -> Organisation:
    organisation = Organisation(code=new_team_code(), name=name)
    session.add(organisation)
    session.flush()
    return organisation


def organisation_by_code(session: Session, *, code: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.code == code)).first()


def join_organisation(session: Session, *, pseudonym: str, organisation: Organisation) -> None:
    """Makes the person a lead in the organisation; their teams without one move along."""
    membership = session.get(OrganisationLead, pseudonym)
    if membership is None:
        membership = OrganisationLead(pseudonym=pseudonym, organisation_id=organisation.id or 0)
    membership.organisation_id = organisation.id or 0
    session.add(membership)
    for team in teams_led_by(session, lead=pseudonym):
        if team.organisation_id is None:
            tallies.move_team(session, team=team, organisation_id=organisation.id or 0)
            team.organisation_id = organisation.id
            session.add(team)


def team_by_code(session: Session, *, code: str) -> Team | None:
    return session.exec(select(Team).where(Team.code == code)).first()


def teams_led_by(session: Session, *, lead: str) -> list[Team]:
    return list(session.exec(select(Team).where(Team.lead == lead).order_by(col(Team.id))))


def record_wrong_code(session: Session, *, pseudonym: str) -> None:
    session.add(CodeAttempt(pseudonym=pseudonym))


def wrong_codes_since(session: Session, *, pseudonym: str, since: datetime) -> int:
    statement = select(func.count()).where(
        CodeAttempt.pseudonym == pseudonym, col(CodeAttempt.tried_at) >= since
    )
    return int(session.exec(statement).one())


def forget_wrong_codes(session: Session, *, before: datetime) -> None:
    session.exec(delete(CodeAttempt).where(col(CodeAttempt.tried_at) < before))


@dataclass
class TeamFigures:
    """What a team's finished scans add up to; no row in it belongs to one person."""

    finished: int
    # (model, dimension) -> score -> number of people; None counts 'unknown'.
    distributions: dict[tuple[str, str], dict[float | None, int]] = field(default_factory=dict)
    # (model, dimension) -> mean over the people with a known score, and how many they are.
    means: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)


def own_phase(session: Session, *, pseudonym: str, layer: str) -> float | None:
    """The phase a person gave their own layer in their latest finished scan."""
    statement = (
        select(ResultScore.score)
        .join(Scan, col(Scan.id) == ResultScore.scan_id)
        .join(Respondent, col(Respondent.id) == Scan.respondent_id)
        .where(
            Respondent.pseudonym == pseudonym,
            col(Scan.finished_at).is_not(None),
            ResultScore.model == "groeimodel",
            ResultScore.dimension == layer,
        )
        .order_by(col(Scan.finished_at).desc())
    )
    return session.exec(statement).first()


def finished_in_team(session: Session, *, team_id: int, wave: int) -> int:
    statement = select(func.count()).where(
        Scan.team_id == team_id, Scan.wave == wave, col(Scan.finished_at).is_not(None)
    )
    return int(session.exec(statement).one())


def team_figures(session: Session, *, team_id: int, wave: int) -> TeamFigures:
    """Counts per score and means per dimension over the team's finished scans of one wave."""
    finished = finished_in_team(session, team_id=team_id, wave=wave)
    in_team = (
        select(Scan.id)
        .where(Scan.team_id == team_id, Scan.wave == wave, col(Scan.finished_at).is_not(None))
        .scalar_subquery()
    )
    rows = session.exec(
        select(ResultScore.model, ResultScore.dimension, ResultScore.score, func.count())
        .where(col(ResultScore.scan_id).in_(in_team))
        .group_by(ResultScore.model, ResultScore.dimension, col(ResultScore.score))
    ).all()
    figures = TeamFigures(finished=finished)
    totals: dict[tuple[str, str], tuple[float, int]] = {}
    for model, dimension, score, count in rows:
        key = (model, dimension)
        figures.distributions.setdefault(key, {})[score] = count
        if score is not None:
            total, n = totals.get(key, (0.0, 0))
            totals[key] = (total + score * count, n + count)
    figures.means = {key: (total / n, n) for key, (total, n) in totals.items() if n}
    return figures
