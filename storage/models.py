"""All database tables. Respondents are pseudonymous: no Telegram id or name is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Table, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The table behind a table model (SQLAlchemy sets `__table__`; SQLModel's types lack it)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class AppSecret(SQLModel, table=True):
    """Secrets generated once and kept with the data, such as the pseudonym key."""

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class Respondent(SQLModel, table=True):
    """A person, known only by a keyed hash of their channel identity."""

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(unique=True, index=True, max_length=64)
    language: str | None = Field(default=None, max_length=8)  # chosen with /taal; else Telegram's
    created_at: datetime = Field(default_factory=utcnow)


class Organisation(SQLModel, table=True):
    """An organisation an admin set up; leads who open its link make their teams in it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)  # unguessable, in the lead link
    name: str = Field(unique=True, max_length=64)
    # The open organisation round: HR sees the rounds before it, each frozen when it closed.
    wave: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class OrganisationLead(SQLModel, table=True):
    """A team lead (by pseudonym) who joined an organisation through its lead link."""

    pseudonym: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    joined_at: datetime = Field(default_factory=utcnow)


class HrGrant(SQLModel, table=True):
    """HR access an admin handed out as a one-time link; its opener (by pseudonym) gets it."""

    code: str = Field(primary_key=True, max_length=32)  # unguessable, in the link
    pseudonym: str | None = Field(default=None, index=True, max_length=64)  # None: not used yet
    # The organisation the access is for: HR sees that organisation's figures and no other's.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class Team(SQLModel, table=True):
    """A team a lead shares the scan with; people who start through its code count in it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)  # unguessable, in the deep link
    name: str = Field(max_length=64)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    lead: str = Field(index=True, max_length=64)  # the lead's pseudonym, never their id
    wave: int = 1  # the open round; the rounds before it are closed and frozen (TeamRound)
    round_ends_at: datetime | None = None  # the open round closes by itself then
    created_at: datetime = Field(default_factory=utcnow)
    # Ended by its lead: the link says so, the closed rounds stay for HR (migration 0006).
    closed_at: datetime | None = None
    # A one-time link for another lead to take the team over; gone once used.
    handover_code: str | None = Field(default=None, unique=True, index=True, max_length=32)


class TeamRound(SQLModel, table=True):
    """A team's closed round: what its people's answers added up to when it closed.

    Frozen: people who finish later count in the next round, and a person who deletes their
    data later is still in these sums (their own answers are gone). `counts` holds, per
    measure and score, how many people gave it; it is only kept for a round big enough to be
    shown (`people` of at least the minimum group size at closing).
    """

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    wave: int = Field(primary_key=True)
    # The organisation the team was in when the round closed: its figures belong there for
    # good, even if the team moves (a round closed outside an organisation stays outside).
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    closed_at: datetime = Field(default_factory=utcnow)
    people: int = 0
    counts: list[Any] | None = Field(default=None, sa_column=Column(JSON))  # [model, dim, score, n]
    # How many of its people answered from each role: HR's suppression needs the crossings.
    roles: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))


class CodeAttempt(SQLModel, table=True):
    """A team code that matched no team, kept briefly so guessing codes can be slowed down."""

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(index=True, max_length=64)
    tried_at: datetime = Field(default_factory=utcnow, index=True)


class Scan(SQLModel, table=True):
    """One run through the questionnaire, with its current position."""

    id: int | None = Field(default=None, primary_key=True)
    # Emptied after the retention period: the result stays for the aggregates, the person goes.
    respondent_id: int | None = Field(default=None, foreign_key="respondent.id", index=True)
    state: str = Field(max_length=32)
    resume_at: str | None = Field(default=None, max_length=32)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    wave: int | None = None
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None


class Answer(SQLModel, table=True):
    """One answer: one row per question, so changes are plain updates and sums plain SQL."""

    __table_args__ = (UniqueConstraint("scan_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", index=True)
    question_id: str = Field(max_length=32)
    value: str = Field(max_length=32)
    score: int | None = None
    answered_at: datetime = Field(default_factory=utcnow)


class Result(SQLModel, table=True):
    """The placement of a finished scan."""

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", unique=True)
    role: str | None = Field(default=None, max_length=32)  # the answer to the role question
    strongest: str | None = Field(default=None, max_length=32)
    weakest: str | None = Field(default=None, max_length=32)
    resilience: int | None = None
    preference: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class ResultScore(SQLModel, table=True):
    """One score of a placement (a phase per layer, a factor mean), one row each for easy sums."""

    __table_args__ = (UniqueConstraint("scan_id", "model", "dimension"),)

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", index=True)
    model: str = Field(max_length=32)
    dimension: str = Field(max_length=32)
    score: float | None = None


class TeamTally(SQLModel, table=True):
    """Sums of one measure over the people of a team's closed round, written when it closed.

    Never changed after: later finishes count in the next round, deletions leave it as it was.
    """

    team_id: int = Field(primary_key=True)
    wave: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=32)
    dimension: str = Field(primary_key=True, max_length=32)
    people: int = 0
    known: int = 0  # of them, how many gave a usable answer
    total: float = 0.0  # the sum of the usable answers' scores


class RoleTally(SQLModel, table=True):
    """Sums of one measure over a role's people in closed team rounds of an organisation.

    Organisation 0: teams outside any organisation. Written as each team round closes.
    """

    organisation_id: int = Field(primary_key=True)
    role: str = Field(primary_key=True, max_length=32)
    wave: int = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=32)
    dimension: str = Field(primary_key=True, max_length=32)
    people: int = 0
    known: int = 0
    total: float = 0.0


class ProcessedUpdate(SQLModel, table=True):
    """An update already handled, kept two days so Telegram's repeats are ignored."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class Reminder(SQLModel, table=True):
    """A reminder a person asked for when pausing: the one place a chat address is kept.

    Telegram needs the chat's id to send it, so it is kept here only, and only until the
    reminder went out, the person carried on, or they deleted their data.
    """

    respondent_id: int = Field(foreign_key="respondent.id", primary_key=True)
    address: str = Field(max_length=32)  # the chat id in the channel that offered the reminder
    due_at: datetime = Field(index=True)
    # Set when a sender took it: the moment it goes out, spaced to keep the overall pace.
    send_at: datetime | None = Field(default=None, index=True)


class WebSession(SQLModel, table=True):
    """A web session's resume code: only a keyed hash of the code is kept.

    The session id travels sealed with a key derived from the code and the server's key, so
    the code opens the same (pseudonymous) person on another device, and nothing else does.
    """

    code_hash: str = Field(primary_key=True, max_length=64)
    sealed: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
