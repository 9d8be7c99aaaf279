"""Interview messages whose buttons still work, per chat, so a newer question can close them.

A question sent again (after text the bot did not understand, /start in the middle, a
resume) would otherwise leave its older copies with live buttons. The ids live in this
process's memory, not in the database (no chat's message ids are stored). That is exact for
polling and a single webhook worker. With several webhook workers a chat's updates go to
the workers in turn, and each worker knows only the messages it sent itself: an old copy
sent by another worker keeps its buttons. Tapping it is harmless: the person is told the
button belongs to an earlier question and gets the current one. A restart forgets all ids
the same way.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.render import Message
from bot.service.outcome import ANSWER_PREFIX, LANGUAGE_PREFIX, NAV_PREFIX

INTERVIEW_PREFIXES = frozenset({ANSWER_PREFIX, NAV_PREFIX, LANGUAGE_PREFIX})
# Bounds: the chats remembered (the least recently used are forgotten first) and the live
# messages per chat (a welcome back with its question, a confirmation, a few more at most).
CHATS = 50_000
PER_CHAT = 8


def has_interview_buttons(message: Message) -> bool:
    """True when the message's buttons act on the interview (not a team's or HR's)."""
    return any(
        button.data.partition(":")[0] in INTERVIEW_PREFIXES
        for row in message.buttons
        for button in row
    )


class LiveButtons:
    """The interview messages with working buttons, per chat, in the order they were sent."""

    def __init__(self, chats: int = CHATS, per_chat: int = PER_CHAT) -> None:
        self._live: OrderedDict[int, list[int]] = OrderedDict()
        self._chats, self._per_chat = chats, per_chat

    def add(self, chat_id: int, message_id: int) -> None:
        live = self._live.pop(chat_id, [])
        live.append(message_id)
        self._live[chat_id] = live[-self._per_chat :]
        while len(self._live) > self._chats:
            self._live.popitem(last=False)

    def discard(self, chat_id: int, message_id: int) -> None:
        """Forgets a message whose buttons were closed some other way (it was tapped)."""
        live = self._live.get(chat_id)
        if live and message_id in live:
            live.remove(message_id)

    def take(self, chat_id: int) -> list[int]:
        """The chat's live messages, forgotten here: the caller closes them."""
        return self._live.pop(chat_id, [])
