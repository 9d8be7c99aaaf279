"""HR in the chat: one organisation's closed rounds, and closing its open round.

HR who opened an admin's link see the organisation the link was made for and no other.
Deployment HR and admins (named in the settings) name the organisation; with only one,
they need not. Every call checks this again; the channel only says who is in the settings.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.service.outcome import Outcome, Person, message
from bot.service.people import People
from reports.overview import HrOverview
from statemachine import Reply
from storage import rounds, team_queries
from storage.db import transaction
from storage.models import Organisation, utcnow

HR_PREFIX = "hr"


def hr_data(action: str, organisation_id: int) -> str:
    return f"{HR_PREFIX}:{action}:{organisation_id}"


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
        close = [("hr_close_button", {"wave": found.wave}, hr_data("close", found.id or 0))]
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
