"""What a form post produced, kept for the one page its redirect leads to (Post/Redirect/Get).

Every POST that changes something answers "303 See Other" to the screen page (GET), so a
reload or the back button never sends a form again. The screen page shows the POST's outcome
once: the answer just given ("Jouw antwoord: …"), a hint, a question to confirm, and the next
question or the summary. Any later visit (a reload, the back button, another tab) shows the
screen derived from the stored state instead: the open question, the pause, or the summary.

The outcome is kept in this process's memory, by session, for a short time, and taken by the
first page that shows it. It is what the service returned after storing the step, so it holds
nothing the database does not; losing it loses only the one-time lines.

Several workers: a GET that reaches another worker than its POST (no sticky sessions at the
proxy) finds no flash there and shows the screen derived from the database, which all
workers share: the right question, without the one-time lines. A proxy that sends a session
to one worker (e.g. nginx `hash $cookie_scan_session consistent`) keeps them too. A restart
loses the flashes in flight the same way.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.service.outcome import Outcome

# The GET follows its POST at once; an outcome not fetched within this long (the browser
# went away) must not surprise the person on their next visit.
FLASH_SECONDS = 60.0
FLASHES_KEPT = 10_000  # sessions posting at this very moment: far more than fit in a minute


class Flashes:
    """At most one outcome per session, the newest kept, each shown at most once."""

    def __init__(
        self,
        *,
        kept: int = FLASHES_KEPT,
        seconds: float = FLASH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kept, self.seconds, self.clock = kept, seconds, clock
        self._outcomes: OrderedDict[str, tuple[float, Outcome]] = OrderedDict()

    def put(self, session: str, outcome: Outcome) -> None:
        """Keeps the outcome for the session's next page, in place of any earlier one."""
        self._outcomes.pop(session, None)
        self._outcomes[session] = (self.clock(), outcome)
        while len(self._outcomes) > self.kept:
            self._outcomes.popitem(last=False)

    def take(self, session: str) -> Outcome | None:
        """The outcome to show now, if a fresh one is waiting; it is not shown again."""
        kept = self._outcomes.pop(session, None)
        if kept is None or self.clock() - kept[0] > self.seconds:
            return None
        return kept[1]

    def drop(self, session: str) -> None:
        self._outcomes.pop(session, None)

    def __len__(self) -> int:
        return len(self._outcomes)
