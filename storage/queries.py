"""Queries, keyword-only and taking the session; callers own the transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, delete, select, update

from storage import reminder_queries
from storage.inserts import insert_or_replace, insert_unless_present, upsert_rows
from storage.models import (
    Answer,
    HrGrant,
    OrganisationLead,
    ProcessedUpdate,
    Respondent,
    Result,
    ResultScore,
    Scan,
    Team,
    table_of,
    utcnow,
)

# Scan states that are closed: nothing more will be answered in them.
CLOSED_STATES = ("done", "declined", "expired")
EXPIRED = "expired"


@dataclass
class StoredRespondent:
    """A person's row as the conversation needs it; changes go through the functions below."""

    id: int
    pseudonym: str
    language: str | None


@dataclass
class StoredScan:
    """A scan's row as the conversation needs it; changes go through the functions below."""

    id: int
    state: str
    resume_at: str | None
    team_id: int | None
    wave: int | None
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    pulse_of: int | None = None  # a pulse after this closed round of the team (storage.pulses)


@dataclass
class StoredPerson:
    """A person with their latest scan and its answers, read in one query."""

    respondent: StoredRespondent | None
    scan: StoredScan | None
    answers: dict[str, str]


# Built once: these run on every tap, and building a statement costs more than running it.
_respondents, _scans, _answers = table_of(Respondent), table_of(Scan), table_of(Answer)
_processed = table_of(ProcessedUpdate)
_SCAN_COLUMNS = [getattr(_scans.c, f.name) for f in fields(StoredScan)]
_RESPONDENT_COLUMNS = (_respondents.c.id, _respondents.c.pseudonym, _respondents.c.language)
_BY_PSEUDONYM = _respondents.c.pseudonym == bindparam("pseudonym")
_RESPONDENT = select_columns(*_RESPONDENT_COLUMNS).where(_BY_PSEUDONYM)
_newer = _scans.alias("newer")
_LATEST_SCAN_ID = (
    select_columns(func.max(_newer.c.id))
    .where(_newer.c.respondent_id == _respondents.c.id)
    .correlate(_respondents)
    .scalar_subquery()
)
_PERSON = (
    select_columns(*_RESPONDENT_COLUMNS, *_SCAN_COLUMNS, _answers.c.question_id, _answers.c.value)
    .select_from(
        _respondents.outerjoin(_scans, _scans.c.id == _LATEST_SCAN_ID).outerjoin(
            _answers, _answers.c.scan_id == _scans.c.id
        )
    )
    .where(_BY_PSEUDONYM)
)
_LOCK_RESPONDENT = select_columns(_respondents.c.id).where(_BY_PSEUDONYM).with_for_update()
# The columns to set come with the parameters, so no statement is built per call.
_UPDATE_SCAN = update(_scans).where(_scans.c.id == bindparam("scan_id"))

# PostgreSQL runs data-modifying CTEs, so each of these does two things in one round trip
# (a tap makes six instead of eight). SQLite has no such CTEs, and no network to save on.
_SEEN = (
    postgresql.insert(_processed)
    .values(update_id=bindparam("update_id"), seen_at=bindparam("seen_at"))
    .on_conflict_do_nothing()
    .returning(_processed.c.update_id)
    .cte("seen")
)
_CLAIM_UPDATE = select_columns(
    select_columns(func.count()).select_from(_SEEN).scalar_subquery(),
    _LOCK_RESPONDENT.scalar_subquery(),
)
_ANSWER_KEY = ("scan_id", "question_id")
_ANSWER_FIELDS = (*_ANSWER_KEY, "value", "score", "answered_at")
_UPSERT_ANSWER = (
    insert_or_replace("postgresql", _answers, _ANSWER_KEY, _ANSWER_FIELDS)
    .values({name: bindparam(name) for name in _ANSWER_FIELDS})  # a CTE names its values
    .cte("answered")
)
# The answer's parameter names are none of the scan's columns, so they set nothing there.
_UPDATE_SCAN_WITH_ANSWER = _UPDATE_SCAN.add_cte(_UPSERT_ANSWER)


def get_respondent(session: Session, *, pseudonym: str) -> StoredRespondent | None:
    row = session.connection().execute(_RESPONDENT, {"pseudonym": pseudonym})
    found = row.first()
    return StoredRespondent(*found) if found else None


