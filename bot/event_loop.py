"""The event loop the bot runs on: uvloop where it is installed, asyncio's own otherwise."""

from __future__ import annotations

import asyncio
import importlib.util


def faster_event_loop() -> None:
    """Makes new event loops uvloop ones: the same asyncio API, less CPU per Bot API call.

    uvloop does not exist for Windows; there the standard loop serves.
    """
    if importlib.util.find_spec("uvloop") is None:
        return
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
