"""Queries, keyword-only and taking the session; callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select, update

from storage.inserts import insert_unless_present
from storage.models import (
    Answer,
    ProcessedUpdate,
    Respondent,
    Result,
    ResultScore,
    Scan,
    utcnow,
)

# Scan states that are closed: nothing more will be answered in them.
CLOSED_STATES = ("done", "declined", "expired")
EXPIRED = "expired"


def get_respondent(session: Session, *, pseudonym: str, lock: bool = False) -> Respondent | None:
    """The person; with `lock`, their row stays locked until the transaction ends.

    The lock (SELECT ... FOR UPDATE on PostgreSQL) makes workers handling the same person
    take turns; SQLite has no row locks and needs none: a write transaction locks the file.
    """
    statement = select(Respondent).where(Respondent.pseudonym == pseudonym)
    return session.exec(statement.with_for_update() if lock else statement).first()


def create_respondent(session: Session, *, pseudonym: str, language: str | None) -> Respondent:
    """Creates the person unless another worker just did, and returns them locked."""
    insert_unless_present(
        session, Respondent, pseudonym=pseudonym, language=language, created_at=utcnow()
    )
    respondent = get_respondent(session, pseudonym=pseudonym, lock=True)
    assert respondent is not None
    return respondent


def latest_scan(session: Session, *, respondent_id: int) -> Scan | None:
    statement = (
        select(Scan).where(Scan.respondent_id == respondent_id).order_by(col(Scan.id).desc())
    )
    return session.exec(statement).first()


def create_scan(
    session: Session,
    *,
    respondent_id: int,
    state: str,
    team_id: int | None = None,
    wave: int | None = None,
) -> Scan:
    scan = Scan(respondent_id=respondent_id, state=state, team_id=team_id, wave=wave)
    session.add(scan)
    session.flush()
    return scan


def scan_answers(session: Session, *, scan_id: int) -> dict[str, str]:
    rows = session.exec(select(Answer).where(Answer.scan_id == scan_id))
    return {row.question_id: row.value for row in rows}


def save_progress(
    session: Session,
    *,
    scan: Scan,
    state: str,
    resume_at: str | None,
    before: dict[str, str],
    after: dict[str, str],
    scores: dict[str, int | None],
) -> None:
    """Writes the answers that changed and the new position; committed together by the caller."""
    gone = [qid for qid in before if qid not in after]
    if gone:
        session.exec(  # type: ignore[call-overload]
            delete(Answer).where(col(Answer.scan_id) == scan.id, col(Answer.question_id).in_(gone))
        )
    changed = {qid: value for qid, value in after.items() if before.get(qid) != value}
    if changed:
        existing = {
            row.question_id: row
            for row in session.exec(
                select(Answer).where(
                    Answer.scan_id == scan.id, col(Answer.question_id).in_(list(changed))
                )
            )
        }
        now = utcnow()
        for qid, value in changed.items():
            row = existing.get(qid) or Answer(scan_id=scan.id, question_id=qid, value=value)
            row.value, row.score, row.answered_at = value, scores.get(qid), now
            session.add(row)
    scan.state, scan.resume_at, scan.updated_at = state, resume_at, utcnow()
    session.add(scan)


def save_result(
    session: Session,
    *,
    scan: Scan,
    strongest: str | None,
    weakest: str | None,
    resilience: int | None,
    preference: str | None,
    scores: dict[tuple[str, str], float | None],
) -> None:
    """Stores the placement of a finished scan, replacing an earlier one."""
    session.exec(delete(ResultScore).where(col(ResultScore.scan_id) == scan.id))  # type: ignore[call-overload]
    session.exec(delete(Result).where(col(Result.scan_id) == scan.id))  # type: ignore[call-overload]
    session.add(
        Result(
            scan_id=scan.id,
            strongest=strongest,
            weakest=weakest,
            resilience=resilience,
            preference=preference,
        )
    )
    for (model, dimension), score in scores.items():
        session.add(ResultScore(scan_id=scan.id, model=model, dimension=dimension, score=score))
    scan.finished_at = utcnow()
    session.add(scan)


def first_time_seen(session: Session, *, update_id: int) -> bool:
    """Records an incoming update; False if it was handled before (Telegram may repeat one).

    Two workers given the same update at once: the second waits for the first one's
    transaction and then sees it as a repeat, or handles it if the first one rolled back.
    """
    return insert_unless_present(session, ProcessedUpdate, update_id=update_id, seen_at=utcnow())


def expire_scan(session: Session, *, scan: Scan) -> None:
    """Closes an abandoned scan and drops its half-finished answers: they are never used."""
    session.exec(delete(Answer).where(col(Answer.scan_id) == scan.id))  # type: ignore[call-overload]
    scan.state, scan.resume_at = EXPIRED, None
    session.add(scan)


def expire_idle_scans(session: Session, *, idle_since: datetime) -> int:
    """Expires every open scan without activity since `idle_since`."""
    idle = session.exec(
        select(Scan).where(col(Scan.state).not_in(CLOSED_STATES), col(Scan.updated_at) < idle_since)
    ).all()
    for scan in idle:
        expire_scan(session, scan=scan)
    return len(idle)


def unlink_finished_scans(session: Session, *, finished_before: datetime) -> int:
    """Cuts the link between old finished scans and the person; results stay for aggregates."""
    unlinked = session.exec(  # type: ignore[call-overload]
        update(Scan)
        .where(col(Scan.finished_at) < finished_before, col(Scan.respondent_id).is_not(None))
        .values(respondent_id=None)
    ).rowcount
    linked = select(Scan.respondent_id).where(col(Scan.respondent_id).is_not(None))
    session.exec(  # type: ignore[call-overload]
        delete(Respondent).where(col(Respondent.id).not_in(linked))
    )
    return int(unlinked or 0)


def prune_processed_updates(session: Session, *, seen_before: datetime) -> None:
    session.exec(  # type: ignore[call-overload]
        delete(ProcessedUpdate).where(col(ProcessedUpdate.seen_at) < seen_before)
    )


def respondent_scans(session: Session, *, respondent_id: int) -> list[Scan]:
    statement = select(Scan).where(Scan.respondent_id == respondent_id).order_by(col(Scan.id))
    return list(session.exec(statement))


def scan_result(session: Session, *, scan_id: int) -> Result | None:
    return session.exec(select(Result).where(Result.scan_id == scan_id)).first()


def delete_respondent(session: Session, *, respondent: Respondent) -> int:
    """Deletes a person with every scan, answer and result; returns the number of scans."""
    scan_ids = [s.id for s in respondent_scans(session, respondent_id=respondent.id or 0)]
    for table in (Answer, ResultScore, Result):
        session.exec(delete(table).where(col(table.scan_id).in_(scan_ids)))  # type: ignore[call-overload]
    session.exec(delete(Scan).where(col(Scan.id).in_(scan_ids)))  # type: ignore[call-overload]
    session.delete(respondent)
    return len(scan_ids)


def previous_result(
    session: Session, *, respondent_id: int, before_scan_id: int
) -> tuple[Scan, dict[tuple[str, str], float | None]] | None:
    """The person's last finished scan before this one, with its stored scores."""
    scan = session.exec(
        select(Scan)
        .where(
            Scan.respondent_id == respondent_id,
            col(Scan.id) < before_scan_id,
            col(Scan.finished_at).is_not(None),
        )
        .order_by(col(Scan.id).desc())
    ).first()
    if scan is None:
        return None
    rows = session.exec(select(ResultScore).where(ResultScore.scan_id == scan.id))
    return scan, {(row.model, row.dimension): row.score for row in rows}
