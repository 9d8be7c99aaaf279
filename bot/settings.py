"""Settings from the environment; only TELEGRAM_BOT_TOKEN is needed, and only for Telegram.

Every setting's default is here, or (for the keeping and timing rules the privacy statement
promises) in the service's `Policy`, read from there so that each default exists once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.service.policy import Policy
from storage.db import sqlite_url

_POLICY = Policy()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str | None = None
    data_dir: Path = Path("data")
    pseudonym_key: SecretStr | None = None
    log_level: str = "INFO"
    # text: one readable line per event; json: one JSON object per line (a log collector).
    log_format: Literal["text", "json"] = "text"
    # Team and HR results appear only for groups at least this big; never below 3.
    min_group_size: int = Field(default=5, ge=3)
    idle_expiry_days: int = Field(default=_POLICY.idle_expiry.days, ge=1)
    retention_days: int = Field(default=_POLICY.retention.days, ge=30)
    # A team's round closes by itself this many days after it opened; its lead may close it
    # sooner. Only closed rounds show figures.
    round_days: int = Field(default=_POLICY.round_length.days, ge=1, le=366)
    # The clock people read times in (a reminder's moment, a scan's date); stored in UTC.
    time_zone: str = _POLICY.time_zone.key
    # A reminder someone asks for when pausing comes this many hours later.
    reminder_after_hours: float = Field(default=_POLICY.reminder_after.total_seconds() / 3600, ge=0)
    # Reminders go out at most this many per second, all workers together: below the ~30
    # messages a second Telegram allows a bot for messages nobody asked for just then.
    reminders_per_second: float = Field(default=20, gt=0, le=30)
    # Telegram user ids (comma-separated) allowed to see HR figures in the bot.
    hr_telegram_ids: str = ""
    # Telegram user ids (comma-separated) of admins: they set up organisations and are HR too.
    admin_telegram_ids: str = ""
    # People whose updates are processed at once (one person's always one after another):
    # enough for a few hundred taps a second at a 50 ms round trip.
    max_concurrent_updates: int = Field(default=64, ge=1)
    # Updates held in memory at most (fetched or posted, not finished): about four seconds of
    # a busy Monday morning; beyond this, the rest wait at Telegram.
    max_pending_updates: int = Field(default=1000, ge=1)
    # One person's updates waiting at most; more from them is a flood, dropped with one reply.
    max_updates_per_person: int = Field(default=20, ge=1)
    # Webhook mode (`python -m bot webhook`): the public URL Telegram posts to, the port this
    # process listens on (PORT, as Heroku sets it) and the secret Telegram sends along
    # (generated once and kept in the database when not set).
    webhook_url: str | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Where people reach the web pages (`python -m bot web`, or beside the webhook): team cards
    # then offer the browser too, and their QR code opens the team's page there. Without it,
    # webhook mode uses WEBHOOK_URL's own address (the same server serves both).
    public_url: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone {name!r}; use a name like Europe/Amsterdam"
            ) from error
        return name

    @property
    def hr_ids(self) -> frozenset[str]:
        return _ids(self.hr_telegram_ids)

    @property
    def admin_ids(self) -> frozenset[str]:
        return _ids(self.admin_telegram_ids)

    @property
    def web_address(self) -> str | None:
        """The web pages' public address (no trailing slash), if people can reach them."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.webhook_url:
            found = urlsplit(self.webhook_url)
            return f"{found.scheme}://{found.netloc}"
        return None

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"{url!r} is no web address; use one like https://scan.example.org")
        return url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)


def _ids(listed: str) -> frozenset[str]:
    return frozenset(part.strip() for part in listed.split(",") if part.strip())


def explained(error: ValidationError) -> str:
    """One line per wrong setting, named as it is set: the environment variable."""
    lines = [f"{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()]
    return "Wrong setting:\n" + "\n".join(lines) + "\n"
