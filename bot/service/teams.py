"""Teams for team leads: a code to share, and the team's picture of each closed round.

Like the rest of the service this knows nothing of any channel: it returns what to say. Who
may see a team is checked on every call: only the lead who made it, known by pseudonym.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.service.actions import ACTION_PREFIX, Actions
from bot.service.outcome import Outcome, Person, message
from bot.service.people import People
from bot.service.pulses import ACTIONS as PULSE_ACTIONS
from bot.service.pulses import TeamPulses
from placement.kit import conversation_kit
from placement.layers import group_imbalance
from placement.regie import groups, strongest_and_weakest
from placement.team import team_advice
from reports.hr import phase_layers
from statemachine import Reply
from storage import lead_queries, rounds, team_queries
from storage.db import transaction
from storage.models import Team, TeamRound, as_utc, utcnow
from storage.names import clean_name
from storage.team_queries import TeamFigures

LEAD_LAYER = "leidinggevende"

TEAM_PREFIX = "team"
# Phases seen of two layers this far apart (in the team's averages) are called out.


# The team card (again) and its buttons, and the answers to ending a team.
MANAGE = frozenset({"card", "rename", "a4", "a6", "handover", "end", "end_yes", "end_no"})


def ask_by_reply(key: str, **params: Any) -> Reply:
    """A question whose answer is typed as a reply to it (the front end asks for that)."""
    asked = message(key, **params)
    return Reply(asked.template, {**asked.data, "answer_by_reply": True})


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
        self._local = people.local
        self.min_group = min_group
        # The actions a lead records after the team meeting: their buttons come through here.
        self.actions = Actions(people, min_group)
        # The role whose own layer is the lead's: their self-rating as lead is stored there.
        self._lead_role = next(
            r.value for r in self.dialogue.scoring.roles.options if r.layer == LEAD_LAYER
        )
        self._preference_question = self.dialogue.scoring.preference.question
        self.pulses = TeamPulses(self)

    def team(self, person: Person, name: str | None) -> Outcome:
        """Makes a team to share; without a name, asks for one (typed as a reply).

        A 'team_card' reply carries the team: the front end shows its card (name, invitation,
        QR code) with buttons to rename, print or end it. A name is unique within the
        organisation (outside one, among the lead's own teams), ignoring case: a taken name
        makes no second team, and shows the lead their own team again.
        """
        lead = self._pseudonym(person)
        clean = clean_name(name)
        if not clean:
            return self._outcome(person, [ask_by_reply("team_ask_name")])
        with transaction(self.engine) as session:
            notes: list[Reply] = []
            teams: list[Team] = []
            taken = team_queries.team_named(session, name=clean, lead=lead)
            if taken is None:
                teams = [self._create(session, clean, lead)]
            elif taken.lead == lead and taken.closed_at is None:  # their own: its card again
                notes, teams = [message("team_name_yours", team=taken.name)], [taken]
            else:
                notes = [message("team_name_taken", team=taken.name)]
            if teams:
                self._remember(session, person)
            for team in teams:
                session.expunge(team)
        return self._outcome(person, [*notes, *(self._card(team) for team in teams)])

    def rename(self, person: Person, old: str, name: str | None) -> Outcome:
        """Gives the lead's team called `old` a new name, if that name is free."""
        lead = self._pseudonym(person)
        clean = clean_name(name)
        with transaction(self.engine) as session:
            wanted = team_queries.folded(old)
            own = team_queries.teams_led_by(session, lead=lead)
            team = next((t for t in own if team_queries.folded(t.name) == wanted), None)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            if not clean:
                return self._outcome(person, [ask_by_reply("team_rename_ask", team=team.name)])
            taken = team_queries.team_named(session, name=clean, lead=lead)
            if taken is not None and taken.id != team.id:
                return self._outcome(person, [message("team_name_taken", team=taken.name)])
            before = team.name
            team_queries.rename_team(session, team=team, name=clean)
            session.expunge(team)
        renamed = message("team_renamed_by_lead", old=before, team=team.name)
        return self._outcome(person, [renamed, self._card(team)])

    def _card(self, team: Team) -> Reply:
        code = team.code
        buttons: list[tuple[str, dict[str, Any], str]] = [
            ("team_rename_button", {}, team_data("rename", code)),
            ("team_poster_a4_button", {}, team_data("a4", code)),
            ("team_poster_a6_button", {}, team_data("a6", code)),
            ("team_handover_button", {}, team_data("handover", code)),
            ("team_end_button", {}, team_data("end", code)),
        ]
        return Reply("team_card", {"team": team, "buttons": buttons})

    def _manage(self, person: Person, action: str, code: str) -> Outcome:
        """The card's buttons: a new name asked, a poster, a hand-over link, ending (asked)."""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            offered = team_queries.offer_team(session, team=team) if action == "handover" else ""
            if action == "end_yes":
                rounds.lock_team(session, team_id=team.id or 0)
                session.refresh(team)
                team_queries.end_team(
                    session, team=team, now=utcnow(), round_length=self.policy.round_length
                )
                lead_queries.forget_leads_without_team(session)  # no team: no address kept
            session.expunge(team)
        name = team.name
        replies: dict[str, Reply] = {
            "card": self._card(team),
            "rename": ask_by_reply("team_rename_ask", team=name),
            "a4": Reply("team_poster", {"team": team, "size": "A4"}),
            "a6": Reply("team_poster", {"team": team, "size": "A6"}),
            "handover": Reply("team_handover", {"team": team, "code": offered}),
            "end": message(
                "team_end_confirm",
                buttons=[
                    ("team_end_yes", {"team": name}, team_data("end_yes", code)),
                    ("team_end_no", {}, team_data("end_no", code)),
                ],
                team=name,
            ),
            "end_yes": message("team_ended", team=name),
            "end_no": message("team_end_kept", team=name),
        }
        outcome = self._outcome(person, [replies[action]])
        outcome.handled_tap = action in ("end_yes", "end_no")  # the question's buttons go
        return outcome

    def _create(self, session: Session, name: str, lead: str) -> Team:
        ends = utcnow() + self.policy.round_length
        return team_queries.create_team(session, name=name, lead=lead, round_ends_at=ends)

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

    def hr_access(self, person: Person, name: str | None, revoke: bool = False) -> Outcome:
        """Makes a one-time HR link for one organisation, or takes all such access back."""
        clean = clean_name(name)
        with transaction(self.engine) as session:
            if revoke:
                revoked = team_queries.revoke_hr_grants(session)
                return self._outcome(person, [message("hr_revoked", revoked=revoked)])
            if not clean:
                return self._outcome(person, [message("hr_access_needs_organisation")])
            organisation = team_queries.organisation_named(session, name=clean)
            if organisation is None:
                unknown = message("hr_no_such_organisation", name=clean)
                return self._outcome(person, [unknown])
            invite = team_queries.create_hr_invite(session, organisation_id=organisation.id or 0)
            session.expunge(invite)
            name = organisation.name
        days = self.policy.hr_invite_valid.days
        data = {"invite": invite, "days": days, "organisation": name}
        return self._outcome(person, [Reply("hr_invite", data)])

    def has_hr_access(self, person: Person) -> bool:
        """True when an admin's HR link was opened by this person and not taken back."""
        with Session(self.engine) as session:
            return team_queries.has_hr_grant(session, pseudonym=self._pseudonym(person))

    def press(self, person: Person, data: str) -> Outcome:
        """Handles a tapped team button: results, or closing the round (asked, then done)."""
        _, _, rest = data.partition(":")
        action, _, code = rest.partition(":")
        if action == "close":
            return self.ask_to_close(person, code)
        if action == "close_yes":
            return self.close_round(person, code)
        if action in MANAGE:
            return self._manage(person, action, code)
        if action.split(".")[0] == ACTION_PREFIX:
            return self.actions.press(person, action, code)
        if action in PULSE_ACTIONS:
            outcome = self.pulses.press(person, action, code)
            outcome.handled_tap = action == "pulse_close_yes"  # the question's buttons go
            return outcome
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
        """The latest closed round's picture (if big enough), and how the open round is going.

        Figures come only from closed rounds, frozen when they closed: looking before and
        after one more person finishes (or deletes their data) shows the same picture.
        """
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            finished = team_queries.finished_in_team(session, team_id=team.id or 0, wave=team.wave)
            closed = rounds.closed_rounds(session, team_id=team.id or 0)
            for kept in closed:
                session.expunge(kept)
            chosen = self.actions.views(session, team, closed[0].wave) if closed else []
            lead_self = team_queries.own_phase(
                session, pseudonym=team.lead, layer=LEAD_LAYER, role=self._lead_role
            )
            self._remember(session, person)
            shown = closed[0] if closed and closed[0].people >= self.min_group else None
            pulse = self.pulses.reply(session, team, shown) if shown else None
            session.expunge(team)
        replies: list[Reply] = []
        if closed:
            latest = closed[0]
            if latest.people >= self.min_group:
                # Compared with the last earlier round that could be shown on its own: a
                # small round is not shown, not even as a difference.
                earlier = next((r for r in closed[1:] if r.people >= self.min_group), None)
                picture = self._picture(team, latest, earlier, lead_self)
                picture["chosen"] = chosen  # recorded after the meeting about this round
                replies.append(Reply("team_result", picture))
                replies.append(self._kit(team, latest, picture))
                replies += [pulse] if pulse else []
            else:
                replies.append(self._too_small(team, latest))
        replies.append(self._open_round(team, finished))
        return self._outcome(person, replies)

    def ask_to_close(self, person: Person, code: str) -> Outcome:
        """Asks the lead to confirm closing the open round, saying what that means."""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            finished = team_queries.finished_in_team(session, team_id=team.id or 0, wave=team.wave)
            session.expunge(team)
        buttons = [
            ("team_close_yes", {"wave": team.wave}, team_data("close_yes", team.code)),
            ("team_close_no", {}, team_data("show", team.code)),
        ]
        key = "team_close_confirm" if finished >= self.min_group else "team_close_confirm_small"
        params = {"team": team.name, "wave": team.wave, "next": team.wave + 1}
        params |= {"finished": finished, "min_group": self.min_group}
        return self._outcome(person, [message(key, buttons=buttons, **params)])

    def close_round(self, person: Person, code: str) -> Outcome:
        """Closes the open round (confirmed): its figures are frozen, the next round opens."""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            rounds.lock_team(session, team_id=team.id or 0)
            session.refresh(team)
            rounds.close_team_round(
                session, team=team, round_length=self.policy.round_length, now=utcnow()
            )
            name, wave = team.name, team.wave
        outcome = self.results(person, code)
        closed = message("team_round_closed", team=name, wave=wave - 1, next=wave)
        outcome.replies.insert(0, closed)
        return outcome

    def close_due_rounds(self) -> list[tuple[int, int]]:
        """Closes the planned organisation rounds and the team rounds that reached their end.

        Returns the team rounds closed, as (team id, round). Organisations go first: their
        teams close with them, as one round.
        """
        closed: list[tuple[int, int]] = []  # read inside each transaction: rows expire after it
        length = self.policy.round_length
        with Session(self.engine) as session:
            due_organisations = rounds.due_organisations(session, now=utcnow())
        for organisation_id in due_organisations:
            with transaction(self.engine) as session:
                rows = rounds.close_organisation_if_due(
                    session, organisation_id=organisation_id, round_length=length, now=utcnow()
                )
                closed += [(row.team_id, row.wave) for row in rows]
        with Session(self.engine) as session:
            due_teams = rounds.due_teams(session, now=utcnow())
        for team_id in due_teams:
            with transaction(self.engine) as session:
                row = rounds.close_team_if_due(
                    session, team_id=team_id, round_length=length, now=utcnow()
                )
                closed += [(row.team_id, row.wave)] if row else []
        return closed

    def _kit(self, team: Team, closed: TeamRound, picture: dict[str, Any]) -> Reply:
        """Questions and an agenda for the team meeting about a closed round's picture.

        `picture` (the team result's data) goes along: the kit's printable page shows it.
        """
        figures = TeamFigures.of_round(closed).means
        means: dict[tuple[str, str], float | None] = {k: m for k, (m, _) in figures.items()}
        kit = conversation_kit(self.dialogue, means, closed.roles or {})
        data = {"team": team, "wave": closed.wave, "kit": kit, "picture": picture}
        data["buttons"] = [self.actions.button(team.code)]  # after the meeting: an action
        return Reply("team_kit", data)

    def _too_small(self, team: Team, closed: TeamRound) -> Reply:
        return message(
            "team_round_too_small",
            team=team.name,
            wave=closed.wave,
            finished=closed.people,
            min_group=self.min_group,
        )

    def _open_round(self, team: Team, finished: int) -> Reply:
        ends = team.round_ends_at
        return message(
            "team_round_open",
            buttons=[("team_close_button", {"wave": team.wave}, team_data("close", team.code))],
            team=team.name,
            wave=team.wave,
            finished=finished,
            min_group=self.min_group,
            ends=self._date(ends) if ends else "-",
        )

    def _picture(
        self, team: Team, closed: TeamRound, earlier: TeamRound | None, lead_self: float | None
    ) -> dict[str, Any]:
        figures = TeamFigures.of_round(closed)
        before = TeamFigures.of_round(earlier) if earlier is not None else None
        layers = phase_layers(self.dialogue)
        factors = self.dialogue.model("eigen_regie").dimensions
        phases: dict[str, dict[str, Any]] = {
            layer: {
                "counts": [
                    figures.distributions.get(("groeimodel", layer), {}).get(float(p), 0)
                    for p in range(1, 6)
                ],
                "unknown": figures.distributions.get(("groeimodel", layer), {}).get(None, 0),
                "mean": figures.mean("groeimodel", layer),
                "before": before.mean("groeimodel", layer) if before else None,
                "before_wave": earlier.wave if earlier else None,
            }
            for layer in layers
        }
        # On the group's means, with the threshold of scoring.yaml (docs/scoring.md).
        imbalance = group_imbalance(
            self.dialogue.scoring.phases.imbalance,
            {layer: row["mean"] for layer, row in phases.items()},
        )
        phase_question = next(q for q in self.dialogue.questions if q.kind == "phase")
        regie = {f: figures.mean("eigen_regie", f) for f in factors}
        # The people's rule on the team's means: within one answer step is about equal.
        equal, _, _ = groups(self.dialogue.scoring.eigen_regie, regie)
        strongest, weakest = strongest_and_weakest(self.dialogue, regie)
        return {
            "team": team,
            "wave": closed.wave,
            "closed": self._date(closed.closed_at),
            "finished": figures.finished,
            "phase_emoji": [o.emoji for o in phase_question.options if not o.dont_know],
            "phases": phases,
            "factors": regie,
            "regie_equal": equal,
            "strongest": strongest,
            "weakest": weakest,
            "imbalance": imbalance,
            "preferences": self._preferences(closed),
            "advice": team_advice(
                self.dialogue, {key: mean for key, (mean, _) in figures.means.items()}
            ),
            # The lead's view of themselves next to how the team sees them (their own answer,
            # shown only to them).
            "lead_self": lead_self,
            "team_on_lead": phases.get(LEAD_LAYER, {}).get("mean"),
        }

    def _preferences(self, closed: TeamRound) -> list[tuple[str, int]]:
        """How many like to learn which way, most chosen first (equal: the question's order)."""
        liked = closed.preferences or {}
        question = next(q for q in self.dialogue.questions if q.id == self._preference_question)
        ways = [o.value for o in question.options if not o.dont_know and liked.get(o.value)]
        return sorted(((way, liked[way]) for way in ways), key=lambda item: -item[1])

    def _date(self, moment: datetime) -> str:
        """A day as people here write it (4-12-2026), on the organisation's clock."""
        local = self._local(as_utc(moment))
        return f"{local.day}-{local.month}-{local.year}"

    def _remember(self, session: Session, person: Person) -> None:
        """Keeps where the lead can be reached: the round's notices go there (calendar.py)."""
        if person.address is not None:
            lead_queries.remember_lead(
                session, pseudonym=self._pseudonym(person), address=person.address
            )

    def _own_team(self, session: Session, person: Person, code: str) -> Team | None:
        team = team_queries.team_by_code(session, code=code)
        if team is None or team.closed_at is not None:  # an ended team is no one's any more
            return None
        return team if team.lead == self._pseudonym(person) else None

    def _outcome(self, person: Person, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=self._language(person))

    # For the pulse (bot.service.pulses): the same checks, the same language.
    own_team = _own_team
    outcome = _outcome
