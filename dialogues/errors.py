"""The error a broken content file raises, and the id checks every content file shares."""

from __future__ import annotations

import re
from collections.abc import Iterable

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
TRIGGER_NAMES = {"answer", "back", "skip", "pause", "resume", "restart", "state", "answers"}


class DialogueError(ValueError):
    """A content file is broken; the message names the file, the item and the fault."""

    def __init__(self, file: str, item: str, fault: str) -> None:
        super().__init__(f"{file}: {item}: {fault}")
        self.file, self.item, self.fault = file, item, fault


def unique(ids: Iterable[str], file: str, kind: str) -> None:
    """Checks that ids are well formed and used once."""
    seen: set[str] = set()
    for ident in ids:
        if not IDENTIFIER.match(ident) or ident in TRIGGER_NAMES:
            raise DialogueError(
                file,
                f"{kind} '{ident}'",
                "ids are 1-24 lower-case letters, digits or _, "
                "start with a letter and are not a reserved word",
            )
        if ident in seen:
            raise DialogueError(file, f"{kind} '{ident}'", "this id is used twice")
        seen.add(ident)
