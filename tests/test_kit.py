"""The conversation kit: three questions a team's closed figures call for, a 20-minute agenda."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogues.loader import Dialogue
from placement.kit import conversation_kit
from placement.team import Means
from tests.test_content import assert_error_names

WORKERS = {"medewerker": 6}


def team_means(dialogue: Dialogue, value: float = 4.0, **changed: float) -> Means:
    """A team at `value` on every measure the kit reads; `changed` as 'model__dimension'."""
    rules = dialogue.scoring
    means: Means = {}
    means.update({("groeimodel", r.layer): value for r in rules.phases.layers})
    means.update({("eigen_regie", f): value for f in rules.eigen_regie.tie_priority})
    means.update({("leerstructuur", p.process): value for p in rules.path.processes})
    means.update({("randvoorwaarden", c.condition): value for c in rules.preconditions.conditions})
    means.update({("dlo", q): value for q in rules.sustainability.core})
    for key, mean in changed.items():
        model, dimension = key.split("__")
        means[(model, dimension)] = mean
    return means


def test_a_team_doing_well_talks_about_paying_off_and_what_went_well(dialogue: Dialogue) -> None:
    kit = conversation_kit(dialogue, team_means(dialogue), WORKERS)
    assert kit.questions == [("path", "leren"), ("general", "goed"), ("general", "anders")]
    assert kit.minutes == 20 and [step for step, _ in kit.agenda] == ["kijken", "praten", "kiezen"]
    assert not kit.llo


def test_a_stalled_step_a_weak_precondition_and_a_lead_far_behind_are_the_three_questions(
    dialogue: Dialogue,
) -> None:
    means = team_means(
        dialogue,
        leerstructuur__programmeren=2.5,
        randvoorwaarden__werkdruk=2.2,
        randvoorwaarden__gereedheid=2.6,
        groeimodel__leidinggevende=1.5,
        eigen_regie__mogen=2.0,
    )
    kit = conversation_kit(dialogue, means, WORKERS)
    assert kit.questions == [
        ("path", "programmeren"),
        ("condition", "werkdruk"),  # the weakest of the two weak ones
        ("imbalance", "gemengd"),  # the lead behind the rest of the work floor
    ]


def test_without_weak_preconditions_the_weakest_factor_and_core_question_come_next(
    dialogue: Dialogue,
) -> None:
    means = team_means(dialogue, eigen_regie__durven=3.0, dlo__dlo_sociaal=2.5)
    kit = conversation_kit(dialogue, means, WORKERS)
    assert kit.questions == [("path", "leren"), ("factor", "durven"), ("core", "dlo_sociaal")]


def test_a_management_team_gets_the_llo_exercise(dialogue: Dialogue) -> None:
    means = team_means(dialogue)
    assert conversation_kit(dialogue, means, {"directie": 4, "hr": 1}).llo
    assert not conversation_kit(dialogue, means, {"directie": 2, "medewerker": 3}).llo
    assert not conversation_kit(dialogue, means, {}).llo


def test_every_question_a_team_can_get_has_words_in_every_language(dialogue: Dialogue) -> None:
    rules = dialogue.scoring
    possible = {
        "path": [p.process for p in rules.path.processes],
        "condition": [c.condition for c in rules.preconditions.conditions],
        "imbalance": ["werkvloer_voor", "organisatie_voor", "gemengd"],
        "factor": rules.eigen_regie.tie_priority,
        "core": rules.sustainability.core,
        "general": rules.kit.general,
        "llo": [m.moment for m in rules.llo.moments],
    }
    for language in ("nl", "en"):
        kit = dialogue.locale(language).kit
        for topic, keys in possible.items():
            for key in keys:
                text = kit[topic][key]
                assert text.rstrip().endswith("?"), (language, topic, key)
                assert len(text.split()) <= 20, (language, topic, key)


@pytest.mark.parametrize(
    ("file", "edit", "item", "fault"),
    [
        ("locales/en.yaml", {"    werkdruk: \"It is busy.": "    drukte: \"It is busy."},
         "kit.condition 'werkdruk'", "has no text"),
        ("scoring.yaml", {"  topics: [path,": "  topics: [weather, path,"},
         "kit.topics", "unknown topic 'weather'"),
        ("scoring.yaml", {"  general: [goed, anders, samen]": "  general: [goed]"},
         "kit.general", "needs 3 questions"),
    ],
)  # fmt: skip
def test_a_broken_kit_names_file_and_item(
    tmp_path: Path, file: str, edit: dict[str, str], item: str, fault: str
) -> None:
    assert_error_names(tmp_path, file, edit, item, fault)


def read_pdf(content: bytes) -> tuple[int, str, float]:
    """The page count, the first page's text, and the share of its pixels that are not white."""
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    page = document[0]
    text = page.get_textpage().get_text_range()
    counts = page.render(scale=1).to_pil().convert("L").histogram()
    ink = sum(counts[:200]) / sum(counts)
    return len(document), text, ink


def test_the_kit_page_prints_on_one_a4_with_the_team_its_picture_and_questions(
    dialogue: Dialogue,
) -> None:
    from bot.pictures.kit_pdf import kit_pdf
    from storage.models import Team

    means = team_means(dialogue, randvoorwaarden__werkdruk=2.0)
    kit = conversation_kit(dialogue, means, {"directie": 5})
    factors = dialogue.scoring.eigen_regie.tie_priority
    picture = {
        "team": Team(name="Zorg Noord", code="x", lead="y", wave=3),
        "wave": 2,
        "phases": {r.layer: {"mean": 3.4} for r in dialogue.scoring.phases.layers},
        "factors": dict.fromkeys(factors, 3.5),
    }
    data = {"team": picture["team"], "wave": 2, "kit": kit, "picture": picture}
    locale = dialogue.locale("nl")
    pages, text, ink = read_pdf(kit_pdf(data, locale))
    flat = " ".join(text.split())
    assert pages == 1
    assert "Zorg Noord" in flat and "ronde 2" in flat
    for topic, key in kit.questions:
        assert " ".join(locale.kit[topic][key].split()) in flat
    assert locale.kit["llo"]["gewenst"] in flat  # a management team
    assert 0.02 < ink < 0.5  # the picture and the words, on a mostly white page
