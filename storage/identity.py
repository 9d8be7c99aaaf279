"""Pseudonyms: a keyed hash of a person's channel identity, so no raw id is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session

from storage.inserts import insert_unless_present
from storage.models import AppSecret

PSEUDONYM_KEY = "pseudonym_key"


def pseudonym(*, key: str, channel: str, external_id: str) -> str:
    """The same person always gets the same pseudonym; without the key it cannot be reversed."""
    message = f"{channel}:{external_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def stored_key(session: Session) -> str:
    """Returns the pseudonym key kept in the database, generating it on first use."""
    row = session.get(AppSecret, PSEUDONYM_KEY)
    if row is None:  # workers starting together: the first one's key is everyone's
        insert_unless_present(session, AppSecret, name=PSEUDONYM_KEY, value=secrets.token_hex(32))
        row = session.get(AppSecret, PSEUDONYM_KEY)
    assert row is not None
    return row.value
