"""Web sessions that can be resumed elsewhere: keyword-only and taking the session, like
storage.queries. Only keyed hashes of resume codes are stored, never a code.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete

from storage.inserts import insert_unless_present
from storage.models import WebSession, utcnow


def remember_code(session: Session, *, code_hash: str, sealed: str) -> bool:
    """Keeps a session's resume code (hashed); False if that code was kept before."""
    return insert_unless_present(
        session, WebSession, code_hash=code_hash, sealed=sealed, created_at=utcnow()
    )


def sealed_session(session: Session, *, code_hash: str) -> str | None:
    """The sealed session id a resume code opens, if any."""
    row = session.get(WebSession, code_hash)
    return row.sealed if row is not None else None


def forget_code(session: Session, *, code_hash: str) -> None:
    """The code no longer opens anything (the person deleted their data)."""
    session.exec(delete(WebSession).where(col(WebSession.code_hash) == code_hash))


def forget_old_codes(session: Session, *, before: datetime) -> int:
    """Drops codes made before `before`: their scans are gone or unlinked by then."""
    result = session.exec(delete(WebSession).where(col(WebSession.created_at) < before))
    return int(result.rowcount or 0)
