"""All database tables. Respondents are pseudonymous: no Telegram id or name is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Table, UniqueConstraint
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


class OrganisationRound(SQLModel, table=True):
    """The dates HR or an admin planned for one organisation round (all its teams at once).

    Without a plan a round has no dates of its own: each team's round closes ROUND_DAYS after
    it opened. With one, every team's round in it closes at `ends_at`, and the leads hear
    halfway through.
    """

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    wave: int = Field(primary_key=True)
    starts_at: datetime
    ends_at: datetime = Field(index=True)
    halfway_sent_at: datetime | None = None  # the leads' reminder to share the link once more
    closed_at: datetime | None = None


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
    # How many of its people like to learn which way (migration 0008; older rounds: None).
    preferences: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))


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
    # A pulse (migration 0009): the closed round of `team_id` it follows; it has no Result,
    # so it counts in no round, only in its TeamPulse. None: a full scan.
    pulse_of: int | None = None


class TeamPulse(SQLModel, table=True):
    """A short pulse a lead sent the team 6-12 weeks after a closed round (the wave).

    `focus` holds what it asks: [topic, key, [items]] per measure. Like a round it is frozen
    when it closes: `counts` ([model, dimension, score, people]) is kept only when at least
    the minimum group size answered, and never changes after.
    """

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    wave: int = Field(primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)  # unguessable, in the pulse link
    focus: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    people: int = 0
    counts: list[Any] | None = Field(default=None, sa_column=Column(JSON))


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
    """A reminder a person asked for when pausing, with the chat address to send it to.

    Telegram needs the chat's id to send it. A respondent's address is kept here only, and
    only until the reminder went out, the person carried on, or they deleted their data. The
    one other address kept is a team lead's (LeadContact), for messages about their team.
    """

    respondent_id: int = Field(foreign_key="respondent.id", primary_key=True)
    address: str = Field(max_length=32)  # the chat id in the channel that offered the reminder
    due_at: datetime = Field(index=True)
    # Set when a sender took it: the moment it goes out, spaced to keep the overall pace.
    send_at: datetime | None = Field(default=None, index=True)


class LeadContact(SQLModel, table=True):
    """Where a team lead (by pseudonym) can be reached: for messages about their team only.

    Kept from the moment a lead makes or opens a team (the round's notices, the reminders of
    their actions), and deleted when they delete their data (/verwijder) or lead no open team
    any more.
    """

    pseudonym: str = Field(primary_key=True, max_length=64)
    address: str = Field(max_length=32)  # the chat id in the channel the lead used
    updated_at: datetime = Field(default_factory=utcnow)


class TeamAction(SQLModel, table=True):
    """An action a team chose after a closed round: what, who (a role, never a name), when.

    `what_key` names a suggestion of the round (an intervention or a kit question, in the
    locale); `what_text` is the lead's own words instead. A row without `due_at` is a choice
    still being made. `outcome`: None (open), busy, done, failed, or replaced.
    """

    __table_args__ = (Index("ix_teamaction_team_wave", "team_id", "wave"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    wave: int  # the closed round the action came from
    what_key: str | None = Field(default=None, max_length=64)
    what_text: str | None = Field(default=None, max_length=120)
    who: str | None = Field(default=None, max_length=16)
    due_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    reminded_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=16)


class WebSession(SQLModel, table=True):
    """A web session's resume code: only a keyed hash of the code is kept.

    The session id travels sealed with a key derived from the code and the server's key, so
    the code opens the same (pseudonymous) person on another device, and nothing else does.
    """

    code_hash: str = Field(primary_key=True, max_length=64)
    sealed: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
