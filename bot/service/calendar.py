"""The calendar of rounds: their days as people here read them, and what leads hear unasked.

A lead hears from the bot without asking twice a round: halfway through a planned
organisation round (share the link once more) and when their team's round closed (the
result is ready). Only a lead who left a chat address (storage.lead_queries) can be told.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot.service.outcome import Notice, message
from bot.service.people import People
from bot.service.teams import team_data
from statemachine import Reply
from storage import lead_queries, rounds, team_queries
from storage.db import transaction
from storage.models import OrganisationRound, Team, TeamRound, as_utc, utcnow

# Leads hear halfway through at this hour of the organisation's clock, not at midnight.
HALFWAY_HOUR = 9


def day_text(day: date) -> str:
    """A day as people here write it: 7-12-2026."""
    return f"{day.day}-{day.month}-{day.year}"


class RoundCalendar:
    """Days on the organisation's clock, and the notices rounds give their leads."""

    def __init__(self, people: People, min_group: int) -> None:
        self.engine = people.engine
        self.zone = people.policy.time_zone
        self.min_group = min_group

    def today(self) -> date:
        return utcnow().astimezone(self.zone).date()

    def midnight(self, day: date) -> datetime:
        """The start of a day on the organisation's clock, in UTC as everything is stored."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def halfway(self, planned: OrganisationRound) -> datetime:
        """When leads hear halfway through: the middle day, in the morning."""
        start, end = as_utc(planned.starts_at), as_utc(planned.ends_at)
        middle = (start + (end - start) / 2).astimezone(self.zone).date()
        return datetime.combine(middle, time(HALFWAY_HOUR), tzinfo=self.zone).astimezone(UTC)

    def dates(self, planned: OrganisationRound) -> dict[str, Any]:
        """A planned round's days as people read them; the last day is the one before the end."""
        start = as_utc(planned.starts_at).astimezone(self.zone).date()
        last = as_utc(planned.ends_at).astimezone(self.zone).date() - timedelta(days=1)
        middle = self.halfway(planned).astimezone(self.zone).date()
        return {
            "wave": planned.wave,
            "start": day_text(start),
            "end": day_text(last),
            "halfway": day_text(middle),
        }

    def halfway_notices(self, *, spacing: timedelta) -> list[Notice]:
        """Takes the planned rounds that reached their middle (each once) as notices to leads."""
        now = utcnow()
        notices: list[Notice] = []
        with transaction(self.engine) as session:
            for row in rounds.open_planned_rounds(session):
                if row.halfway_sent_at or self.halfway(row) > now:
                    continue
                if not rounds.take_halfway(session, planned=row, now=now):
                    continue  # another worker took it
                last = as_utc(row.ends_at).astimezone(self.zone).date() - timedelta(days=1)
                teams = rounds.open_teams_in_round(
                    session, organisation_id=row.organisation_id, wave=row.wave
                )
                for team in teams:
                    finished = team_queries.finished_in_team(
                        session, team_id=team.id or 0, wave=team.wave
                    )
                    reply = message(
                        "team_halfway",
                        buttons=[("team_halfway_card", {}, team_data("card", team.code))],
                        team=team.name,
                        wave=row.wave,
                        finished=finished,
                        min_group=self.min_group,
                        end=day_text(last),
                    )
                    notices += self._to_lead(session, team, reply, now + len(notices) * spacing)
        return notices

    def closed_notices(self, closed: list[tuple[int, int]], *, spacing: timedelta) -> list[Notice]:
        """Tells the lead of each closed team round (team id, round) that it closed."""
        now = utcnow()
        notices: list[Notice] = []
        with Session(self.engine) as session:
            for team_id, wave in closed:
                team, counted = session.get(Team, team_id), session.get(TeamRound, (team_id, wave))
                if team is None or counted is None or team.closed_at is not None:
                    continue
                key = (
                    "team_closed_ready" if counted.people >= self.min_group else "team_closed_small"
                )
                reply = message(
                    key,
                    buttons=[("team_closed_show", {}, team_data("show", team.code))],
                    team=team.name,
                    wave=wave,
                    people=counted.people,
                    min_group=self.min_group,
                )
                notices += self._to_lead(session, team, reply, now + len(notices) * spacing)
        return notices

    def _to_lead(
        self, session: Session, team: Team, reply: Reply, moment: datetime
    ) -> list[Notice]:
        reach = lead_queries.lead_reach(session, pseudonym=team.lead)
        if reach is None:
            return []
        address, language = reach
        return [Notice(address, moment, language, reply)]
