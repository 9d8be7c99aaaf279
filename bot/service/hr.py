"""HR in the chat: one organisation's closed rounds, and closing its open round.

HR who opened an admin's link see the organisation the link was made for and no other.
Deployment HR and admins (named in the settings) name the organisation; with only one,
they need not. Every call checks this again; the channel only says who is in the settings.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.service.calendar import RoundCalendar, day_text
from bot.service.outcome import Document, Outcome, Person, document_message, message
from bot.service.people import People
from reports.export import write
from reports.hr import build_report
from reports.overview import HrOverview
from statemachine import Reply
from storage import rounds, team_queries
from storage.db import transaction
from storage.models import Organisation, utcnow

HR_PREFIX = "hr"
REPORT = "report"
# What a bot may upload to Telegram; a bigger report is made with `python -m bot report`.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# The files HR gets: the page to read, and the same figures as a table.
REPORT_FILES = (("html", "hr_report_html"), ("xlsx", "hr_report_xlsx"))
# A planned round starts within this many days and lasts one of these numbers of weeks:
# people need time to answer, and a round left open for months says little about a moment.
PLAN_START_DAYS = 28
PLAN_WEEKS = (2, 3, 4, 6)
# The leads of a round HR closed hear at this pace (well within Telegram's ~30 a second).
NOTICE_SPACING = timedelta(seconds=0.1)


def hr_data(action: str, organisation_id: int, *extra: object) -> str:
    """Callback data for an HR button: the organisation is checked again on every tap."""
    return ":".join(str(part) for part in (HR_PREFIX, action, organisation_id, *extra))


def chosen_start(raw: str, today: date) -> date | None:
    """The start day a button carries, if it is one we could have offered."""
    try:
        day = datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        return None
    return day if today <= day <= today + timedelta(days=PLAN_START_DAYS) else None


def is_report(data: str) -> bool:
    """True for the tap that asks for the report files (built away from the event loop)."""
    return data.startswith(f"{HR_PREFIX}:{REPORT}:")


def report_filename(organisation: str, day: str, fmt: str) -> str:
    """A name every system accepts: the organisation in plain letters, the date, the format."""
    plain = unicodedata.normalize("NFKD", organisation).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:40].strip("-")
    return f"leercultuurscan-{slug or 'organisatie'}-{day}.{fmt}"


class Hr:
    """The HR overview and the organisation's rounds, scoped to what the person may see."""

    def __init__(self, people: People, overview: HrOverview) -> None:
        self.engine = people.engine
        self.calendar = RoundCalendar(people, overview.min_group)
        self.policy = people.policy
        self.overview_of = overview
        self._pseudonym = people.pseudonym_of
        self._language = people.language_of

    def overview(self, person: Person, name: str | None, *, deployment: bool) -> Outcome:
        """The latest closed round of the organisation; the open one's dates, and its buttons."""
        with Session(self.engine) as session:
            found = self._scope(session, person, name, deployment=deployment)
            if isinstance(found, Reply):
                return self._outcome(person, [found])
            planned = rounds.planned_round(session, organisation_id=found.id or 0, wave=found.wave)
        reply = self.overview_of.reply(found.name)
        plan_key = "hr_replan_button" if planned else "hr_plan_button"
        close = [
            ("hr_report_button", {}, hr_data(REPORT, found.id or 0)),
            (plan_key, {"wave": found.wave}, hr_data("plan", found.id or 0)),
            ("hr_close_button", {"wave": found.wave}, hr_data("close", found.id or 0)),
        ]
        if planned is None:
            status = message("hr_round_open", buttons=close, wave=found.wave)
        else:
            # Once the leads heard halfway through, the text says so instead of announcing it.
            key = "hr_round_open_halfway" if planned.halfway_sent_at else "hr_round_open_planned"
            status = message(key, buttons=close, **self.calendar.dates(planned))
        return self._outcome(person, [reply, status])

    def press(self, person: Person, data: str, *, deployment: bool) -> Outcome:
        """A tapped HR button: plan the round's dates, ask to close the round, or close it."""
        parts = data.split(":")
        action, raw_id = [*parts, "", ""][1:3]
        extra = parts[3:]
        with transaction(self.engine) as session:
            found = self._by_id(session, person, raw_id, deployment=deployment)
            if isinstance(found, Reply):
                return self._outcome(person, [found])
            wave, organisation_id, organisation_name = found.wave, found.id or 0, found.name
            if action in ("plan", "start", "weeks"):
                return self._outcome(person, [self._plan(session, found, action, extra)])
            if action != "close_yes":
                buttons = [
                    ("hr_close_yes", {"wave": wave}, hr_data("close_yes", organisation_id)),
                    ("team_close_no", {}, hr_data("show", organisation_id)),
                ]
                if action == "show":
                    return self.overview(person, organisation_name, deployment=True)
                confirm = message(
                    "hr_close_confirm",
                    buttons=buttons,
                    organisation=organisation_name,
                    wave=wave,
                    next=wave + 1,
                )
                return self._outcome(person, [confirm])
            rows = rounds.close_organisation_round(
                session, organisation=found, round_length=self.policy.round_length, now=utcnow()
            )
            teams = [(row.team_id, row.wave) for row in rows]
        said = message(
            "hr_round_closed", organisation=organisation_name, wave=wave, teams=len(teams)
        )
        outcome = self.overview(person, organisation_name, deployment=True)
        outcome.replies.insert(0, said)
        outcome.notices = self.calendar.closed_notices(teams, spacing=NOTICE_SPACING)
        return outcome

    def _plan(
        self, session: Session, organisation: Organisation, action: str, extra: list[str]
    ) -> Reply:
        """Planning the open round with buttons: the first day, then how many weeks."""
        wave, organisation_id = organisation.wave, organisation.id or 0
        today = self.calendar.today()
        if action == "plan":
            return message("hr_plan_start", buttons=self._start_days(organisation), wave=wave)
        start = chosen_start(extra[1] if len(extra) > 1 else "", today)
        if not extra or extra[0] != str(wave) or start is None:
            return message("hr_plan_stale", wave=wave)  # an old button, or made-up data
        if action == "start":
            buttons = [
                (
                    "hr_plan_weeks",
                    {"weeks": weeks},
                    hr_data("weeks", organisation_id, wave, f"{start:%Y%m%d}", weeks),
                )
                for weeks in PLAN_WEEKS
            ]
            return message("hr_plan_length", buttons=buttons, wave=wave, start=day_text(start))
        weeks = int(extra[2]) if len(extra) > 2 and extra[2].isdigit() else 0
        if weeks not in PLAN_WEEKS:
            return message("hr_plan_stale", wave=wave)
        planned = rounds.plan_organisation_round(
            session,
            organisation=organisation,
            starts_at=self.calendar.midnight(start),
            ends_at=self.calendar.midnight(start + timedelta(weeks=weeks)),
        )
        dates = self.calendar.dates(planned)
        return message("hr_round_planned", organisation=organisation.name, **dates)

    def _start_days(self, organisation: Organisation) -> list[tuple[str, dict[str, Any], str]]:
        """Today, and the next two Mondays: the days a round usually starts."""
        today = self.calendar.today()
        monday = today + timedelta(days=7 - today.weekday())
        days = [("hr_plan_today", today), ("hr_plan_monday", monday)]
        days.append(("hr_plan_monday", monday + timedelta(weeks=1)))
        organisation_id, wave = organisation.id or 0, organisation.wave
        return [
            (key, {"day": day_text(day)}, hr_data("start", organisation_id, wave, f"{day:%Y%m%d}"))
            for key, day in days
        ]

    def report(self, person: Person, pressed: str, *, deployment: bool) -> Outcome:
        """The organisation's report as an HTML page and an Excel file, for HR of it only.

        It reads several queries and draws charts (a second or more): the channel calls it
        away from its event loop.
        """
        raw_id = pressed.rpartition(":")[2]
        min_group = self.overview_of.min_group
        with Session(self.engine) as session:  # a read: it takes no write lock
            found = self._by_id(session, person, raw_id, deployment=deployment)
            if isinstance(found, Reply):
                return self._outcome(person, [found])
            name = found.name
            report = build_report(session, min_group=min_group, organisation=name)
        if report.waves_closed == 0:
            return self._outcome(person, [message("hr_report_no_round", organisation=name)])
        if not any(g.kind == "all" and g.people is not None for g in report.groups):
            return self._outcome(person, [message("report_no_data")])
        day = utcnow().date().isoformat()
        replies = []
        with tempfile.TemporaryDirectory(prefix="hr-report-") as folder:
            for fmt, caption in REPORT_FILES:
                filename = report_filename(name, day, fmt)
                out = Path(folder) / filename
                write(report, self.overview_of.dialogue, fmt, out)
                if out.stat().st_size > MAX_DOCUMENT_BYTES:
                    return self._outcome(person, [message("hr_report_too_big")])
                document = Document(filename, out.read_bytes())
                replies.append(document_message(caption, document, organisation=name))
        return self._outcome(person, replies)

    def _scope(
        self, session: Session, person: Person, name: str | None, *, deployment: bool
    ) -> Organisation | Reply:
        """The organisation this person asked for and may see, or what to tell them."""
        granted = team_queries.granted_organisations(session, pseudonym=self._pseudonym(person))
        if not deployment:
            found = (session.get(Organisation, organisation_id) for organisation_id in granted)
            allowed = [o for o in found if o is not None]
            named = [o for o in allowed if name and o.name.casefold() == name.casefold()]
            chosen = named or allowed
            return chosen[0] if chosen else message("hr_only")
        if name:
            by_name = team_queries.organisation_named(session, name=name)
            return by_name if by_name is not None else message("hr_no_such_organisation", name=name)
        every = team_queries.organisations(session)
        if len(every) == 1:
            return every[0]
        if not every:
            return message("report_no_data")
        names = ", ".join(o.name for o in every)
        return message("hr_choose_organisation", names=names)

    def _by_id(
        self, session: Session, person: Person, raw_id: str, *, deployment: bool
    ) -> Organisation | Reply:
        found = session.get(Organisation, int(raw_id)) if raw_id.isdigit() else None
        if found is None:
            return message("hr_only")
        granted = team_queries.granted_organisations(session, pseudonym=self._pseudonym(person))
        return found if deployment or found.id in granted else message("hr_only")

    def _outcome(self, person: Person, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=self._language(person))