def claim_update(session: Session, *, update_id: int | None, pseudonym: str) -> bool:
    """Records an incoming update and locks the person's row until the transaction ends.

    False if the update was handled before (Telegram may repeat one). Two workers given the
    same update at once: the second waits for the first one's transaction and then sees it
    as a repeat, or handles it if the first one rolled back. The lock (SELECT ... FOR UPDATE)
    makes workers handling the same person take turns; SQLite has no row locks and needs
    none, as a write transaction locks the whole file. Read the person after this, in a
    statement of its own: PostgreSQL re-reads a locked row once its holder commits, but not
    the rows joined to it.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if update_id is not None and dialect == "postgresql":
        parameters = {"update_id": update_id, "seen_at": utcnow(), "pseudonym": pseudonym}
        return bool(connection.execute(_CLAIM_UPDATE, parameters).scalar())
    if update_id is not None and not insert_unless_present(
        session, ProcessedUpdate, update_id=update_id, seen_at=utcnow()
    ):
        return False
    lock_person(session, pseudonym=pseudonym)
    return True


def lock_person(session: Session, *, pseudonym: str) -> None:
    """Locks the person's row until the transaction ends (SQLite: the write lock already does)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(_LOCK_RESPONDENT, {"pseudonym": pseudonym})


def load_person(session: Session, *, pseudonym: str) -> StoredPerson:
    """The person, their latest scan and its answers (lock them first: `claim_update`)."""
    rows = session.connection().execute(_PERSON, {"pseudonym": pseudonym}).all()
    if not rows:
        return StoredPerson(None, None, {})
    first = rows[0]
    respondent = StoredRespondent(*first[:3])
    scan = StoredScan(*first[3:-2]) if first[3] is not None else None
    answers = {row[-2]: row[-1] for row in rows if row[-2] is not None}
    return StoredPerson(respondent, scan, answers)


def create_respondent(session: Session, *, pseudonym: str, language: str | None) -> StoredPerson:
    """Creates the person unless another worker just did, and returns them locked."""
    insert_unless_present(
        session, Respondent, pseudonym=pseudonym, language=language, created_at=utcnow()
    )
    lock_person(session, pseudonym=pseudonym)
    return load_person(session, pseudonym=pseudonym)


def set_language(session: Session, *, respondent: StoredRespondent, language: str) -> None:
    session.connection().execute(
        update(_respondents).where(_respondents.c.id == respondent.id).values(language=language)
    )
    respondent.language = language


def create_scan(
    session: Session,
    *,
    respondent_id: int,
    state: str,
    team_id: int | None = None,
    wave: int | None = None,
    pulse_of: int | None = None,
) -> StoredScan:
    now = utcnow()
    values = {"state": state, "resume_at": None, "team_id": team_id, "wave": wave}
    values["pulse_of"] = pulse_of
    inserted = session.connection().execute(
        insert(_scans).values(respondent_id=respondent_id, started_at=now, updated_at=now, **values)
    )
    key = inserted.inserted_primary_key
    assert key is not None, "an INSERT of one row has its key"
    return StoredScan(
        id=key[0],
        state=state,
        resume_at=None,
        team_id=team_id,
        wave=wave,
        started_at=now,
        updated_at=now,
        finished_at=None,
        pulse_of=pulse_of,
    )


def count_scan_for(session: Session, *, scan: StoredScan, team: Team) -> None:
    """Lets a scan started without a team link count for the team after all."""
    session.connection().execute(
        _UPDATE_SCAN, {"scan_id": scan.id, "team_id": team.id, "wave": team.wave}
    )
    scan.team_id, scan.wave = team.id, team.wave


def scan_answers(session: Session, *, scan_id: int) -> dict[str, str]:
    rows = session.exec(select(Answer).where(Answer.scan_id == scan_id))
    return {row.question_id: row.value for row in rows}


def save_progress(
    session: Session,
    *,
    scan: StoredScan,
    state: str,
    resume_at: str | None,
    before: dict[str, str],
    after: dict[str, str],
    scores: dict[str, int | None],
) -> None:
    """Writes the answers that changed and the new position; committed together by the caller."""
    connection = session.connection()
    gone = [qid for qid in before if qid not in after]
    if gone:
        connection.execute(
            delete(_answers).where(_answers.c.scan_id == scan.id, _answers.c.question_id.in_(gone))
        )
    now = utcnow()
    changed = [
        {
            "scan_id": scan.id,
            "question_id": qid,
            "value": value,
            "score": scores.get(qid),
            "answered_at": now,
        }
        for qid, value in after.items()
        if before.get(qid) != value
    ]
    position = {"scan_id": scan.id, "state": state, "resume_at": resume_at, "updated_at": now}
    if len(changed) == 1 and connection.dialect.name == "postgresql":  # a tap: one answer
        connection.execute(_UPDATE_SCAN_WITH_ANSWER, {**changed[0], **position})
    else:
        if changed:
            upsert_rows(session, Answer, changed, key=list(_ANSWER_KEY))
        connection.execute(_UPDATE_SCAN, position)
    scan.state, scan.resume_at, scan.updated_at = state, resume_at, now


