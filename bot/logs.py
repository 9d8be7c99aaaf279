"""Logging that never shows the bot token, answers or who someone is.

Our own modules log only counts and error types. Libraries are noisier: at DEBUG,
python-telegram-bot logs every update and every call's parameters (answers, Telegram ids),
and httpx logs URLs that contain the token. So libraries stay at INFO or quieter whatever
LOG_LEVEL says, and every line (tracebacks too) is scrubbed of the secrets we know.

LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, and exc_info
with the traceback when there is one) for a log collector; every value is scrubbed the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
# Loggers whose DEBUG (or, for httpx, INFO) lines carry update contents or the token.
QUIET_LIBRARIES = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "transitions": logging.WARNING,
}
LogFormat = Literal["text", "json"]


class RedactingFormatter(logging.Formatter):
    """Replaces each secret in the finished line, tracebacks included."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))


class JsonFormatter(RedactingFormatter):
    """One JSON object per line; each value is scrubbed before it is encoded.

    Scrubbing before encoding matters: JSON escapes some characters, so a secret could be
    missed in the encoded line.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        scrubbed = {key: self.scrub(value) for key, value in entry.items()}
        return json.dumps(scrubbed, ensure_ascii=False)


def configure_logging(
    level: str | int, secrets: Iterable[str] = (), log_format: LogFormat = "text"
) -> None:
    """Logs to stderr at `level` as text or JSON lines, libraries capped, secrets scrubbed."""
    handler = logging.StreamHandler()
    formatter = JsonFormatter if log_format == "json" else RedactingFormatter
    handler.setFormatter(formatter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    threshold = logging.getLogger().getEffectiveLevel()
    for name, quietest_allowed in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(threshold, quietest_allowed))
