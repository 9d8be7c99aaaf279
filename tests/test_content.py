"""Content checks: every structure of the model map is measured, sources named, questions short."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from statistics import median

import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from dialogues.errors import DialogueError
from dialogues.loader import CONTENT_DIR, MAX_QUESTION_WORDS, Dialogue, load_dialogue
from placement import compute_placement
from placement.movement import Movement
from tests.flow import TEST_KEY, WORKER_TAPS, taps
from tests.personas import load_personas

# The model map (shared/MODELS.md), as the questions that measure each structure.
LAYERS = ["individu", "collegas", "leidinggevende", "hr", "directie"]
MECHANISMS = {  # seven mechanisms of an effective learning culture (presentation seed)
    "zelfregie": ["er_weten_1", "er_willen_1", "er_kunnen_1"],
    "inhoud_werk": ["lo_taken"],
    "ruimte_veiligheid": ["le_fouten", "er_mogen_1"],
    "samen_leren": ["dlo_sociaal", "fase_collegas"],
    "leiderschap": ["fase_leiding", "fase_leiding_org", "fase_zelf_leiding"],
    "organisatie": ["fase_hr", "fase_directie", "pr_aanbod"],
    "buitenwereld": ["lo_buiten"],
}
SEVENTY_TWENTY_TEN = {"werk": ["lo_taken"], "collegas": ["dlo_sociaal"], "scholing": ["pr_aanbod"]}


def measured(dialogue: Dialogue, model: str, dimension: str) -> list[str]:
    return [q.id for q in dialogue.questions_of(model) if q.measures == dimension]


def test_every_groeimodel_layer_and_phase_is_measured(dialogue: Dialogue) -> None:
    for layer in LAYERS:
        phase_questions = [q for q in dialogue.questions_of("groeimodel") if q.measures == layer]
        assert any(q.kind == "phase" for q in phase_questions), layer
    for question in dialogue.questions:
        if question.kind == "phase":
            assert [o.score for o in question.options if not o.dont_know] == [1, 2, 3, 4, 5]
    for layer in ("taken", "omgeving"):  # the two layers the TNO report adds
        assert measured(dialogue, "leeromgeving", layer), layer
    for rule in dialogue.scoring.phases.layers:
        if rule.layer != dialogue.scoring.phases.own_layer:
            assert rule.own is not None or rule.layer == "collegas", "roles rate their own layer"


def test_the_intervention_table_feeds_tips_per_layer_and_phase(dialogue: Dialogue) -> None:
    for layer in ("leidinggevende", "hr", "directie"):
        covered = {p for t in dialogue.tips if t.layer == layer for p in t.phases}
        assert covered == {1, 2, 3, 4, 5}, layer
    for layer in ("individu", "collegas", "taken", "omgeving"):
        assert any(t.layer == layer for t in dialogue.tips), layer
    assert {t.factor for t in dialogue.tips if t.factor} == set(
        dialogue.model("eigen_regie").dimensions
    )
    assert {t.source for t in dialogue.tips} >= {"tno_leercultuur", "leercultuur_llo"}


def test_every_other_structure_is_measured(dialogue: Dialogue) -> None:
    rules = dialogue.scoring
    for factor in ("weten", "willen", "kunnen", "durven", "mogen"):
        assert measured(dialogue, "eigen_regie", factor), factor
    assert [b.ring for b in rules.path.rings] == ["activatie", "cultivatie", "realisatie"]
    processes = [p.process for p in rules.path.processes]
    assert processes == ["doelen_stellen", "programmeren", "padvinden", "leren"]
    for process in processes:
        assert len(measured(dialogue, "leerstructuur", process)) >= 2, process
    assert len(rules.path.positions) == 12
    dlo = ["basisvraag", "economisch", "sociaal", "ecologisch", "huidige_generatie"]
    for dimension in [*dlo, "toekomstige_generaties"]:
        assert measured(dialogue, "dlo", dimension), dimension
    conditions = {c.condition: c.questions for c in rules.preconditions.conditions}
    assert set(conditions) == {"betrokkenheid", "visie", "gereedheid", "veiligheid", "werkdruk"}
    preference = dialogue.question(rules.preference.question)
    assert [o.value for o in preference.options if not o.dont_know] == [
        "afkijken",
        "participeren",
        "kennis",
        "oefenen",
        "ontdekken",
    ]
    assert [p.position for p in rules.llo.positions] == [
        "defensief",
        "offensief",
        "curatief",
        "preventief",
    ]
    assert [m.moment for m in rules.llo.moments] == ["verleden", "heden", "gewenst"]
    for structure in (MECHANISMS, SEVENTY_TWENTY_TEN):
        for name, question_ids in structure.items():
            assert all(dialogue.has_question(q) for q in question_ids), name


def test_every_item_and_tip_names_its_source(dialogue: Dialogue) -> None:
    sources = {s.id: s for s in dialogue.structure.sources}
    for question in dialogue.questions:
        source = sources[dialogue.model(question.model).source]
        assert source.citation, question.id
        if question.block != "start":
            assert source.seed, f"{question.id}: its source names no seed document"
    for tip in dialogue.tips:
        assert tip.source in sources and sources[tip.source].seed, tip.id
    for condition in dialogue.scoring.preconditions.conditions:
        assert sources[condition.source].seed, condition.condition


def test_questions_are_short(dialogue: Dialogue) -> None:
    for code, locale in dialogue.locales.items():
        for question in dialogue.questions:
            words = len(locale.questions[question.id].text.split())
            assert words <= MAX_QUESTION_WORDS, f"{code} {question.id}: {words} words"
    nl = dialogue.locale("nl")
    assert median(len(nl.questions[q.id].text.split()) for q in dialogue.questions) <= 12


def test_the_interview_stays_short() -> None:
    assert 30 <= WORKER_TAPS <= 35
    assert taps("leidinggevende") <= 35
    assert taps("hr", llo_deelname="ja") <= 40


def test_every_summary_fits_one_telegram_message(dialogue: Dialogue) -> None:
    from bot.render import TELEGRAM_LIMIT, Renderer
    from statemachine import Reply

    renderer = Renderer(dialogue)
    factors = list(dialogue.model("eigen_regie").dimensions)
    # The longest summary: a repeat scan where the phase moved and every factor changed.
    moved = Movement(since="01-01-2026", phase=(1, 5), up=factors[:3], down=factors[3:])
    for persona in load_personas():
        placement = compute_placement(dialogue, persona.answers(dialogue))
        for language in dialogue.locales:
            for movement in (None, moved):
                # The longest: the model part inline, as leads, HR and management get it.
                data = {"placement": placement, "movement": movement, "detailed": True}
                text = renderer.render(Reply("summary", data), language).text
                assert len(text) <= TELEGRAM_LIMIT, (persona.id, language, len(text))


def broken_copy(tmp_path: Path, file: str, edit: dict[str, str]) -> Path:
    """A copy of the shipped content with one text replaced in one file."""
    target = tmp_path / "dialogues"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = target / file
    text = path.read_text(encoding="utf-8")
    for old, new in edit.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("file", "edit", "item", "fault"),
    [
        (
            "scoring.yaml",
            {"questions: [pr_aanbod, pr_werkdruk]": "questions: [pr_aanbod, pr_typo]"},
            "path process 'programmeren'",
            "names 'pr_typo'",
        ),
        (
            "scoring.yaml",
            {"    - {position: rea_leren, ring: realisatie, process: leren}\n": ""},
            "path.positions",
            "every ring needs a position",
        ),
        (
            "scoring.yaml",
            {"{condition: visie, source: tno_leercultuur": "{condition: visie, source: nergens"},
            "precondition 'visie'",
            "unknown source 'nergens'",
        ),
        (
            "tips.yaml",
            {
                "{id: lg_1, source: tno_leercultuur, layer: leidinggevende": "{id: lg_1, source: "
                "tno_leercultuur, layer: kantine"
            },
            "tip 'lg_1'",
            "unknown layer 'kantine'",
        ),
        (
            "tips.yaml",
            {"[5], shows: 5, preferences: [afkijken]}": "[5], shows: 5, preferences: [zingen]}"},
            "tip 'dir_5'",
            "unknown learning preference 'zingen'",
        ),
        (
            "scoring.yaml",
            {"team:\n  layer: leidinggevende": "team:\n  layer: kantine"},
            "team.layer",
            "kantine",
        ),
        (
            "locales/nl.yaml",
            {"  rea_pad: ": "  rea_pad_weg: "},
            "position 'rea_pad'",
            "has no text",
        ),
    ],
)
def test_broken_rules_name_file_item_and_fault(
    tmp_path: Path, file: str, edit: dict[str, str], item: str, fault: str
) -> None:
    assert_error_names(tmp_path, file, edit, item, fault)


def assert_error_names(
    tmp_path: Path, file: str, edit: dict[str, str], item: str, fault: str
) -> None:
    """Loading a copy with `edit` made to `file` fails, naming the file, the item and the fault."""
    with pytest.raises(DialogueError) as raised:
        load_dialogue(broken_copy(tmp_path, file, edit))
    assert raised.value.file.endswith(file)
    assert raised.value.item == item
    assert fault in raised.value.fault


def test_the_rules_file_is_plain_yaml_a_reader_can_follow() -> None:
    rules = yaml.safe_load((CONTENT_DIR / "scoring.yaml").read_text(encoding="utf-8"))
    assert set(rules) == {
        "phases",
        "roles",
        "eigen_regie",
        "path",
        "sustainability",
        "preconditions",
        "preference",
        "llo",
        "tips",
        "team",
        "learning_sources",
        "quality",
        "movement",
        "kit",
        "pulse",
    }
    assert (CONTENT_DIR.parent / "docs" / "scoring.md").exists()


def test_the_content_summary_counts_what_the_questionnaire_holds(
    dialogue: Dialogue, capsys: pytest.CaptureFixture[str]
) -> None:
    from dialogues.__main__ import main

    main()
    printed = capsys.readouterr().out
    regie_items = sum(1 for q in dialogue.questions if q.model == "eigen_regie")
    assert re.search(rf"eigen_regie\s+{regie_items}\s+\(source: bartsch\)", printed)
    assert re.search(rf"medewerker\s+{WORKER_TAPS} to {WORKER_TAPS}", printed)
    assert re.search(rf"hr\s+{taps('hr')} to {taps('hr', llo_deelname='ja')}", printed)


def test_a_new_language_is_one_new_file(tmp_path: Path, engine: Engine) -> None:
    content = tmp_path / "dialogues"
    shutil.copytree(CONTENT_DIR, content, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    english = (content / "locales" / "en.yaml").read_text(encoding="utf-8")
    german = english.replace("language: en", "language: de").replace(
        "name: English", "name: Deutsch"
    )
    german = german.replace("Will you take part?", "Machst du mit?")
    (content / "locales" / "de.yaml").write_text(german, encoding="utf-8")

    dialogue = load_dialogue(content)
    conversation = Conversation(engine, dialogue, TEST_KEY)
    offered = conversation.choose_language(Person("telegram", "1", "nl")).replies[0]
    assert [params["name"] for _, params, _ in offered.data["buttons"]] == [
        "Nederlands",
        "Deutsch",
        "English",
    ]
    started = conversation.start(Person("telegram", "2", "de-AT"))  # from the app's setting
    assert "Machst du mit?" in Renderer(dialogue).render(started.replies[-1], started.language).text
