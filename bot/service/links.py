"""What the code in a shared link means: a team, an organisation's lead link, or HR access."""

from __future__ import annotations

from sqlmodel import Session

from bot.service.outcome import message
from bot.service.people import Loaded
from bot.service.policy import Policy
from statemachine import Reply
from storage import lead_queries, team_queries
from storage.models import Team, utcnow


def follow_link(
    session: Session, loaded: Loaded, code: str, policy: Policy, *, guesser: str
) -> tuple[Team | None, list[Reply]]:
    """The team the scan counts for, if any, and a word about the link.

    Someone guessing codes is slowed down. Wrong codes are counted by `guesser`
    (People.code_guesser_of), never by the pseudonym, so they do not point to the respondent.
    """
    assert loaded.respondent is not None
    name = loaded.respondent.pseudonym
    since = utcnow() - policy.wrong_code_window
    if (
        team_queries.wrong_codes_since(session, guesser=guesser, since=since)
        >= policy.wrong_codes_allowed
    ):
        return None, [message("code_wait")]
    team = team_queries.team_by_code(session, code=code)
    if team is not None and team.closed_at is not None:  # ended by its lead: said kindly
        return None, [message("team_link_closed", team=team.name)]
    if team is not None:
        return team, [message("team_joined", team=team.name)]
    taken = team_queries.take_over_team(session, code=code, lead=name)
    if taken is not None:  # a hand-over link: this person leads the team from now on
        lead_queries.forget_leads_without_team(session)  # the old lead's address, if no team
        return None, [message("team_taken_over", team=taken.name)]
    organisation = team_queries.organisation_by_code(session, code=code)
    if organisation is not None:  # a lead link: this person makes teams in it
        renamed = team_queries.join_organisation(
            session,
            pseudonym=name,
            organisation=organisation,
            now=utcnow(),
            round_length=policy.round_length,
        )
        notes = [message("team_renamed", old=old, team=team.name) for old, team in renamed]
        return None, [message("organisation_joined", organisation=organisation.name), *notes]
    invites_since = utcnow() - policy.hr_invite_valid
    if team_queries.use_hr_invite(session, code=code, pseudonym=name, since=invites_since):
        return None, [message("hr_granted")]
    team_queries.record_wrong_code(session, guesser=guesser)
    return None, [message("code_unknown")]
