"""Pseudonyms: a keyed hash of a person's channel identity, so no raw id is ever stored."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(*, key: str, channel: str, external_id: str) -> str:
    """The same person always gets the same pseudonym; without the key it cannot be reversed."""
    message = f"{channel}:{external_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
