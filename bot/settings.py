"""Settings from the environment; only TELEGRAM_BOT_TOKEN is needed, and only for Telegram."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    # Telegram user ids (comma-separated) allowed to see HR figures in the bot.
    hr_telegram_ids: str = ""
    # Telegram user ids (comma-separated) of admins: they set up organisations and are HR too.
    admin_telegram_ids: str = ""

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
