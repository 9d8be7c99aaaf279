"""Team queries: codes, membership and the team's figures, computed in SQL.

Keyword-only and taking the session, like storage.queries. Figures come back only as
counts and averages over finished scans; callers decide whether a group is big enough.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, delete, select

from storage import rounds, tallies
from storage.models import (
    CodeAttempt,
    HrGrant,
    Organisation,
    OrganisationLead,
    Respondent,
    Result,
    ResultScore,
    Scan,
    Team,
    TeamRound,
    as_utc,
    utcnow,
)
from storage.names import MAX_NAME, clean_name

# 72 bits from the OS's random source, URL-safe, fits a deep link (1-64 of A-Z a-z 0-9 _ -).
CODE_BYTES = 9


def new_team_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def create_team(session: Session, *, name: str, lead: str, round_ends_at: datetime) -> Team:
    """A new team, in the organisation whose lead link the lead opened (if any).

    Its first round is the organisation's open round, and closes by itself at that round's
    planned end, else at `round_ends_at`.
    """
    membership = session.get(OrganisationLead, lead)
    organisation_id = membership.organisation_id if membership else None
    team = Team(
        code=new_team_code(),
        name=name,
        lead=lead,
        organisation_id=organisation_id,
        wave=rounds.open_round_for(session, organisation_id=organisation_id),
        # A planned organisation round sets the end for every team in it.
        round_ends_at=rounds.planned_end(session, organisation_id=organisation_id) or round_ends_at,
    )
    session.add(team)
    session.flush()
    return team


def folded(name: str) -> str:
    """A team name as names are compared: cleaned, case ignored (two names are one if equal)."""
    return clean_name(name).casefold()


def _names_in_scope(
    session: Session, *, organisation_id: int | None, lead: str
) -> list[tuple[int, str]]:
    """(id, name) of the teams a new name must differ from.

    Those are the organisation's teams, or outside any organisation the lead's own. Names
    are compared in Python (see `folded`): SQLite's lower() knows only ASCII letters.
    """
    statement = select(Team.id, Team.name).order_by(col(Team.id))
    if organisation_id is None:
        statement = statement.where(col(Team.lead) == lead, col(Team.organisation_id).is_(None))
    else:
        # The organisation's row is locked (PostgreSQL; SQLite writes one at a time anyway),
        # so two leads naming a team at once are checked one after the other.
        lock = select(Organisation.id).where(col(Organisation.id) == organisation_id)
        session.exec(lock.with_for_update()).first()
        statement = statement.where(col(Team.organisation_id) == organisation_id)
    return [(team_id or 0, name) for team_id, name in session.exec(statement)]


def _lead_scope(session: Session, lead: str) -> int | None:
    """The organisation the lead's new teams go into (see create_team), if any."""
    membership = session.get(OrganisationLead, lead)
    return membership.organisation_id if membership else None


def team_named(session: Session, *, name: str, lead: str) -> Team | None:
    """The team a new team of this lead by this name would be mistaken for, if there is one.

    A team name is unique within its organisation; a lead outside any organisation keeps
    their own teams' names apart.
    """
    in_scope = _names_in_scope(session, organisation_id=_lead_scope(session, lead), lead=lead)
    wanted = folded(name)
    found = next((team_id for team_id, other in in_scope if folded(other) == wanted), None)
    return session.get(Team, found) if found is not None else None


def free_name(name: str, taken: set[str]) -> str:
    """`name`, or else `name (2)`, `name (3)`, ...: the first not in `taken` (folded names)."""
    candidate, n = name, 1
    while folded(candidate) in taken:
        n += 1
        suffix = f" ({n})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    return candidate


def create_hr_invite(session: Session, *, organisation_id: int) -> HrGrant:
    """A one-time HR link for one organisation: its opener sees that organisation only."""
    invite = HrGrant(code=new_team_code(), organisation_id=organisation_id)
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


def granted_organisations(session: Session, *, pseudonym: str) -> list[int]:
    """The organisations HR links opened by this person were made for."""
    statement = select(HrGrant.organisation_id).where(
        HrGrant.pseudonym == pseudonym, col(HrGrant.organisation_id).is_not(None)
    )
    return sorted({o for o in session.exec(statement) if o is not None})


def organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(col(Organisation.name))))


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


def join_organisation(
    session: Session,
    *,
    pseudonym: str,
    organisation: Organisation,
    now: datetime,
    round_length: timedelta,
) -> list[tuple[str, Team]]:
    """Makes the person a lead in the organisation; their teams without one move along.

    A moving team's open round closes first (it belongs to the time before the move) when
    anyone finished in it, and the team goes on in the organisation's open round. A moving
    team whose name the organisation already has gets a number after it, as names are
    unique within an organisation: those come back as (old name, team).
    """
    membership = session.get(OrganisationLead, pseudonym)
    if membership is None:
        membership = OrganisationLead(pseudonym=pseudonym, organisation_id=organisation.id or 0)
    membership.organisation_id = organisation.id or 0
    session.add(membership)
    moving = [t for t in teams_led_by(session, lead=pseudonym) if t.organisation_id is None]
    if not moving:
        return []
    in_scope = _names_in_scope(session, organisation_id=organisation.id, lead=pseudonym)
    taken = {folded(name) for _, name in in_scope}
    renamed: list[tuple[str, Team]] = []
    for team in moving:
        locked = rounds.lock_team(session, team_id=team.id or 0)
        assert locked is team, "the session hands back the team it already holds"
        if finished_in_team(session, team_id=team.id or 0, wave=team.wave):
            rounds.close_team_round(session, team=team, round_length=round_length, now=now)
        team.organisation_id = organisation.id
        team.wave = max(team.wave, organisation.wave)
        name = free_name(team.name, taken)
        if name != team.name:
            renamed.append((team.name, team))
            team.name = name
        taken.add(folded(name))
        session.add(team)
    return renamed


