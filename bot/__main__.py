"""Command line: `python -m bot [console|telegram|webhook|web|report|migrate]`; Telegram if
a token is set.

`python -m bot web` serves the scan as a mobile web page on PORT (team links: /t/<code>).

`python -m bot webhook` serves Telegram's webhook on PORT for WEBHOOK_URL (see the README), and
the web pages beside it.

`python -m bot migrate` brings the database schema up to date and exits (a release step);
the other commands do that too before they start.

`python -m bot report --organisation NAME --format html|csv|xlsx --out FILE [--team NAME]
[--wave N] [--dialect nl|intl]` writes an organisation's HR report: its closed rounds, figures
over groups of at least MIN_GROUP_SIZE people, never over one person; no figure spans two
organisations. CSV is UTF-8 with a BOM: nl uses ; and a decimal comma, intl , and a point.
"""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import ValidationError

from bot.logs import configure_logging
from bot.settings import Settings, explained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command", nargs="?", choices=["console", "telegram", "webhook", "web", "report", "migrate"]
    )
    report = parser.add_argument_group("report")
    report.add_argument("--format", choices=["html", "csv", "xlsx"], default="html")
    report.add_argument("--out", help="file to write the report to")
    report.add_argument("--organisation", help="the organisation (by name) to report on")
    report.add_argument("--team", help="only this team (by name)")
    report.add_argument("--wave", type=int, help="only this round")
    report.add_argument(
        "--dialect",
        choices=["nl", "intl"],
        default="nl",
        help="CSV: nl = ; and decimal comma (Dutch Excel), intl = , and decimal point",
    )
    args = parser.parse_args(argv)
    if args.command == "report" and not args.out:
        parser.error("report needs --out FILE")
    if args.command == "report" and not args.organisation:
        parser.error("report needs --organisation NAME: no figure spans two organisations")
    try:
        settings = Settings()
    except ValidationError as error:  # a wrong value in the environment or .env
        parser.exit(2, explained(error))
    command = args.command or ("telegram" if settings.telegram_bot_token else "console")
    token = settings.telegram_bot_token
    configure_logging(
        # The console's screen is the interview itself: only problems are logged there.
        settings.log_level if command in ("telegram", "webhook", "web") else logging.WARNING,
        secrets=[
            s.get_secret_value()
            for s in (token, settings.webhook_secret, settings.pseudonym_key)
            if s
        ],
        log_format=settings.log_format,
    )
    if command == "migrate":
        from bot.app import migrate_main

        return migrate_main(settings)
    if command == "report":
        from bot.app import report_main
        from reports.hr import UnknownOrganisation

        try:
            return report_main(
                settings,
                args.format,
                args.out,
                team=args.team,
                wave=args.wave,
                organisation=args.organisation,
                dialect=args.dialect,
            )
        except UnknownOrganisation as unknown:
            parser.error(f"no organisation named {unknown}")
    if command == "webhook":
        from bot.telegram.webhook import run_webhook
        from bot.web.server import web_channel

        # The web pages beside the webhook: one deployment serves both ways in.
        pages = web_channel(settings)
        return run_webhook(settings, beside=pages.app(), on_ready=pages.knows_bot)
    if command == "web":
        from bot.web.server import run_web

        return run_web(settings)
    if command == "telegram":
        from bot.telegram.application import run_polling

        return run_polling(settings)
    from bot.app import console_main

    return console_main(settings, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
