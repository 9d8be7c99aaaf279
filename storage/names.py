"""What a name people give (a team, an organisation) may hold when it is stored and shown."""

from __future__ import annotations

import unicodedata

MAX_NAME = 64
# Control, format (bidi overrides, zero-width marks), surrogate, private and unassigned
# characters: invisible or reordering, they let one name pose as another.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_name(text: str | None, limit: int = MAX_NAME) -> str:
    """The name without hidden characters, its spaces collapsed, at most `limit` long."""
    visible = "".join(
        " " if unicodedata.category(c) == "Cc" else c
        for c in text or ""
        if unicodedata.category(c) not in HIDDEN_CATEGORIES or c in "\t\n\r"
    )
    return " ".join(visible.split())[:limit]
