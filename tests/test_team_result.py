"""The team result names the strong and weak eigen-regie factor by the people's rule."""

from __future__ import annotations

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from dialogues.loader import Dialogue
from tests.test_teams import LEAD, close, members, new_team


def finish_with_factors(
    conversation: Conversation,
    person: Person,
    factors: dict[str, int],
    choices: dict[str, str] | None = None,
) -> None:
    """Finishes a scan: each eigen-regie statement gets the score of its factor, a question in
    `choices` that answer, any other option 2."""
    conversation.start(person, None)
    while (reply := conversation.current(person).replies[-1]).template == "question":
        question = reply.data["question"]
        wanted = factors.get(question.measures)
        scored = [o for o in question.options if o.score == wanted and not o.dont_know]
        if question.id == "toestemming":
            value = question.options[0].value  # consent: yes
        elif choices and question.id in choices:
            value = choices[question.id]
        elif scored and question.model == "eigen_regie":
            value = scored[0].value
        else:
            value = question.options[min(2, len(question.options) - 1)].value
        conversation.answer(person, question.id, value)


def team_text(
    conversation: Conversation,
    dialogue: Dialogue,
    factors: list[dict[str, int]],
    choices: list[dict[str, str]] | None = None,
) -> str:
    teams = Teams(conversation.people, min_group=3)
    code = new_team(teams)
    each = choices or [{} for _ in factors]
    for person, scores, chosen in zip(members(len(factors)), factors, each, strict=True):
        conversation.start(person, code)
        finish_with_factors(conversation, person, scores, chosen)
    close(teams, code)
    result = teams.overview(LEAD).replies[0]
    assert result.template == "team_result"
    return Renderer(dialogue).render(result, "nl").text


def test_the_team_result_names_the_strongest_and_the_weakest_factor(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    even = {"weten": 4, "willen": 3, "kunnen": 3, "durven": 3, "mogen": 2}
    text = team_text(conversation, dialogue, [even, even, {**even, "mogen": 1}])
    assert "Hier is het team het sterkst in: Weten." in text
    assert "meeste winst te halen: Mogen." in text
    assert "ongeveer gelijk" not in text
    # The counts after the phase pictures are explained.
    assert "Het getal na elk plaatje: zoveel mensen kozen die stap." in text


def test_factors_within_one_answer_step_are_about_equal(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    close_together = {"weten": 4, "willen": 4, "kunnen": 4, "durven": 4, "mogen": 4}
    slightly_lower = {**close_together, "mogen": 3}  # the team's mogen: 3.67, within 0.5
    text = team_text(conversation, dialogue, [close_together, close_together, slightly_lower])
    assert "Het team scoort op alle punten ongeveer gelijk." in text
    assert "sterkst in" not in text and "meeste winst te halen" not in text


def test_the_team_result_shows_how_the_team_likes_to_learn_most_chosen_first(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    even = {"weten": 3, "willen": 3, "kunnen": 3, "durven": 3, "mogen": 3}
    liked = ["oefenen", "afkijken", "oefenen", "weet_niet"]
    choices = [{"leervoorkeur": way} for way in liked]

    text = team_text(conversation, dialogue, [even] * len(liked), choices)

    assert "🎓 Zo leren jullie het liefst (aantal mensen):" in text
    lines = text.splitlines()
    start = lines.index("🎓 Zo leren jullie het liefst (aantal mensen):")
    assert lines[start + 1 : start + 3] == ["• Oefenen: 2", "• Kunst afkijken: 1"]
    assert "Ontdekken" not in text  # nobody chose it: no line with 0
