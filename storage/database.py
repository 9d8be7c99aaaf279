"""The database as the channels use it: its engine, and where a call to it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine

Params = ParamSpec("Params")
Result = TypeVar("Result")


class Database:
    """An engine plus the rule for running a synchronous call from an event loop.

    SQLite is pure CPU (~2 ms a tap): run in the loop it was fastest (441 against 349 taps/s
    in a thread, where the GIL adds hand-over and no parallelism). A database server waits on
    the network and on other workers' row locks: in the loop that wait stalls everyone (loop
    lag p99 1.9 s), in a thread the loop stays responsive (p99 11 ms) at better throughput.
    `python -m benchmarks.storage_offload` measures both.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.in_thread = engine.dialect.name != "sqlite"

    async def run(
        self, function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
    ) -> Result:
        """Calls `function` where this database's calls belong: in the loop or in a thread."""
        if self.in_thread:
            return await asyncio.to_thread(function, *args, **kwargs)
        return function(*args, **kwargs)
