"""Resume codes in storage: kept as a keyed hash with the session sealed by the code.

Blocking calls (one short transaction each): the app runs them through `Database.run`.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.web.identity import CODE_LENGTH, Keys, normalise_code
from storage import web_queries
from storage.db import transaction


class ResumeCodes:
    """A session's code made findable, followed back to the session, and forgotten."""

    def __init__(self, engine: Engine, keys: Keys) -> None:
        self.engine, self.keys = engine, keys

    def remember(self, session: str) -> None:
        """Makes the session's code work on another device (idempotent)."""
        code = self.keys.resume_code(session)
        with transaction(self.engine) as db:
            web_queries.remember_code(
                db, code_hash=self.keys.code_hash(code), sealed=self.keys.seal(session, code)
            )

    def session_for(self, typed: str) -> str | None:
        """The session a typed code opens, if any."""
        code = normalise_code(typed)
        if len(code) != CODE_LENGTH:
            return None
        with Session(self.engine) as db:
            sealed = web_queries.sealed_session(db, code_hash=self.keys.code_hash(code))
        return self.keys.unseal(sealed, code) if sealed else None

    def forget(self, session: str) -> None:
        code = self.keys.resume_code(session)
        with transaction(self.engine) as db:
            web_queries.forget_code(db, code_hash=self.keys.code_hash(code))
