"""Pseudonyms: a keyed hash of a person's channel identity, so no raw id is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session

from storage.inserts import insert_unless_present
from storage.models import AppSecret

PSEUDONYM_KEY = "pseudonym_key"
WEBHOOK_SECRET = "webhook_secret"


def pseudonym(*, key: str, channel: str, external_id: str) -> str:
    """The same person always gets the same pseudonym; without the key it cannot be reversed."""
    message = f"{channel}:{external_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def stored_key(session: Session) -> str:
    """Returns the pseudonym key kept in the database, generating it on first use."""
    return stored_secret(session, PSEUDONYM_KEY, secrets.token_hex(32))


def stored_secret(session: Session, name: str, fresh: str) -> str:
    """Returns the secret `name` kept in the database, storing `fresh` if there is none yet."""
    row = session.get(AppSecret, name)
    if row is None:  # workers starting together: the first one's value is everyone's
        insert_unless_present(session, AppSecret, name=name, value=fresh)
        row = session.get(AppSecret, name)
    assert row is not None
    return row.value
