"""Outbound Bot API calls that wait out Telegram's rate limits and survive network hiccups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


class PatientRateLimiter(AIORateLimiter):
    """PTB's limiter (429s waited out exactly) plus retries with backoff for network errors.

    No overall cap: replies to people who write to the bot are not broadcasts, and a cap of
    30 per second would throttle a busy Monday morning. Group limits stay as PTB sets them.
    A timeout is not retried: the message may have arrived, and twice is worse than once.
    """

    def __init__(self, *, retries: int = 3, first_backoff: float = 0.5) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, max_retries=retries)
        self.retries = retries
        self.first_backoff = first_backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        backoff = self.first_backoff
        for attempt in range(self.retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (TimedOut, BadRequest):  # BadRequest is a NetworkError in PTB
                raise
            except NetworkError as error:
                if attempt == self.retries:
                    raise
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, error, backoff)
                await asyncio.sleep(backoff)
                backoff *= 2
        raise AssertionError("unreachable")