def team_by_code(session: Session, *, code: str) -> Team | None:
    return session.exec(select(Team).where(Team.code == code)).first()


def teams_led_by(session: Session, *, lead: str) -> list[Team]:
    """The lead's teams that were not ended."""
    statement = select(Team).where(Team.lead == lead, col(Team.closed_at).is_(None))
    return list(session.exec(statement.order_by(col(Team.id))))


def rename_team(session: Session, *, team: Team, name: str) -> None:
    """Gives the team a new name; the caller checked it is free (team_named)."""
    team.name = name
    session.add(team)
    session.flush()


def offer_team(session: Session, *, team: Team) -> str:
    """A new one-time hand-over code for the team (an earlier one stops working)."""
    team.handover_code = new_team_code()
    session.add(team)
    session.flush()
    return team.handover_code


def take_over_team(session: Session, *, code: str, lead: str) -> Team | None:
    """Makes `lead` the lead of the team offered by `code`, once; None if no such offer.

    The old lead loses the team with it: who may see a team is its lead, checked each time.
    """
    statement = select(Team).where(Team.handover_code == code, col(Team.closed_at).is_(None))
    team = session.exec(statement).first()
    if team is None:
        return None
    team.lead, team.handover_code = lead, None
    session.add(team)
    session.flush()
    return team


def end_team(session: Session, *, team: Team, now: datetime, round_length: timedelta) -> None:
    """Ends a team for good: its link stops counting, its closed rounds stay for HR.

    The open round closes first when anyone finished in it, like any round, so what they
    gave is counted (and shown only where the group is big enough). `team` must be locked.
    """
    team.closed_at, team.handover_code = now, None
    if finished_in_team(session, team_id=team.id or 0, wave=team.wave):
        rounds.close_team_round(session, team=team, round_length=round_length, now=now)
    team.round_ends_at = None
    session.add(team)
    session.flush()


def record_wrong_code(session: Session, *, guesser: str) -> None:
    """Notes a code that matched nothing, tried by `guesser`.

    `guesser` is a keyed hash of its own (People.code_guesser_of), never the person's
    pseudonym: without the key these rows cannot be joined to the respondents. The column
    kept its old name, `pseudonym`.
    """
    session.add(CodeAttempt(pseudonym=guesser))


def wrong_codes_since(session: Session, *, guesser: str, since: datetime) -> int:
    statement = select(func.count()).where(
        CodeAttempt.pseudonym == guesser, col(CodeAttempt.tried_at) >= since
    )
    return int(session.exec(statement).one())


def forget_wrong_codes(session: Session, *, before: datetime) -> None:
    session.exec(delete(CodeAttempt).where(col(CodeAttempt.tried_at) < before))


@dataclass
class TeamFigures:
    """What a closed team round's people added up to; no row in it belongs to one person."""

    finished: int
    # (model, dimension) -> score -> number of people; None counts 'unknown'.
    distributions: dict[tuple[str, str], dict[float | None, int]] = field(default_factory=dict)
    # (model, dimension) -> mean over the people with a known score, and how many they are.
    means: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    @classmethod
    def of_round(cls, closed: TeamRound) -> TeamFigures:
        """The figures kept when the round closed (storage.rounds)."""
        figures = cls(finished=closed.people)
        totals: dict[tuple[str, str], tuple[float, int]] = {}
        for model, dimension, score, count in closed.counts or []:
            key = (model, dimension)
            figures.distributions.setdefault(key, {})[score] = count
            if score is not None:
                total, n = totals.get(key, (0.0, 0))
                totals[key] = (total + score * count, n + count)
        figures.means = {key: (total / n, n) for key, (total, n) in totals.items() if n}
        return figures

    def mean(self, model: str, dimension: str) -> float | None:
        return self.means.get((model, dimension), (None, 0))[0]


def own_phase(session: Session, *, pseudonym: str, layer: str, role: str) -> float | None:
    """The phase a person gave `layer` in their latest finished scan taken in `role`.

    In that role the layer is their own (a lead rating themselves as lead, on the same item
    their team rates them on); in another role it would be how they see someone else.
    """
    statement = (
        select(ResultScore.score)
        .join(Scan, col(Scan.id) == ResultScore.scan_id)
        .join(Respondent, col(Respondent.id) == Scan.respondent_id)
        .join(Result, col(Result.scan_id) == Scan.id)
        .where(
            Respondent.pseudonym == pseudonym,
            col(Scan.finished_at).is_not(None),
            Result.role == role,
            ResultScore.model == "groeimodel",
            ResultScore.dimension == layer,
        )
        .order_by(col(Scan.finished_at).desc())
    )
    return session.exec(statement).first()


def _in_team(team_id: int, wave: int) -> tuple[ColumnElement[bool], ...]:
    return col(Scan.team_id) == team_id, col(Scan.wave) == wave


def finished_in_team(session: Session, *, team_id: int, wave: int) -> int:
    """How many people finished in the team's round so far: each once, the lead not at all."""
    counted = tallies.counted_in_teams(*_in_team(team_id, wave)).subquery()
    return int(session.exec(select(func.count()).select_from(counted)).one())
