"""Questions answered by typing a reply to them (Telegram's ForceReply), recognised again.

Nothing is stored between the question and its answer: the answer arrives as a reply to
the bot's message, whose text says which question it was (and for which team), in any
language the bot speaks. A reply to any other message is not an answer to these.
"""

from __future__ import annotations

import re

from dialogues.loader import Dialogue

# The message keys asked this way, and so recognised in the replied-to text.
ASKED_BY_REPLY = ("team_ask_name", "team_rename_ask", "action_ask_what")


def _patterns(dialogue: Dialogue) -> tuple[tuple[str, re.Pattern[str]], ...]:
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for language in dialogue.locales:  # a few patterns: made when a reply comes, not kept
        words = dialogue.locale(language).messages
        for key in ASKED_BY_REPLY:
            # Each {placeholder} matches any text; everything else must be as sent.
            parts = re.split(r"\{(\w+)\}", words[key])
            regex = "".join(
                f"(?P<{part}>.+)" if n % 2 else re.escape(part) for n, part in enumerate(parts)
            )
            patterns.append((key, re.compile(regex, re.DOTALL)))
    return tuple(patterns)


def asked(dialogue: Dialogue, text: str | None) -> tuple[str, dict[str, str]] | None:
    """The question (message key and its filled-in placeholders) `text` is, if it is one."""
    if not text:
        return None
    for key, pattern in _patterns(dialogue):
        if found := pattern.fullmatch(text.strip()):
            return key, found.groupdict()
    return None
