"""HR in the chat: one organisation's closed rounds, and closing its open round.

HR who opened an admin's link see the organisation the link was made for and no other.
Deployment HR and admins (named in the settings) name the organisation; with only one,
they need not. Every call checks this again; the channel only says who is in the settings.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

from sqlmodel import Session

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


def hr_data(action: str, organisation_id: int) -> str:
    return f"{HR_PREFIX}:{action}:{organisation_id}"


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
        self.policy = people.policy
        self.overview_of = overview
        self._pseudonym = people.pseudonym_of
        self._language = people.language_of

    def overview(self, person: Person, name: str | None, *, deployment: bool) -> Outcome:
        """The latest closed round of the person's organisation, and a button to close the next."""
        with Session(self.engine) as session:
            found = self._scope(session, person, name, deployment=deployment)
        if isinstance(found, Reply):
            return self._outcome(person, [found])
        reply = self.overview_of.reply(found.name)
        close = [
            ("hr_report_button", {}, hr_data(REPORT, found.id or 0)),
            ("hr_close_button", {"wave": found.wave}, hr_data("close", found.id or 0)),
        ]
        status = message("hr_round_open", buttons=close, wave=found.wave)
        return self._outcome(person, [reply, status])

    def press(self, person: Person, data: str, *, deployment: bool) -> Outcome:
        """A tapped HR button: ask to close the organisation's round, or close it."""
        _, _, rest = data.partition(":")
        action, _, raw_id = rest.partition(":")
        with transaction(self.engine) as session:
            found = self._by_id(session, person, raw_id, deployment=deployment)
            if isinstance(found, Reply):
                return self._outcome(person, [found])
            wave, organisation_id, organisation_name = found.wave, found.id or 0, found.name
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
            teams = rounds.close_organisation_round(
                session, organisation=found, round_length=self.policy.round_length, now=utcnow()
            )
        closed = message("hr_round_closed", organisation=organisation_name, wave=wave, teams=teams)
        outcome = self.overview(person, organisation_name, deployment=True)
        outcome.replies.insert(0, closed)
        return outcome

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
