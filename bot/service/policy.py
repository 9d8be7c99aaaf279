"""How long things are kept and how patient the service is: one place for each rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Policy:
    """The defaults are what the privacy statement promises; settings may change some."""

    idle_expiry: timedelta = timedelta(days=30)
    retention: timedelta = timedelta(days=365)
    # A second tap on an answered question within this time is a double tap: no reply.
    repeat_window: timedelta = timedelta(seconds=10)
    processed_updates_kept: timedelta = timedelta(days=2)
    # Team codes are unguessable; someone trying many anyway is made to wait.
    wrong_codes_allowed: int = 5
    wrong_code_window: timedelta = timedelta(minutes=15)
    # An HR link an admin made works once, within this time.
    hr_invite_valid: timedelta = timedelta(days=7)
    # A team's round closes by itself this long after it opened (its lead may close it sooner).
    round_length: timedelta = timedelta(days=42)
    # A reminder asked for when pausing comes this long after.
    reminder_after: timedelta = timedelta(days=1)
    # Times are stored in UTC and shown to people on their organisation's clock.
    time_zone: ZoneInfo = DEFAULT_TIME_ZONE