def save_result(
    session: Session,
    *,
    scan: StoredScan,
    role: str | None,
    strongest: str | None,
    weakest: str | None,
    resilience: int | None,
    preference: str | None,
    scores: dict[tuple[str, str], float | None],
) -> None:
    """Stores the placement of a finished scan, replacing an earlier one.

    A team scan counts in the team's open round: if its round closed while the person was
    answering, it moves to the next one (storage.rounds counts it when that one closes).
    """
    session.exec(delete(ResultScore).where(col(ResultScore.scan_id) == scan.id))
    session.exec(delete(Result).where(col(Result.scan_id) == scan.id))
    session.add(
        Result(
            scan_id=scan.id,
            role=role,
            strongest=strongest,
            weakest=weakest,
            resilience=resilience,
            preference=preference,
        )
    )
    for (model, dimension), score in scores.items():
        session.add(ResultScore(scan_id=scan.id, model=model, dimension=dimension, score=score))
    scan.finished_at = utcnow()
    values: dict[str, Any] = {"scan_id": scan.id, "finished_at": scan.finished_at}
    if scan.team_id is not None:
        # Read under a share lock: a round closing now either sees this finish or is seen.
        open_round = select(Team.wave).where(col(Team.id) == scan.team_id)
        wave = session.exec(open_round.with_for_update(read=True)).first()
        scan.wave = wave if wave is not None else scan.wave
        values["wave"] = scan.wave
    session.connection().execute(_UPDATE_SCAN, values)


def expire_scan(session: Session, *, scan_id: int) -> None:
    """Closes an abandoned scan and drops its half-finished answers: they are never used."""
    connection = session.connection()
    connection.execute(delete(_answers).where(_answers.c.scan_id == scan_id))
    connection.execute(_UPDATE_SCAN, {"scan_id": scan_id, "state": EXPIRED, "resume_at": None})


def expire_idle_scans(session: Session, *, idle_since: datetime) -> int:
    """Expires every open scan without activity since `idle_since`."""
    idle = session.exec(
        select(Scan.id).where(
            col(Scan.state).not_in(CLOSED_STATES), col(Scan.updated_at) < idle_since
        )
    ).all()
    for scan_id in idle:
        assert scan_id is not None, "a stored scan has its id"
        expire_scan(session, scan_id=scan_id)
    return len(idle)


def unlink_finished_scans(session: Session, *, finished_before: datetime) -> int:
    """Past retention: the raw answers go, and the scan no longer points to the person.

    What stays is the scores of the result, counted in the aggregates, tied to no one.
    """
    old = select(Scan.id).where(col(Scan.finished_at) < finished_before)
    session.exec(delete(Answer).where(col(Answer.scan_id).in_(old)))
    unlinked = session.exec(
        update(Scan)
        .where(col(Scan.finished_at) < finished_before, col(Scan.respondent_id).is_not(None))
        .values(respondent_id=None)
    ).rowcount
    linked = select(Scan.respondent_id).where(col(Scan.respondent_id).is_not(None))
    session.exec(delete(Respondent).where(col(Respondent.id).not_in(linked)))
    return int(unlinked or 0)


def prune_processed_updates(session: Session, *, seen_before: datetime) -> None:
    session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.seen_at) < seen_before))


def respondent_scans(session: Session, *, respondent_id: int) -> list[Scan]:
    statement = select(Scan).where(Scan.respondent_id == respondent_id).order_by(col(Scan.id))
    return list(session.exec(statement))


def scan_result(session: Session, *, scan_id: int) -> Result | None:
    return session.exec(select(Result).where(Result.scan_id == scan_id)).first()


def delete_respondent(session: Session, *, respondent: StoredRespondent) -> int:
    """Deletes a person with every scan, answer and result; returns the number of scans."""
    scans = respondent_scans(session, respondent_id=respondent.id)
    scan_ids = [s.id for s in scans]
    # Closed rounds keep their frozen sums; an open round simply no longer has this person.
    for table in (Answer, ResultScore, Result):
        session.exec(delete(table).where(col(table.scan_id).in_(scan_ids)))
    session.exec(delete(Scan).where(col(Scan.id).in_(scan_ids)))
    name = respondent.pseudonym
    reminder_queries.drop_reminder(session, respondent_id=respondent.id)
    for by_person in (OrganisationLead, HrGrant):
        session.exec(delete(by_person).where(col(by_person.pseudonym) == name))
    # Teams stay for their members and for HR; they just no longer point to this lead.
    session.exec(update(Team).where(col(Team.lead) == name).values(lead=""))
    session.exec(delete(Respondent).where(col(Respondent.id) == respondent.id))
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
            col(Scan.pulse_of).is_(None),  # a pulse asks a few items: nothing to compare with
        )
        .order_by(col(Scan.id).desc())
    ).first()
    if scan is None:
        return None
    rows = session.exec(select(ResultScore).where(ResultScore.scan_id == scan.id))
    return scan, {(row.model, row.dimension): row.score for row in rows}
