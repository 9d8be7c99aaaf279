"""Personas (tests/personas.yaml): expected placements, computed and through the Telegram path."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.settings import Settings
from bot.telegram.application import build_application
from dialogues.loader import Dialogue, default_dialogue, option_label
from dialogues.schema import Locale
from placement import Placement, compute_placement
from placement.evidence import unsupported
from storage.db import make_engine
from storage.models import Answer, Scan
from tests.fakebotapi import FakeBotApi, FakeUser, parse_html
from tests.flow import taps
from tests.personas import Persona, load_personas, observed, option_value

TOKEN = "123456:TEST-token_for-the-fake-api"
PERSONAS = load_personas()
BOLD = re.compile(r"<b>(.*?)</b>")


def test_personas_cover_the_patterns_the_issue_names() -> None:
    ids = {p.id for p in PERSONAS}
    assert {"vroeg", "ver", "werkvloer_voor", "organisatie_voor", "durven_zwak"} <= ids
    assert {"teamleider", "hr_llo", "weet_niet_veel", "directie_zonder_llo"} <= ids
    assert {"rechtlijner", "geen_inspraak", "alles_weet_niet"} <= ids
    assert {p.raw["rol"] for p in PERSONAS} == {"medewerker", "leidinggevende", "hr", "directie"}


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.id)
def test_each_persona_reads_only_true_sentences_and_tips_meant_for_their_role(
    persona: Persona,
) -> None:
    dialogue = default_dialogue()
    answers = persona.answers(dialogue)
    placement = compute_placement(dialogue, answers)
    assert unsupported(dialogue, answers, list(placement.statements)) == []
    tips = {t.id: t for t in dialogue.tips}
    assert len(placement.tips) == 3
    assert all(persona.raw["rol"] in tips[t].audience for t in placement.tips)
    said = {s.key for s in placement.statements}
    assert ("same_answers" in said) == (persona.id == "rechtlijner")
    assert ("regie_unknown" in said) == (persona.id in {"alles_weet_niet", "weet_niet_veel"})


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.id)
def test_the_placement_is_the_one_written_down(persona: Persona) -> None:
    dialogue = default_dialogue()
    placement = compute_placement(dialogue, persona.answers(dialogue))
    expected = {k: v for k, v in persona.expected.items() if k != "taps"}
    assert observed(placement) == expected


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.id)
def test_the_taps_are_the_ones_written_down(persona: Persona) -> None:
    choices = {k: str(v) for k, v in persona.raw.items() if k in ("llo_deelname",)}
    assert taps(persona.raw["rol"], **choices) == persona.expected["taps"]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot_dir(api: FakeBotApi, tmp_path: Path, database_url: str) -> AsyncIterator[Path]:
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        data_dir=tmp_path,
        database_url=database_url,
    )
    application = build_application(settings)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        yield tmp_path
        await application.updater.stop()
        await application.stop()


def question_asked(dialogue: Dialogue, locale: Locale, message: dict[str, Any]) -> str:
    """The id of the question a message asks: its last bold line is the question's text."""
    text = html.unescape(BOLD.findall(message["text"])[-1])
    matches = [q.id for q in dialogue.questions if locale.questions[q.id].text == text]
    assert len(matches) == 1, f"cannot tell which question this is: {text!r}"
    return matches[0]


async def answer_as(
    persona: Persona, user: FakeUser, dialogue: Dialogue, locale: Locale
) -> list[str]:
    """Taps the persona's answer to every question the bot asks; returns the questions asked."""
    asked: list[str] = []
    title = locale.messages["summary_title"]
    while user.last.get("reply_markup") and title not in user.last["text"]:
        current = user.last
        qid = question_asked(dialogue, locale, current)
        given = persona.raw.get(qid, "ja")  # "ja": the consent question
        question = dialogue.question(qid)
        option = question.option(option_value(dialogue, qid, given))
        assert option is not None
        await user.tap(f"{option.emoji} {option_label(locale, question, option)}")
        asked.append(qid)
        await user.wait_for(lambda u, m=current["message_id"]: u.last["message_id"] > m)
    return asked


