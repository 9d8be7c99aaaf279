"""The summary a worker reads in one screen, the model part behind 'Meer uitleg', and the
straight-lining note with its stored flag."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.render import Renderer, plain_text
from bot.service.conversation import Conversation
from bot.service.outcome import Person, nav_data
from placement import compute_placement
from statemachine import Reply
from storage.models import ResultScore
from tests.personas import load_personas
from tests.test_properties import DIALOGUE, Answers, answer_sets

MAX_WORDS = 120
RENDERER = Renderer(DIALOGUE)
WORKER = Person("telegram", "555", "nl")


def first_screen(answers: Answers, language: str) -> tuple[str, Reply]:
    placement = compute_placement(DIALOGUE, answers)
    detailed = placement.role_layer != placement.own_layer
    data = {"placement": placement, "movement": None, "detailed": detailed}
    reply = Reply("summary", {**data, "actions": [] if detailed else ["more"]})
    return plain_text(RENDERER.render(reply, language).text), reply


def check_one_screen(answers: Answers, language: str) -> None:
    text, reply = first_screen(answers, language)
    placement = reply.data["placement"]
    words = DIALOGUE.locale(language).messages
    assert len(text.split()) <= MAX_WORDS, (language, len(text.split()), text)
    tips = [plain_text(DIALOGUE.locale(language).tips[t]) for t in placement.tips]
    regie = [words[k] for k in ("regie_equal", "summary_strongest", "summary_factors_unknown")]
    regie += [words["summary_weakest"]]
    first_regie = min(text.index(w) for w in regie if w in text)
    assert all(text.index(tip) < first_regie for tip in tips), "tips come first"
    button = RENDERER.render(reply, language).buttons
    assert [b.label for row in button for b in row] == [words["summary_more_button"]]


@settings(max_examples=150, deadline=None)
@given(answer_sets(), st.sampled_from(["nl", "en"]))
def test_a_workers_first_screen_is_short_with_the_tips_first(
    answers: Answers, language: str
) -> None:
    answers = {**answers, "rol": "medewerker"}
    check_one_screen(answers, language)


def test_every_worker_persona_fits_one_screen_in_both_languages() -> None:
    for persona in load_personas():
        answers = persona.answers(DIALOGUE) | {"rol": "medewerker"}
        for language in ("nl", "en"):
            check_one_screen(answers, language)


def test_a_person_is_never_labelled_with_a_phase_name() -> None:
    for persona in load_personas():
        placement = compute_placement(DIALOGUE, persona.answers(DIALOGUE))
        for language in ("nl", "en"):
            locale = DIALOGUE.locale(language)
            data = {"placement": placement, "movement": None}
            text = plain_text(RENDERER.render(Reply("summary_more", data), language).text)
            for n, name in locale.phases.items():
                explained = f"{n}. {name}: {locale.messages[f'phase_text_{n}']}"
                # The name stands only in the legend, beside its plain explanation.
                assert text.count(name) == text.count(explained) == 1, (language, name)


def test_leads_hr_and_management_see_the_model_part_at_once() -> None:
    for persona in load_personas():
        placement = compute_placement(DIALOGUE, persona.answers(DIALOGUE))
        if placement.role_layer == placement.own_layer:
            continue
        for language in ("nl", "en"):
            text, reply = first_screen(persona.answers(DIALOGUE), language)
            words = DIALOGUE.locale(language).messages
            assert words["phase_legend"] in text and words["summary_path"] in text
            assert RENDERER.render(reply, language).buttons == ()


def finish(conversation: Conversation, person: Person, value: str) -> Reply:
    """Answers every question: scale statements with `value`, anything else its first option."""
    conversation.start(person)
    reply = conversation.answer(person, "toestemming", "ja").replies[-1]
    while reply.template == "question":
        question = reply.data["question"]
        chosen = question.option(value) or question.options[0]
        if question.id == "rol":
            chosen = question.option("medewerker")
        assert chosen is not None
        reply = conversation.answer(person, question.id, chosen.value).replies[-1]
    return reply


def test_meer_uitleg_shows_the_model_part_of_the_latest_scan(conversation: Conversation) -> None:
    summary = finish(conversation, WORKER, "beetje")
    assert summary.template == "summary" and summary.data["actions"] == ["more"]
    more = conversation.press(WORKER, nav_data("more")).replies
    assert [r.template for r in more] == ["summary_more"]
    text = RENDERER.render(more[0], "nl").text
    assert "Meer uitleg bij je uitslag" in text and "Groeimodel" in text
    conversation.restart(WORKER, confirmed=True)  # a new scan runs: the old button is stale
    stale = conversation.press(WORKER, nav_data("more")).replies
    assert stale[0].data["key"] == "stale_button" and stale[-1].template == "question"


def test_the_same_answer_everywhere_gets_a_note_and_is_flagged(
    conversation: Conversation,
) -> None:
    summary = finish(conversation, WORKER, "klopt")
    text = RENDERER.render(summary, "nl").text
    assert "Je gaf overal hetzelfde antwoord" in text
    assert "weten we te weinig" not in text and "ongeveer gelijk" in text
    with Session(conversation.engine) as session:
        flag = session.exec(select(ResultScore.score).where(ResultScore.model == "kwaliteit")).one()
    assert flag == 1.0


def test_a_mixed_answer_set_is_not_flagged(conversation: Conversation) -> None:
    finish(conversation, WORKER, "klopt")
    conversation.restart(WORKER, confirmed=True)
    reply = conversation.current(WORKER).replies[-1]
    first = True
    while reply.template == "question":
        question = reply.data["question"]
        value = "beetje" if first and question.scale == "klopt5" else "klopt"
        first = first and question.scale != "klopt5"
        chosen = question.option(value) or question.option("medewerker") or question.options[0]
        reply = conversation.answer(WORKER, question.id, chosen.value).replies[-1]
    text = RENDERER.render(reply, "nl").text
    assert not re.search("hetzelfde antwoord", text)


def test_the_ring_describes_the_ring_not_the_person() -> None:
    """No say and no help choosing, yet a middle ring: the summary must not claim either."""
    answers = {"toestemming": "ja", "rol": "medewerker"}
    answers |= {q.id: "klopt" for q in DIALOGUE.questions_of("eigen_regie")}
    answers |= {
        "er_mogen_2": "klopt_niet",
        "er_weten_2": "klopt_niet",
        "pv_hulp": "klopt_helemaal_niet",
    }
    placement = compute_placement(DIALOGUE, answers)
    assert placement.path.ring == "cultivatie"
    text = plain_text(
        RENDERER.render(
            Reply("summary_more", {"placement": placement, "movement": None}), "nl"
        ).text
    )
    assert "Je kiest zelf doelen" not in text
    assert "passen bij de ring Cultivatie. In deze ring kiezen mensen" in text
