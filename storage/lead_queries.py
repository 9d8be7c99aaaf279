"""A team lead's chat address, kept for messages about their team (actions, rounds).

Keyword-only and taking the session, like storage.queries. The address is the only thing
about a lead that points outside the database: it goes when they delete their data or lead
no open team any more.
"""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from storage.inserts import upsert_rows
from storage.models import LeadContact, Respondent, Team, utcnow


def remember_lead(session: Session, *, pseudonym: str, address: str) -> None:
    """Keeps (or moves) the address where the lead can be reached."""
    row = {"pseudonym": pseudonym, "address": address, "updated_at": utcnow()}
    upsert_rows(session, LeadContact, [row], key=["pseudonym"])


def lead_address(session: Session, *, pseudonym: str) -> str | None:
    """Where the lead can be reached, if they left an address."""
    return session.exec(
        select(LeadContact.address).where(LeadContact.pseudonym == pseudonym)
    ).first()


def lead_reach(session: Session, *, pseudonym: str) -> tuple[str, str | None] | None:
    """Where the lead can be reached and the language they chose, if they left an address."""
    found = session.exec(
        select(LeadContact.address, Respondent.language)
        .outerjoin(Respondent, col(Respondent.pseudonym) == LeadContact.pseudonym)
        .where(LeadContact.pseudonym == pseudonym)
    ).first()
    return (found[0], found[1]) if found else None


def forget_lead(session: Session, *, pseudonym: str) -> None:
    session.exec(delete(LeadContact).where(col(LeadContact.pseudonym) == pseudonym))


def forget_leads_without_team(session: Session) -> None:
    """Deletes the addresses of people who lead no open team (ended, or handed over)."""
    leading = select(Team.lead).where(col(Team.closed_at).is_(None))
    session.exec(delete(LeadContact).where(col(LeadContact.pseudonym).not_in(leading)))
