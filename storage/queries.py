"""Queries, keyword-only and taking the session; callers own the transaction."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from storage.models import Answer, Respondent, Result, ResultScore, Scan, utcnow


def get_respondent(session: Session, *, pseudonym: str) -> Respondent | None:
    return session.exec(select(Respondent).where(Respondent.pseudonym == pseudonym)).first()


def create_respondent(session: Session, *, pseudonym: str, language: str | None) -> Respondent:
    respondent = Respondent(pseudonym=pseudonym, language=language)
    session.add(respondent)
    session.flush()
    return respondent


def latest_scan(session: Session, *, respondent_id: int) -> Scan | None:
    statement = (
        select(Scan).where(Scan.respondent_id == respondent_id).order_by(col(Scan.id).desc())
    )
    return session.exec(statement).first()


def create_scan(
    session: Session, *, respondent_id: int, state: str, start_payload: str | None = None
) -> Scan:
    scan = Scan(respondent_id=respondent_id, state=state, start_payload=start_payload)
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