def elements(placement: Placement, locale: Locale) -> list[str]:
    """The words the summary and its 'Meer uitleg' part must contain for this placement."""
    words: list[str] = []
    messages = locale.messages
    for layer, phase in placement.phases.items():
        asked = placement.phase_questions[layer]
        name = locale.seen_layers.get(asked, locale.layers[layer])
        name = locale.own_layers[layer] if layer == placement.own_view else name
        text = messages[f"phase_text_{phase}"] if phase else ""
        shown = messages["phase_step"].format(n=phase, text=text) if phase else None
        words.append(f"{name}: {shown or messages['phase_unknown']}")
    regie = placement.regie
    assert regie is not None
    if not regie.known:
        words.append(messages["summary_factors_unknown"])
    elif regie.equal:
        words.append(messages["regie_equal"])
    else:
        words += [messages[f"factor_{f}"] for f in (*regie.strong, *regie.weak)]
    path = placement.path
    if path.position and path.ring and path.process:
        words += [locale.rings[path.ring].name, locale.processes[path.process].name]
        words.append(locale.positions[path.position])
    else:
        words.append(messages["summary_path_unknown"])
    verdict = placement.sustainability.verdict
    words.append(locale.verdicts[verdict].name if verdict else messages["summary_energy_unknown"])
    words += [locale.preconditions[c].name for c in placement.weak_conditions]
    for said in placement.said("source"):
        verdict = messages["source_weak" if said.params["weak"] else "source_fine"]
        words.append(f"{locale.layers[said.params['layer']]}: {verdict}")
    if placement.preference:
        words.append(locale.preferences[placement.preference].name)
    if placement.imbalance:  # how the person sees it, without the source's warning
        words.append(messages["summary_imbalance"].split("{")[0].strip())
    for position in (placement.llo or {}).values():
        if position:
            words.append(locale.llo[position].name)
    words += [locale.tips[t] for t in placement.tips]
    return words


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.id)
async def test_persona_through_telegram(
    persona: Persona, language: str, api: FakeBotApi, bot_dir: Path, database_url: str
) -> None:
    dialogue = default_dialogue()
    locale = dialogue.locale(language)  # from the Telegram app's language setting
    user = api.user(7000 + PERSONAS.index(persona), persona.id.title(), language_code=language)
    await user.send("/start")
    await api.settle()
    await user.wait_for(lambda u: bool(u.last.get("reply_markup")))
    asked = await answer_as(persona, user, dialogue, locale)
    await api.settle()

    assert len(asked) == persona.expected["taps"]
    assert set(asked) - {"toestemming"} == set(persona.raw), "asked exactly the persona's questions"
    engine = make_engine(database_url)
    with Session(engine) as session:
        scan = session.exec(select(Scan)).one()
        answers = {a.question_id: a.value for a in session.exec(select(Answer))}
    assert scan.finished_at is not None
    placement = compute_placement(dialogue, answers)
    assert observed(placement) == {k: v for k, v in persona.expected.items() if k != "taps"}

    title = locale.messages["summary_title"]
    summary_messages = [m for m in user.messages if title in m["text"]]
    assert len(summary_messages) == 1
    first = user.messages.index(summary_messages[0])
    if placement.role_layer == placement.own_layer:  # a worker asks for the model part
        count = len(user.messages)
        await user.tap(locale.messages["summary_more_button"])
        await user.wait_for(lambda u: len(u.messages) > count)
        await api.settle()
    summary = "\n".join(parse_html(m["text"]) for m in user.messages[first:])
    missing = [w for w in elements(placement, locale) if w not in summary]
    assert missing == []
    assert all(len(m["text"]) <= 4096 for m in user.messages)
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
