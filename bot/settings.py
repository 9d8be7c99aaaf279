"""Settings from the environment; only TELEGRAM_BOT_TOKEN is needed, and only for Telegram."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.conversation import DEFAULT_TIME_ZONE
from bot.processing import DEFAULT_CONCURRENCY, DEFAULT_PENDING
from storage.db import sqlite_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str | None = None
    data_dir: Path = Path("data")
    pseudonym_key: SecretStr | None = None
    log_level: str = "INFO"
    # Team and HR results appear only for groups at least this big; never below 3.
    min_group_size: int = Field(default=5, ge=3)
    idle_expiry_days: int = Field(default=30, ge=1)
    retention_days: int = Field(default=365, ge=30)
    # The clock people read times in (a reminder's moment, a scan's date); stored in UTC.
    time_zone: str = DEFAULT_TIME_ZONE.key
    # A reminder someone asks for when pausing comes this many hours later.
    reminder_after_hours: float = Field(default=24, ge=0)
    # Reminders go out at most this many per second, all workers together: below the ~30
    # messages a second Telegram allows a bot for messages nobody asked for just then.
    reminders_per_second: float = Field(default=20, gt=0, le=30)
    # Telegram user ids (comma-separated) allowed to see HR figures in the bot.
    hr_telegram_ids: str = ""
    # Telegram user ids (comma-separated) of admins: they set up organisations and are HR too.
    admin_telegram_ids: str = ""
    # Updates of different people processed at once (one person's always one after another).
    max_concurrent_updates: int = Field(default=DEFAULT_CONCURRENCY, ge=1)
    # Polling: updates fetched but not finished; beyond this, the rest wait at Telegram.
    max_pending_updates: int = Field(default=DEFAULT_PENDING, ge=1)
    # Webhook mode (`python -m bot webhook`): the public URL Telegram posts to, the port this
    # process listens on (PORT, as Heroku sets it) and the secret Telegram sends along
    # (generated once and kept in the database when not set).
    webhook_url: str | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)

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
    def effective_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)


def _ids(listed: str) -> frozenset[str]:
    return frozenset(part.strip() for part in listed.split(",") if part.strip())


def explained(error: ValidationError) -> str:
    """One line per wrong setting, named as it is set: the environment variable."""
    lines = [f"{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()]
    return "Wrong setting:\n" + "\n".join(lines) + "\n"
