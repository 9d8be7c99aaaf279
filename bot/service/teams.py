"""Teams for team leads: a code to share, and the team's picture once enough people answered.

Like the rest of the service this knows nothing of any channel: it returns what to say. Who
may see a team is checked on every call: only the lead who made it, known by pseudonym.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.service.outcome import Outcome, Person, message
from bot.service.people import People
from placement.team import team_advice
from reports.hr import phase_layers
from statemachine import Reply
from storage import team_queries
from storage.db import transaction
from storage.models import Team
from storage.names import clean_name

OWN_LAYER, LEAD_LAYER = "individu", "leidinggevende"

TEAM_PREFIX = "team"
# Phases seen of two layers this far apart (in the team's averages) are called out.
IMBALANCE_GAP = 2.0


def team_data(action: str, code: str) -> str:
    """Callback data for a team button; the code is checked against the lead on every tap."""
    return f"{TEAM_PREFIX}:{action}:{code}"


class Teams:
    """Team creation and team results, each call one transaction."""

    def __init__(self, people: People, min_group: int) -> None:
        self.engine = people.engine
        self.policy = people.policy
        self.dialogue = people.dialogue
        self._pseudonym = people.pseudonym_of
        self._language = people.language_of
        self.min_group = min_group

    def team(self, person: Person, name: str | None) -> Outcome:
        """Makes a team to share; without a name, shows the person's teams again if they have any.

        A 'team_card' reply carries the team: the front end shows its link and QR code. A name
        is unique within the organisation (outside one, among the lead's own teams), ignoring
        case: a taken name makes no second team, and shows the lead their own team again.
        """
        lead = self._pseudonym(person)
        clean = clean_name(name)
        with transaction(self.engine) as session:
            teams = team_queries.teams_led_by(session, lead=lead)
            notes: list[Reply] = []
            if clean:
                taken = team_queries.team_named(session, name=clean, lead=lead)
                if taken is None:
                    teams = [team_queries.create_team(session, name=clean, lead=lead)]
                elif taken.lead == lead:  # their own: its card again
                    notes, teams = [message("team_name_yours", team=taken.name)], [taken]
                else:
                    notes, teams = [message("team_name_taken", team=taken.name)], []
            elif not teams:
                name = team_queries.free_default_name(session, lead=lead, first=1)
                teams = [team_queries.create_team(session, name=name, lead=lead)]
            for team in teams:
                session.expunge(team)
        cards = [Reply("team_card", {"team": team}) for team in teams]
        return self._outcome(person, [*notes, *cards])

    def organisation(self, person: Person, name: str | None) -> Outcome:
        """Sets up an organisation (or finds it by name) and returns its link for team leads.

        An 'organisation_card' reply carries it: the front end shows the link and QR code.
        """
        clean = clean_name(name)
        if not clean:
            return self._outcome(person, [message("organisation_needs_name")])
        with transaction(self.engine) as session:
            found = team_queries.organisation_named(session, name=clean)
            organisation = found or team_queries.create_organisation(session, name=clean)
            session.flush()
            session.expunge(organisation)
        return self._outcome(person, [Reply("organisation_card", {"organisation": organisation})])

    def hr_access(self, person: Person, revoke: bool = False) -> Outcome:
        """Makes a one-time HR link for an admin to hand out, or takes all such access back."""
        with transaction(self.engine) as session:
            if revoke:
                revoked = team_queries.revoke_hr_grants(session)
                return self._outcome(person, [message("hr_revoked", revoked=revoked)])
            invite = team_queries.create_hr_invite(session)
            session.expunge(invite)
        days = self.policy.hr_invite_valid.days
        return self._outcome(person, [Reply("hr_invite", {"invite": invite, "days": days})])

    def has_hr_access(self, person: Person) -> bool:
        """True when an admin's HR link was opened by this person and not taken back."""
        with Session(self.engine) as session:
            return team_queries.has_hr_grant(session, pseudonym=self._pseudonym(person))

    def press(self, person: Person, data: str) -> Outcome:
        """Handles a tapped team button: show a team's results or start a new round."""
        _, _, rest = data.partition(":")
        action, _, code = rest.partition(":")
        if action == "wave":
            return self.new_wave(person, code)
        return self.results(person, code)

    def overview(self, person: Person) -> Outcome:
        """Lists the person's teams with a button for each one's results."""
        with transaction(self.engine) as session:
            teams = team_queries.teams_led_by(session, lead=self._pseudonym(person))
            for team in teams:
                session.expunge(team)
        if not teams:
            return self._outcome(person, [message("no_team")])
        if len(teams) == 1:
            return self.results(person, teams[0].code)
        choices = [("team_show_button", {"team": t.name}, team_data("show", t.code)) for t in teams]
        return self._outcome(person, [message("team_choice", buttons=choices)])

    def results(self, person: Person, code: str) -> Outcome:
        """The team's picture, or only how many answered while that is below the minimum."""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            figures = team_queries.team_figures(session, team_id=team.id or 0, wave=team.wave)
            earlier = (
                team_queries.team_figures(session, team_id=team.id or 0, wave=team.wave - 1)
                if team.wave > 1
                else None
            )
            lead_self = team_queries.own_phase(session, pseudonym=team.lead, layer=OWN_LAYER)
            session.expunge(team)
        if figures.finished < self.min_group:
            waiting = message(
                "team_waiting",
                team=team.name,
                wave=team.wave,
                finished=figures.finished,
                min_group=self.min_group,
            )
            return self._outcome(person, [waiting])
        if earlier is not None and earlier.finished < self.min_group:
            earlier = None  # a small earlier round is not shown, not even as a difference
        picture = self._picture(team, figures, earlier, lead_self)
        return self._outcome(person, [Reply("team_result", picture)])

    def new_wave(self, person: Person, code: str) -> Outcome:
        """Starts a new round: later answers make a new picture, the old one is kept."""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            team.wave += 1
            session.add(team)
            session.flush()
            session.expunge(team)
        started = message("team_new_wave", team=team.name, wave=team.wave)
        return self._outcome(person, [started, Reply("team_card", {"team": team})])

    def _picture(
        self,
        team: Team,
        figures: team_queries.TeamFigures,
        earlier: team_queries.TeamFigures | None,
        lead_self: float | None,
    ) -> dict[str, Any]:
        layers = phase_layers(self.dialogue)
        factors = self.dialogue.model("eigen_regie").dimensions
        phases: dict[str, dict[str, Any]] = {
            layer: {
                "counts": [
                    figures.distributions.get(("groeimodel", layer), {}).get(float(p), 0)
                    for p in range(1, 6)
                ],
                "unknown": figures.distributions.get(("groeimodel", layer), {}).get(None, 0),
                "mean": figures.means.get(("groeimodel", layer), (None, 0))[0],
                "before": earlier.means.get(("groeimodel", layer), (None, 0))[0]
                if earlier
                else None,
            }
            for layer in layers
        }
        known: dict[str, float] = {
            layer: mean for layer, row in phases.items() if (mean := row["mean"]) is not None
        }
        gaps = [
            (high, low, known[high] - known[low])
            for high in known
            for low in known
            if known[high] - known[low] >= IMBALANCE_GAP
        ]
        phase_question = next(q for q in self.dialogue.questions if q.kind == "phase")
        return {
            "team": team,
            "finished": figures.finished,
            "phase_emoji": [o.emoji for o in phase_question.options if not o.dont_know],
            "buttons": [("team_wave_button", {}, team_data("wave", team.code))],
            "phases": phases,
            "factors": {f: figures.means.get(("eigen_regie", f), (None, 0))[0] for f in factors},
            "gaps": sorted(gaps, key=lambda gap: -gap[2]),
            "advice": team_advice(
                self.dialogue, {key: mean for key, (mean, _) in figures.means.items()}
            ),
            # The lead's view of themselves next to how the team sees them (their own answer,
            # shown only to them).
            "lead_self": lead_self,
            "team_on_lead": phases.get(LEAD_LAYER, {}).get("mean"),
        }

    def _own_team(self, session: Session, person: Person, code: str) -> Team | None:
        team = team_queries.team_by_code(session, code=code)
        return team if team is not None and team.lead == self._pseudonym(person) else None

    def _outcome(self, person: Person, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=self._language(person))
