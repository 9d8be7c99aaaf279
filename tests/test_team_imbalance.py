"""A team's imbalance is read from its layer means: a lead the team puts far behind shows."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.render import Renderer, plain_text
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from storage.models import TeamTally
from tests.test_teams import LEAD, close, members, new_team


def finish_seeing_the_lead_at(conversation: Conversation, person: Person, lead: str) -> None:
    """Every phase question 'toepassing', the lead at `lead`; statements 'klopt'."""
    reply = conversation.answer(person, "toestemming", "ja").replies[-1]
    while reply.template == "question":
        question = reply.data["question"]
        value = lead if question.id == "fase_leiding" else "toepassing"
        chosen = question.option(value) or question.option("klopt") or question.options[0]
        if question.id == "rol":
            chosen = question.option("medewerker")
        assert chosen is not None
        reply = conversation.answer(person, question.id, chosen.value).replies[-1]


def team_text(conversation: Conversation, leads: list[str]) -> str:
    teams = Teams(conversation.people, min_group=5)
    code = new_team(teams)
    for person, lead in zip(members(len(leads)), leads, strict=True):
        conversation.start(person, code)
        finish_seeing_the_lead_at(conversation, person, lead)
    close(teams, code)
    result = teams.overview(LEAD).replies[0]
    assert result.template == "team_result"
    return plain_text(Renderer(conversation.dialogue).render(result, "nl").text)


def test_five_of_six_putting_their_lead_at_phase_one_is_an_imbalance(
    conversation: Conversation,
) -> None:
    text = team_text(conversation, ["onbewust"] * 5 + ["toepassing"])
    assert "Uit balans: het team ziet gemiddeld 2,5 stappen" in text
    assert "Het minst ver: Leidinggevende." in text


def test_the_tally_counts_people_who_gave_one_answer_everywhere(
    conversation: Conversation,
) -> None:
    team_text(conversation, ["onbewust"] * 5)  # everyone: 'klopt' to every statement
    with Session(conversation.engine) as session:
        tally = session.exec(select(TeamTally).where(TeamTally.model == "kwaliteit")).one()
    assert (tally.dimension, tally.people, tally.known, tally.total) == (
        "zelfde_antwoord",
        5,
        5,
        5.0,
    )


def test_a_team_whose_layers_lie_close_is_in_balance(conversation: Conversation) -> None:
    text = team_text(conversation, ["actie", "toepassing", "toepassing", "actie", "toepassing"])
    assert "De lagen liggen niet ver uit elkaar." in text and "Uit balans" not in text
