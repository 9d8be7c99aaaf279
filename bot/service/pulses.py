"""The pulse for team leads: sent 6-12 weeks after a shown round, closed, then compared.

The pulse asks the team only the items behind the kit's questions (placement.pulse). Like a
round it shows figures only once closed and only when at least the minimum group answered;
then it is frozen (storage.pulses). Channel-free: it returns what to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.service.outcome import Outcome, Person, message
from placement.pulse import (
    Focus,
    compare,
    focus_from_stored,
    focus_questions,
    pulse_focus,
    stored_focus,
)
from statemachine import Reply
from storage import pulses, rounds
from storage.db import transaction
from storage.models import Team, TeamPulse, TeamRound, as_utc, utcnow
from storage.team_queries import TeamFigures

if TYPE_CHECKING:
    from bot.service.teams import Teams

ACTIONS = frozenset({"pulse", "pulse_close", "pulse_close_yes"})
Button = tuple[str, dict[str, Any], str]  # message key of the label, its placeholders, data


def focus_of(pulse: TeamPulse) -> list[Focus]:
    return focus_from_stored(pulse.focus)


@dataclass(frozen=True)
class PulseWindow:
    """From `after` to `until` after a round closed, its lead may send a pulse."""

    after: timedelta
    until: timedelta

    def holds(self, closed_at: datetime, now: datetime) -> bool:
        return self.after <= now - as_utc(closed_at) <= self.until


class TeamPulses:
    """The lead's side of the pulse; who may act is checked by Teams on every call."""

    def __init__(self, teams: Teams) -> None:
        self.teams = teams
        self.dialogue = teams.dialogue
        rules = self.dialogue.scoring.pulse
        self.window = PulseWindow(
            timedelta(days=rules.after_days), timedelta(days=rules.until_days)
        )

    def focus(self, closed: TeamRound) -> list[Focus]:
        means = {k: m for k, (m, _) in TeamFigures.of_round(closed).means.items()}
        return pulse_focus(self.dialogue, dict(means), closed.roles or {})

    def reply(self, session: Session, team: Team, closed: TeamRound) -> Reply | None:
        """What the team result says about the pulse after this shown round, if anything."""
        pulse = pulses.pulse_of_round(session, team_id=team.id or 0, wave=closed.wave)
        if pulse is None:
            focus = self.focus(closed)
            if not focus or not self.window.holds(closed.closed_at, utcnow()):
                return None
            button: Button = ("pulse_send_button", {}, _data("pulse", team.code))
            count = len(focus_questions(focus))
            return message(
                "pulse_offer", buttons=[button], team=team.name, wave=closed.wave, questions=count
            )
        if pulse.closed_at is None:
            return self._open(team, pulse, pulses.answered(session, pulse=pulse))
        return self._result(team, closed, pulse)

    def press(self, person: Person, action: str, code: str) -> Outcome:
        """The pulse buttons: send it (its link), close it (asked first), closed: compared."""
        teams = self.teams
        with transaction(teams.engine) as session:
            team = teams.own_team(session, person, code)
            if team is None:
                return teams.outcome(person, [message("not_your_team")])
            closed = rounds.closed_rounds(session, team_id=team.id or 0)
            shown = closed[0] if closed else None  # the pulse follows the latest round
            if shown is None or shown.people < teams.min_group:
                return teams.outcome(person, [message("pulse_none")])
            pulse = pulses.pulse_of_round(session, team_id=team.id or 0, wave=shown.wave)
            reply = self._act(session, team, shown, pulse, action)
            session.expunge(team)  # its name is read after the commit
        if reply is None:  # closed just now: the result with the comparison
            return teams.results(person, code)
        return teams.outcome(person, [reply])

    def _act(
        self,
        session: Session,
        team: Team,
        shown: TeamRound,
        pulse: TeamPulse | None,
        action: str,
    ) -> Reply | None:
        if action == "pulse":
            if pulse is None:
                focus = self.focus(shown)
                if not focus or not self.window.holds(shown.closed_at, utcnow()):
                    return message("pulse_none")
                pulse = pulses.open_pulse(
                    session,
                    team_id=team.id or 0,
                    wave=shown.wave,
                    focus=stored_focus(focus),
                    now=utcnow(),
                )
            if pulse.closed_at is not None:
                return self._result(team, shown, pulse)
            return self._open(team, pulse, pulses.answered(session, pulse=pulse))
        if pulse is None or pulse.closed_at is not None:
            return message("pulse_none")
        if action == "pulse_close":
            count = pulses.answered(session, pulse=pulse)
            buttons: list[Button] = [
                ("pulse_close_yes", {}, _data("pulse_close_yes", team.code)),
                ("pulse_close_no", {}, _data("show", team.code)),
            ]
            key = "pulse_close_confirm" if count >= self.teams.min_group else "pulse_close_small"
            return message(
                key,
                buttons=buttons,
                team=team.name,
                answered=count,
                min_group=self.teams.min_group,
            )
        rounds.lock_team(session, team_id=team.id or 0)  # one closing at a time
        session.refresh(pulse)
        if pulse.closed_at is None:
            pulses.close_pulse(session, pulse=pulse, min_group=self.teams.min_group, now=utcnow())
        return None

    def _open(self, team: Team, pulse: TeamPulse, answered: int) -> Reply:
        buttons: list[Button] = [("pulse_close_button", {}, _data("pulse_close", team.code))]
        data: dict[str, Any] = {"team": team, "code": pulse.code, "answered": answered}
        data |= {"min_group": self.teams.min_group, "buttons": buttons}
        data["questions"] = len(focus_questions(focus_of(pulse)))
        return Reply("team_pulse", data)

    def _result(self, team: Team, closed: TeamRound, pulse: TeamPulse) -> Reply:
        if pulse.people < self.teams.min_group or pulse.counts is None:
            min_group = self.teams.min_group
            return message(
                "pulse_too_small", team=team.name, answered=pulse.people, min_group=min_group
            )
        before = TeamFigures.of_round(closed).distributions
        after = pulses.distributions(pulse.counts)
        rules = self.dialogue.scoring.pulse
        rows = [
            (f, compare(before.get(f.measure, {}), after.get(f.measure, {}), rules))
            for f in focus_of(pulse)
        ]
        data = {"team": team, "wave": closed.wave, "people": pulse.people, "rows": rows}
        return Reply("team_pulse_result", data)


def _data(action: str, code: str) -> str:
    from bot.service.teams import team_data  # here: bot.service.teams imports this module

    return team_data(action, code)
