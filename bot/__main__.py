"""Command line: `python -m bot [console|telegram]`; without one, Telegram if a token is set."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.logs import configure_logging
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["console", "telegram"])
    args = parser.parse_args(argv)
    settings = Settings()
    command = args.command or ("telegram" if settings.telegram_bot_token else "console")
    token = settings.telegram_bot_token
    configure_logging(
        # The console's screen is the interview itself: only problems are logged there.
        settings.log_level if command == "telegram" else logging.WARNING,
        secrets=[token.get_secret_value()] if token else [],
    )
    if command == "telegram":
        from bot.telegram_bot import run_polling

        return run_polling(settings)
    from bot.app import console_main

    return console_main(settings, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
