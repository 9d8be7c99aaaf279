"""Reminder queries: asking for one, dropping it, and taking due ones at one overall pace.

Keyword-only and taking the session, like storage.queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func
from sqlmodel import Session, col, delete, select, update

from storage.inserts import upsert_rows
from storage.locks import one_at_a_time
from storage.models import Reminder, Respondent, Scan, as_utc

PAUSED = "paused"
# Any fixed number: PostgreSQL's advisory lock that lets one sender take reminders at a time.
TAKE_LOCK = 720_461
# Built once: a sender sets the moments of every reminder it takes in one executemany.
_SET_MOMENT = (
    update(Reminder)
    .where(col(Reminder.respondent_id) == bindparam("id"))
    .values(send_at=bindparam("moment"))
)


@dataclass(frozen=True)
class DueReminder:
    """A reminder a sender took: where it goes, in which language, and when to send it."""

    respondent_id: int
    address: str
    language: str | None
    send_at: datetime


def ask_reminder(session: Session, *, respondent_id: int, address: str, due_at: datetime) -> None:
    """Keeps one reminder per person: asking again moves it."""
    row = {"respondent_id": respondent_id, "address": address, "due_at": due_at, "send_at": None}
    upsert_rows(session, Reminder, [row], key=["respondent_id"])


def drop_reminder(session: Session, *, respondent_id: int) -> None:
    session.exec(delete(Reminder).where(col(Reminder.respondent_id) == respondent_id))


def reminder_due(session: Session, *, respondent_id: int) -> datetime | None:
    """When the person's reminder goes out, if they asked for one that has not gone yet."""
    due = session.exec(
        select(Reminder.due_at).where(
            Reminder.respondent_id == respondent_id, col(Reminder.send_at).is_(None)
        )
    ).first()
    return as_utc(due) if due else None


def take_due_reminders(
    session: Session, *, now: datetime, spacing: timedelta, horizon: timedelta
) -> list[DueReminder]:
    """Takes the due reminders of people still paused, each with its own moment to go out.

    The moments follow the last one any sender took, `spacing` apart, so senders in several
    processes keep one pace between them; only moments before `now + horizon` are handed out.
    A taken reminder is deleted once its moment is `horizon` past: sent, or lost in a crash
    (at most once: a reminder twice is worse than none).
    """
    one_at_a_time(session.connection(), TAKE_LOCK)
    session.exec(delete(Reminder).where(col(Reminder.send_at) < now - horizon))
    latest_scan = (
        select(func.max(Scan.id))
        .where(Scan.respondent_id == Reminder.respondent_id)
        .correlate(Reminder)
    ).scalar_subquery()
    still_paused = exists().where(col(Scan.id) == latest_scan, col(Scan.state) == PAUSED)
    session.exec(
        delete(Reminder).where(
            col(Reminder.send_at).is_(None), col(Reminder.due_at) <= now, ~still_paused
        )
    )
    last = session.exec(select(func.max(Reminder.send_at))).one()
    first = max(now, as_utc(last) + spacing) if last else now
    room = int((now + horizon - first) / spacing) if first < now + horizon else 0
    if room == 0:
        return []
    due = session.exec(
        select(Reminder.respondent_id, Reminder.address, Respondent.language)
        .join(Respondent, col(Respondent.id) == Reminder.respondent_id)
        .where(col(Reminder.send_at).is_(None), col(Reminder.due_at) <= now)
        .order_by(col(Reminder.due_at), col(Reminder.respondent_id))
        .limit(room)
    ).all()
    taken = [
        DueReminder(respondent_id, address, language, first + n * spacing)
        for n, (respondent_id, address, language) in enumerate(due)
    ]
    if taken:
        session.connection().execute(
            _SET_MOMENT, [{"id": r.respondent_id, "moment": r.send_at} for r in taken]
        )
    return taken
