"""Team actions: chosen step by step (what, who, when), listed, and taken once when due.

Keyword-only and taking the session, like storage.queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, or_, select, update

from storage.locks import one_at_a_time
from storage.models import LeadContact, Respondent, Team, TeamAction

# Any fixed number: PostgreSQL's advisory lock that lets one worker take due actions at a time.
TAKE_LOCK = 720_462
BUSY, DONE, FAILED, REPLACED = "busy", "done", "failed", "replaced"
OUTCOMES = (DONE, BUSY, FAILED)


@dataclass(frozen=True)
class DueAction:
    """An action whose date came: the lead to remind, where, and in which language."""

    action: TeamAction
    team_code: str
    team_name: str
    address: str
    language: str | None


def start_action(
    session: Session, *, team_id: int, wave: int, what_key: str | None, what_text: str | None
) -> TeamAction:
    """A new action with its 'what'; an earlier one left half-chosen is dropped."""
    drop_unfinished(session, team_id=team_id)
    action = TeamAction(team_id=team_id, wave=wave, what_key=what_key, what_text=what_text)
    session.add(action)
    session.flush()
    return action


def drop_unfinished(session: Session, *, team_id: int) -> None:
    session.exec(
        delete(TeamAction).where(
            col(TeamAction.team_id) == team_id, col(TeamAction.due_at).is_(None)
        )
    )


def team_action(session: Session, *, team_id: int, action_id: int) -> TeamAction | None:
    """The action, if it is this team's: an id from a button is checked against the team."""
    action = session.get(TeamAction, action_id)
    return action if action is not None and action.team_id == team_id else None


def round_actions(session: Session, *, team_id: int, wave: int) -> list[TeamAction]:
    """The round's recorded actions, not replaced ones, oldest first."""
    statement = select(TeamAction).where(
        TeamAction.team_id == team_id,
        TeamAction.wave == wave,
        col(TeamAction.due_at).is_not(None),
        or_(col(TeamAction.outcome).is_(None), col(TeamAction.outcome) != REPLACED),
    )
    return list(session.exec(statement.order_by(col(TeamAction.id))))


def open_actions(session: Session, *, team_id: int, wave: int) -> list[TeamAction]:
    """The round's recorded actions still open: no outcome yet, or busy."""
    return [
        a for a in round_actions(session, team_id=team_id, wave=wave) if a.outcome in (None, BUSY)
    ]


def take_due_actions(session: Session, *, now: datetime) -> list[DueAction]:
    """Takes every open action whose date came, once: marked reminded before it is handed out.

    One worker at a time (an advisory lock on PostgreSQL, the write lock on SQLite), so two
    workers never remind twice. An action of an ended team, or of a lead who left no address,
    is marked too and handed to no one.
    """
    one_at_a_time(session.connection(), TAKE_LOCK)
    due = session.exec(
        select(TeamAction, Team, LeadContact.address, Respondent.language)
        .join(Team, col(Team.id) == TeamAction.team_id)
        .outerjoin(LeadContact, col(LeadContact.pseudonym) == Team.lead)
        .outerjoin(Respondent, col(Respondent.pseudonym) == Team.lead)
        .where(
            col(TeamAction.due_at) <= now,
            col(TeamAction.reminded_at).is_(None),
            or_(col(TeamAction.outcome).is_(None), col(TeamAction.outcome) == BUSY),
        )
        .order_by(col(TeamAction.due_at), col(TeamAction.id))
    ).all()
    if not due:
        return []
    ids = [action.id for action, *_ in due]
    session.exec(update(TeamAction).where(col(TeamAction.id).in_(ids)).values(reminded_at=now))
    return [
        DueAction(action, team.code, team.name, address, language)
        for action, team, address, language in due
        if address is not None and team.closed_at is None
    ]
