"""Logging that never shows the bot token, answers or who someone is.

Our own modules log only counts and error types. Libraries are noisier: at DEBUG,
python-telegram-bot logs every update and every call's parameters (answers, Telegram ids),
and httpx logs URLs that contain the token. So libraries stay at INFO or quieter whatever
LOG_LEVEL says, and every line (tracebacks too) is scrubbed of the secrets we know.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose DEBUG (or, for httpx, INFO) lines carry update contents or the token.
QUIET_LIBRARIES = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "transitions": logging.WARNING,
}


class RedactingFormatter(logging.Formatter):
    """Replaces each secret in the finished line, tracebacks included."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "[redacted]")
        return line


def configure_logging(level: str | int, secrets: Iterable[str] = ()) -> None:
    """Logs to stderr at `level`, libraries capped, secrets scrubbed."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    threshold = logging.getLogger().getEffectiveLevel()
    for name, quietest_allowed in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(threshold, quietest_allowed))
