"""Pictures for people and teams: scan charts and QR cards, drawn off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any


class Painter:
    """Draws pictures in one thread of its own.

    Drawing a chart is CPU work: in the loop it would stall everyone's taps, in a thread the
    loop gets its turns in between. One thread: more would not draw faster under the GIL, only hold
    more pictures in memory at once.
    """

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pictures")

    async def draw(self, function: Callable[..., bytes], *args: Any) -> bytes:
        """Runs `function(*args)` in the drawing thread and returns its PNG."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(function, *args))

    def close(self) -> None:
        self._thread.shutdown(wait=False)
