"""Actions a team lead records after the team meeting, and reminders at their date.

All with buttons: what (a suggestion of the round, or typed), who (a role, never a name),
when (in 2, 4 or 6 weeks). Each tap names the team by its code and the action by its id;
both are checked against the lead on every tap. Channel-free, like the rest of the service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as daytime
from typing import Any

from sqlmodel import Session

from bot.service.outcome import Notice, Outcome, Person, message
from bot.service.people import People
from dialogues.loader import Dialogue
from placement.kit import conversation_kit
from placement.team import Means, team_advice
from statemachine import Reply
from storage import action_queries, lead_queries, rounds, team_queries
from storage.action_queries import BUSY, OUTCOMES, REPLACED
from storage.db import transaction
from storage.models import Team, TeamAction, TeamRound, as_utc, utcnow
from storage.names import clean_name
from storage.team_queries import TeamFigures

# Team button actions that start with this belong here ("team:act.<step>...:<code>").
ACTION_PREFIX = "act"
MAX_OPEN = 2  # open actions per team round: one or two is what a team can carry
MAX_SUGGESTIONS = 4
MAX_WHAT = 120  # characters of a typed action
WHO = ("lead", "team", "peer")
WEEKS = (2, 4, 6)
# A reminder comes in the morning of its day, on the organisation's clock.
REMIND_HOUR = 9
TEAM_PREFIX = "team"


def action_data(step: str, code: str, *parts: object) -> str:
    """Callback data of an action button: 'team:act.<step>.<parts>:<code>', under 64 bytes."""
    return f"{TEAM_PREFIX}:{'.'.join((ACTION_PREFIX, step, *map(str, parts)))}:{code}"


def suggestions(dialogue: Dialogue, closed: TeamRound) -> list[str]:
    """What the round suggests doing: the lead's interventions, then the kit's questions.

    Keys into the locale ('tip.<tip>' or 'kit.<topic>.<question>'), the same every time the
    round is looked at, so a button can name one by its place in the list.
    """
    figures = TeamFigures.of_round(closed).means
    means: Means = {key: mean for key, (mean, _) in figures.items()}
    tips = [f"tip.{tip}" for tip in team_advice(dialogue, means).tips]
    kit = conversation_kit(dialogue, means, closed.roles or {})
    questions = [f"kit.{topic}.{key}" for topic, key in kit.questions]
    return [*tips, *questions][:MAX_SUGGESTIONS]


class Actions:
    """Recording a team's actions step by step, listing them, and taking the due ones."""

    def __init__(self, people: People, min_group: int) -> None:
        self.engine = people.engine
        self.dialogue = people.dialogue
        self.policy = people.policy
        self.min_group = min_group
        self._pseudonym = people.pseudonym_of
        self._language = people.language_of
        self._local = people.local

    def button(self, code: str) -> tuple[str, dict[str, Any], str]:
        """The button under the kit that starts choosing an action."""
        return ("action_choose_button", {}, action_data("start", code))

    def press(self, person: Person, action: str, code: str) -> Outcome:
        """One tap of the walk: start, a suggestion, typing, who, when, replace, stop, outcome."""
        step, *parts = action.split(".")[1:] or [""]
        number = int(parts[0]) if parts and parts[0].isdigit() else -1
        choice = parts[1] if len(parts) > 1 else ""
        with transaction(self.engine) as session:
            team = self._own_team(session, person, code)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            if step == "stop":
                return self._tapped(person, [message("action_stopped")])
            if step in ("who", "when", "out"):
                found = action_queries.team_action(session, team_id=team.id or 0, action_id=number)
                if found is None:
                    return self._tapped(person, [message("action_gone")])
                if step == "who" and choice in WHO:
                    return self._tapped(person, [self._set_who(session, team, found, choice)])
                if step == "when" and choice.isdigit() and int(choice) in WEEKS:
                    replies = self._set_when(session, person, team, found, int(choice))
                    return self._tapped(person, replies)
                if step == "out" and choice in OUTCOMES:
                    return self._tapped(person, [self._set_outcome(session, found, choice)])
                return self._tapped(person, [message("action_gone")])
            latest = self._latest_round(session, team)
            if latest is None:  # no round with a picture: nothing to choose from
                return self._outcome(person, [message("action_no_round", team=team.name)])
            if step == "rep":
                replaced = action_queries.team_action(
                    session, team_id=team.id or 0, action_id=number
                )
                if replaced is not None and replaced.wave == latest.wave:
                    replaced.outcome = REPLACED
                    session.add(replaced)
                    session.flush()
            full = self._full(session, team, latest)
            if full is not None:
                return self._outcome(person, [full])
            if step == "own":
                return self._tapped(person, [self._ask_text(team)])
            offered = suggestions(self.dialogue, latest)
            if step == "what" and 0 <= number < len(offered):
                started = action_queries.start_action(
                    session,
                    team_id=team.id or 0,
                    wave=latest.wave,
                    what_key=offered[number],
                    what_text=None,
                )
                return self._tapped(person, [self._ask_who(team, started)])
            return self._outcome(person, [self._ask_what(team, latest, offered)])

    def typed(self, person: Person, team_name: str, text: str | None) -> Outcome:
        """The lead's own words for an action, typed as a reply; then who is asked."""
        what = clean_name(text, MAX_WHAT)
        with transaction(self.engine) as session:
            wanted = team_queries.folded(team_name)
            own = team_queries.teams_led_by(session, lead=self._pseudonym(person))
            team = next((t for t in own if team_queries.folded(t.name) == wanted), None)
            if team is None:
                return self._outcome(person, [message("not_your_team")])
            latest = self._latest_round(session, team)
            if latest is None:
                return self._outcome(person, [message("action_no_round", team=team.name)])
            if not what:
                return self._outcome(person, [self._ask_text(team)])
            full = self._full(session, team, latest)
            if full is not None:
                return self._outcome(person, [full])
            started = action_queries.start_action(
                session, team_id=team.id or 0, wave=latest.wave, what_key=None, what_text=what
            )
            return self._outcome(person, [self._ask_who(team, started)])

    def views(self, session: Session, team: Team, wave: int) -> list[dict[str, Any]]:
        """The round's recorded actions as the templates show them."""
        recorded = action_queries.round_actions(session, team_id=team.id or 0, wave=wave)
        return [self._view(action) for action in recorded]

    def due(self, *, spacing: timedelta) -> list[Notice]:
        """Takes the actions whose date came (each once) as reminders to their teams' leads."""
        now = utcnow()
        with transaction(self.engine) as session:
            taken = action_queries.take_due_actions(session, now=now)
            notices = []
            for n, due in enumerate(taken):
                action = due.action
                buttons: list[tuple[str, dict[str, Any], str]] = [
                    (
                        f"action_out_{outcome}",
                        {},
                        action_data("out", due.team_code, action.id, outcome),
                    )
                    for outcome in OUTCOMES
                ]
                reply = Reply(
                    "team_action",
                    {
                        "ask": "action_reminder",
                        "params": {"team": due.team_name},
                        "action": self._view(action),
                        "buttons": buttons,
                    },
                )
                notices.append(Notice(due.address, now + n * spacing, due.language, reply))
        return notices

    def _ask_what(self, team: Team, latest: TeamRound, offered: list[str]) -> Reply:
        buttons: list[tuple[str, dict[str, Any], str]] = [
            ("action_pick_button", {"n": n + 1}, action_data("what", team.code, n))
            for n in range(len(offered))
        ]
        buttons.append(("action_own_button", {}, action_data("own", team.code)))
        buttons.append(("action_stop_button", {}, action_data("stop", team.code)))
        data = {"team": team.name, "wave": latest.wave, "suggestions": offered, "buttons": buttons}
        return Reply("action_what", data)

    def _ask_text(self, team: Team) -> Reply:
        asked = message("action_ask_what", team=team.name, most=MAX_WHAT)
        return Reply(asked.template, {**asked.data, "answer_by_reply": True, "hint": "action_hint"})

    def _ask_who(self, team: Team, action: TeamAction) -> Reply:
        buttons: list[tuple[str, dict[str, Any], str]] = [
            (f"action_who_{who}_button", {}, action_data("who", team.code, action.id, who))
            for who in WHO
        ]
        return self._step(action, "action_who_ask", buttons)

    def _set_who(self, session: Session, team: Team, action: TeamAction, who: str) -> Reply:
        action.who = who
        session.add(action)
        session.flush()
        today = self._local(utcnow()).date()
        buttons: list[tuple[str, dict[str, Any], str]] = [
            (
                "action_when_button",
                {"weeks": weeks, "date": self._day(today + timedelta(weeks=weeks))},
                action_data("when", team.code, action.id, weeks),
            )
            for weeks in WEEKS
        ]
        return self._step(action, "action_when_ask", buttons)

    def _set_when(
        self, session: Session, person: Person, team: Team, action: TeamAction, weeks: int
    ) -> list[Reply]:
        if action.due_at is None:  # a second tap on the same question changes nothing
            others = action_queries.open_actions(session, team_id=team.id or 0, wave=action.wave)
            if len(others) >= MAX_OPEN:
                full = self._full(session, team, None, wave=action.wave)
                return [full] if full else []
            action.due_at = self._morning_in(weeks)
            session.add(action)
            session.flush()
            if person.address is not None:  # to remind them at the date
                lead_queries.remember_lead(
                    session, pseudonym=self._pseudonym(person), address=person.address
                )
        listed = {
            "team": team.name,
            "wave": action.wave,
            "title": "action_recorded",
            "chosen": self.views(session, team, action.wave),
            "note": "action_reminder_note" if person.address is not None else None,
        }
        return [Reply("team_actions", listed)]

    def _set_outcome(self, session: Session, action: TeamAction, outcome: str) -> Reply:
        action.outcome = outcome
        if outcome == BUSY:  # asked again later
            action.due_at, action.reminded_at = self._morning_in(WEEKS[0]), None
        session.add(action)
        session.flush()
        return message(f"action_outcome_{outcome}", date=self._date(action.due_at))

    def _full(
        self, session: Session, team: Team, latest: TeamRound | None, *, wave: int = 0
    ) -> Reply | None:
        """With two open actions already: which one to replace, or stop. None if there is room."""
        wave = latest.wave if latest else wave
        open_now = action_queries.open_actions(session, team_id=team.id or 0, wave=wave)
        if len(open_now) < MAX_OPEN:
            return None
        buttons: list[tuple[str, dict[str, Any], str]] = [
            ("action_replace_button", {"n": n + 1}, action_data("rep", team.code, action.id))
            for n, action in enumerate(open_now)
        ]
        buttons.append(("action_stop_button", {}, action_data("stop", team.code)))
        listed = {
            "team": team.name,
            "wave": wave,
            "title": "action_full",
            "chosen": [self._view(action) for action in open_now],
            "note": None,
            "buttons": buttons,
        }
        return Reply("team_actions", listed)

    def _step(
        self, action: TeamAction, ask: str, buttons: list[tuple[str, dict[str, Any], str]]
    ) -> Reply:
        data = {"ask": ask, "params": {}, "action": self._view(action), "buttons": buttons}
        return Reply("team_action", data)

    def _view(self, action: TeamAction) -> dict[str, Any]:
        return {
            "key": action.what_key,
            "text": action.what_text,
            "who": action.who,
            "due": self._date(action.due_at) if action.due_at else None,
            "status": action.outcome or ("open" if action.due_at else None),
        }

    def _morning_in(self, weeks: int) -> datetime:
        """REMIND_HOUR on the organisation's clock, `weeks` from today, in UTC."""
        day = self._local(utcnow()).date() + timedelta(weeks=weeks)
        local = datetime.combine(day, daytime(REMIND_HOUR), tzinfo=self.policy.time_zone)
        return local.astimezone(UTC)

    def _date(self, moment: datetime | None) -> str:
        return self._day(self._local(as_utc(moment)).date()) if moment else "-"

    @staticmethod
    def _day(day: Any) -> str:
        """A day as people here write it (4-12-2026), like the team result."""
        return f"{day.day}-{day.month}-{day.year}"

    def _latest_round(self, session: Session, team: Team | None) -> TeamRound | None:
        """The newest closed round with a picture (big enough): actions belong to it."""
        if team is None:
            return None
        closed = rounds.closed_rounds(session, team_id=team.id or 0)
        latest = closed[0] if closed else None
        return latest if latest is not None and latest.people >= self.min_group else None

    def _own_team(self, session: Session, person: Person, code: str) -> Team | None:
        team = team_queries.team_by_code(session, code=code)
        if team is None or team.closed_at is not None:
            return None
        return team if team.lead == self._pseudonym(person) else None

    def _outcome(self, person: Person, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=self._language(person))

    def _tapped(self, person: Person, replies: list[Reply]) -> Outcome:
        """A step answered: the tapped question's buttons go."""
        outcome = self._outcome(person, replies)
        outcome.handled_tap = True
        return outcome
