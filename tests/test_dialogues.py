"""Loading and checking the questionnaire content (dialogues/scan.yaml and dialogues/locales).

The first half checks facts about the shipped content that a respondent would notice. The
second half breaks a copy of the files one fault at a time and checks that the loader stops
with a message naming the file, the item and the fault. Faults the loader does not catch yet
are marked xfail(strict=True), so the mark has to go once the loader learns them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogues.loader import (
    CONTENT_DIR,
    LOCALES_DIR,
    MAX_BUTTON_CHARS,
    STRUCTURE_FILE,
    Dialogue,
    DialogueError,
    ResolvedQuestion,
    default_dialogue,
    load_dialogue,
    option_label,
)

SHIPPED = default_dialogue()
DUTCH = SHIPPED.locale("nl")
MAX_QUESTION_WORDS = 20
SCAN = STRUCTURE_FILE
NL = f"{LOCALES_DIR}/nl.yaml"


def question_ids(kinds: tuple[str, ...] | None = None) -> list[str]:
    return [q.id for q in SHIPPED.questions if kinds is None or q.kind in kinds]


# -- the shipped content ---------------------------------------------------------------------


def test_the_shipped_content_loads_and_starts_with_consent() -> None:
    dialogue = load_dialogue(CONTENT_DIR)
    assert dialogue.questions, "the questionnaire has no questions"
    assert dialogue.questions[0].kind == "consent"
    assert any(o.ends_interview for o in dialogue.questions[0].options)
    assert "nl" in dialogue.locales
    assert [q.id for q in dialogue.questions] == [q.id for q in SHIPPED.questions]


@pytest.mark.parametrize("question_id", question_ids())
def test_every_question_measures_a_dimension_of_a_model_with_a_source(question_id: str) -> None:
    question = SHIPPED.question(question_id)
    models = {m.id: m for m in SHIPPED.structure.models}
    sources = {s.id: s for s in SHIPPED.structure.sources}
    assert question.model in models, f"{question_id} names no existing model"
    model = models[question.model]
    assert question.measures in model.dimensions
    assert model.source in sources, f"model {model.id} has no known source"
    assert sources[model.source].citation.strip()


def test_every_dimension_of_every_model_is_asked_about() -> None:
    """A factor or layer without a question would always show up as 'weet je niet'."""
    for model in SHIPPED.structure.models:
        measured = {q.measures for q in SHIPPED.questions_of(model.id)}
        assert measured == set(model.dimensions), model.id


@pytest.mark.parametrize("question_id", question_ids(("scale", "phase")))
def test_scale_options_run_from_the_lowest_score_to_the_highest(question_id: str) -> None:
    question = SHIPPED.question(question_id)
    scores = [o.score for o in question.options if not o.dont_know]
    assert None not in scores, f"{question_id}: a scale option without a score"
    assert scores == sorted(scores), f"{question_id}: options out of order: {scores}"
    assert len(set(scores)) == len(scores), f"{question_id}: two options share a score"
    if question.kind == "phase":
        assert scores == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("question_id", question_ids())
def test_weet_ik_niet_comes_last(question_id: str) -> None:
    question = SHIPPED.question(question_id)
    flags = [o.dont_know for o in question.options]
    assert flags == sorted(flags), f"{question_id}: 'weet ik niet' is not at the end"
    if question.skippable:
        assert question.options[-1].dont_know
        assert option_label(DUTCH, question, question.options[-1]) == "Weet ik niet"


@pytest.mark.parametrize("question_id", question_ids())
def test_every_question_and_option_has_dutch_words(question_id: str) -> None:
    question = SHIPPED.question(question_id)
    assert question_id in DUTCH.questions
    assert DUTCH.questions[question_id].text.strip()
    labels = [option_label(DUTCH, question, o) for o in question.options]
    assert all(label.strip() for label in labels), labels
    assert len(set(labels)) == len(labels), f"{question_id}: two buttons read the same"


@pytest.mark.parametrize("question_id", question_ids())
def test_question_texts_are_short(question_id: str) -> None:
    words = DUTCH.questions[question_id].text.split()
    assert len(words) <= MAX_QUESTION_WORDS, f"{question_id}: {len(words)} words"


def test_block_intros_promise_the_number_of_questions_that_follow() -> None:
    """'Nu 10 korte zinnen over jou' must be followed by ten questions."""
    blocks = SHIPPED.structure.blocks
    checked = 0
    for index, block in enumerate(blocks):
        intro = DUTCH.blocks[block.id].intro or ""
        number = re.search(r"\b(\d+)\b", intro)
        if number:
            # An opt-in question ('a few more?') is not one of the questions it announces.
            opt_ins = {ref for q in block.questions for ref in (q.when or {})}
            announced = [q for q in block.questions if q.id not in opt_ins]
            assert int(number.group(1)) == len(announced), (block.id, intro)
            checked += 1
        if "laatste vraag" in intro.lower():
            assert index == len(blocks) - 1 and len(block.questions) == 1, block.id
            checked += 1
    assert checked >= 1, "no block intro mentions a number of questions any more"


def test_every_factor_and_every_phase_has_a_tip() -> None:
    """The summary gives the tip for the weakest factor and for one's own phase."""
    factors = SHIPPED.model("eigen_regie").dimensions
    tip_factors = {t.factor for t in SHIPPED.tips if t.factor}
    assert set(factors) <= tip_factors
    phases = {p for t in SHIPPED.tips if t.factor is None for p in t.phases}
    assert phases >= {1, 2, 3, 4, 5}
    assert all(DUTCH.tips[t.id].strip() for t in SHIPPED.tips)


def test_buttons_fit_on_a_phone() -> None:
    for question in SHIPPED.questions:
        for option in question.options:
            text = f"{option.emoji} {option_label(DUTCH, question, option)}".strip()
            assert len(text) <= MAX_BUTTON_CHARS, (question.id, text)


# -- broken copies ---------------------------------------------------------------------------


def _shipped_yaml(name: str) -> Any:
    return yaml.safe_load((CONTENT_DIR / name).read_text(encoding="utf-8"))


def _where(question_id: str) -> tuple[int, int]:
    """(block index, question index) of a question in the shipped scan.yaml."""
    for b, block in enumerate(_shipped_yaml(SCAN)["blocks"]):
        for q, question in enumerate(block["questions"]):
            if question["id"] == question_id:
                return b, q
    raise LookupError(question_id)


def _line_of(name: str, text: str) -> int:
    lines = (CONTENT_DIR / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line == text)


Edit = Callable[[Path], None]


def edit_yaml(name: str, change: Callable[[Any], object]) -> Edit:
    """Loads a file of the copy, changes the data in place and writes it back."""

    def apply(root: Path) -> None:
        path = root / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    return apply


def edit_text(name: str, old: str, new: str) -> Edit:
    def apply(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the shipped {name} changed: {old!r} is gone"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def replace_file(name: str, text: str) -> Edit:
    def apply(root: Path) -> None:
        (root / name).write_text(text, encoding="utf-8")

    return apply


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    b, q = _where(question_id)
    found: dict[str, Any] = data["blocks"][b]["questions"][q]
    return found


def scale(data: dict[str, Any], scale_id: str) -> dict[str, Any]:
    return next(s for s in data["scales"] if s["id"] == scale_id)


TIPS = "tips.yaml"


def tip(data: dict[str, Any], tip_id: str) -> dict[str, Any]:
    return next(t for t in data["tips"] if t["id"] == tip_id)


def swap_first_two(options: list[Any]) -> None:
    options[0], options[1] = options[1], options[0]


def four_phases(data: dict[str, Any]) -> None:
    """Gives the HR phase question its own options: four phases and 'weet ik niet'."""
    options = [dict(o) for o in scale(data, "fase5")["options"]]
    del options[3]
    for score, option in enumerate(options[:4], start=1):
        option["score"] = score
    question(data, "fase_hr").pop("scale")
    question(data, "fase_hr")["options"] = options


def dont_know_first(options: list[Any]) -> None:
    options.insert(0, options.pop())


@dataclass(frozen=True)
class Fault:
    """One thing broken in a copy of the content, and what the error has to say."""

    id: str
    edit: Edit
    file: str
    item: tuple[str, ...]
    fault: str  # a regular expression, matched case-insensitively
    missed: str | None = None  # the loader does not catch this yet: why it should

    def param(self) -> Any:
        marks = (
            [pytest.mark.xfail(strict=True, reason=f"loader misses: {self.missed}")]
            if self.missed
            else []
        )
        return pytest.param(self, id=self.id, marks=marks)


FASEN_BLOCK, FASE_INDIVIDU = _where("fase_individu")
SYNTAX_LINE = _line_of(SCAN, "  - id: fasen")
LOCALE_SYNTAX_LINE = _line_of(NL, "  rol:")

FAULTS = [
    Fault(
        "yaml-syntax-error",
        edit_text(SCAN, "\n  - id: fasen\n", "\n  - id: fasen: en meer\n"),
        SCAN,
        (f"line {SYNTAX_LINE}",),
        r"not valid YAML",
    ),
    Fault(
        "locale-yaml-syntax-error",
        edit_text(NL, "\n  rol:\n", "\n   rol: [\n"),
        NL,
        (f"line {LOCALE_SYNTAX_LINE}",),
        r"not valid YAML",
    ),
    Fault(
        "top-level-key-missing",
        edit_yaml(SCAN, lambda d: d.pop("scales")),
        SCAN,
        ("scales",),
        r"required",
    ),
    Fault(
        "locale-top-level-key-missing",
        edit_yaml(NL, lambda d: d.pop("layers")),
        NL,
        ("layers",),
        r"required",
    ),
    Fault(
        "typo-in-a-question-field",
        edit_yaml(
            SCAN,
            lambda d: question(d, "fase_individu").update(
                skipable=question(d, "fase_individu").pop("skippable")
            ),
        ),
        SCAN,
        (f"blocks[{FASEN_BLOCK}]", f"questions[{FASE_INDIVIDU}]", "fase_individu", "skipable"),
        r"not permitted",
    ),
    Fault(
        "unknown-model",
        edit_yaml(SCAN, lambda d: question(d, "er_weten_1").update(model="eigen_regi")),
        SCAN,
        ("er_weten_1",),
        r"unknown model 'eigen_regi'",
    ),
    Fault(
        "unknown-dimension",
        edit_yaml(SCAN, lambda d: question(d, "er_durven_2").update(measures="durfen")),
        SCAN,
        ("er_durven_2",),
        r"no dimension 'durfen'",
    ),
    Fault(
        "unknown-scale",
        edit_yaml(SCAN, lambda d: question(d, "dlo_sociaal").update(scale="klopt7")),
        SCAN,
        ("dlo_sociaal",),
        r"unknown scale 'klopt7'",
    ),
    Fault(
        "model-with-unknown-source",
        edit_yaml(SCAN, lambda d: d["models"][2].update(source="bartch")),
        SCAN,
        ("model 'eigen_regie'",),
        r"unknown source 'bartch'",
    ),
    Fault(
        "duplicate-question-id",
        edit_yaml(SCAN, lambda d: question(d, "er_mogen_2").update(id="er_mogen_1")),
        SCAN,
        ("er_mogen_1",),
        r"used twice",
    ),
    Fault(
        "id-with-capitals",
        edit_yaml(SCAN, lambda d: question(d, "dlo_huidig").update(id="DLO_huidig")),
        SCAN,
        ("DLO_huidig",),
        r"lower-case",
    ),
    Fault(
        "question-options-out-of-scale-order",
        edit_yaml(SCAN, lambda d: swap_first_two(question(d, "dlo_basis")["options"])),
        SCAN,
        ("dlo_basis",),
        r"lowest score to the highest",
    ),
    Fault(
        "scale-options-out-of-order",
        edit_yaml(SCAN, lambda d: swap_first_two(scale(d, "klopt5")["options"])),
        SCAN,
        (),  # the scale, or the first question that uses it: checked in the test
        r"lowest score to the highest",
    ),
    Fault(
        "weet-ik-niet-not-last",
        edit_yaml(SCAN, lambda d: dont_know_first(question(d, "leervoorkeur")["options"])),
        SCAN,
        ("leervoorkeur",),
        r"'weet ik niet' must come after",
    ),
    Fault(
        "phase-question-without-five-phases",
        edit_yaml(SCAN, four_phases),
        SCAN,
        ("fase_hr",),
        r"five phases",
    ),
    Fault(
        "skippable-without-weet-ik-niet",
        edit_yaml(SCAN, lambda d: question(d, "rol").update(skippable=True)),
        SCAN,
        ("rol",),
        r"need a 'weet ik niet'",
    ),
    Fault(
        "when-names-an-unknown-question",
        edit_yaml(SCAN, lambda d: question(d, "fase_hr").update(when={"rool": ["hr"]})),
        SCAN,
        ("fase_hr",),
        r"'rool'.*not an earlier question",
    ),
    Fault(
        "when-names-a-later-question",
        edit_yaml(SCAN, lambda d: question(d, "fase_hr").update(when={"dlo_basis": ["uitgeput"]})),
        SCAN,
        ("fase_hr",),
        r"'dlo_basis'.*not an earlier question",
    ),
    Fault(
        "when-names-an-unknown-value",
        edit_yaml(SCAN, lambda d: question(d, "fase_hr").update(when={"rol": ["h_r"]})),
        SCAN,
        ("fase_hr",),
        r"'rol' has no option 'h_r'",
    ),
    Fault(
        "tip-with-unknown-phase",
        edit_yaml(TIPS, lambda d: tip(d, "fase_4").update(phases=[6])),
        TIPS,
        ("fase_4",),
        r"phases are numbered 1 to 5",
    ),
    Fault(
        "tip-with-unknown-source",
        edit_yaml(TIPS, lambda d: tip(d, "durven_vroeg").update(source="tno")),
        TIPS,
        ("durven_vroeg",),
        r"unknown source 'tno'",
    ),
    Fault(
        "first-question-is-not-consent",
        edit_yaml(SCAN, lambda d: d["blocks"][0]["questions"].reverse()),
        SCAN,
        ("blocks[0]",),
        r"consent",
    ),
    Fault(
        "empty-structure-file",
        replace_file(SCAN, ""),
        SCAN,
        ("top level",),
        r"empty|dictionary|mapping",
    ),
    Fault(
        "structure-file-is-a-list",
        replace_file(SCAN, "- sources\n- models\n"),
        SCAN,
        ("top level",),
        r"dictionary|mapping",
    ),
    Fault(
        "empty-locale-file",
        replace_file(NL, ""),
        NL,
        ("top level",),
        r"empty|dictionary|mapping",
    ),
    Fault(
        "locale-missing-a-question-text",
        edit_yaml(NL, lambda d: d["questions"].pop("er_durven_2")),
        NL,
        ("question 'er_durven_2'",),
        r"no text",
    ),
    Fault(
        "locale-missing-an-option-label",
        edit_yaml(NL, lambda d: d["questions"]["rol"]["options"].pop("hr")),
        NL,
        ("question 'rol'", "'hr'"),
        r"no text",
    ),
    Fault(
        "locale-missing-a-scale-label",
        edit_yaml(NL, lambda d: d["scales"]["klopt5"].pop("beetje")),
        NL,
        ("klopt5", "beetje"),
        r"no text",
    ),
    Fault(
        "locale-missing-a-block-title",
        edit_yaml(NL, lambda d: d["blocks"].pop("duurzaam")),
        NL,
        ("block 'duurzaam'",),
        r"no text",
    ),
    Fault(
        "locale-missing-a-tip",
        edit_yaml(NL, lambda d: d["tips"].pop("mogen_vroeg")),
        NL,
        ("mogen_vroeg",),
        r"no text",
    ),
    Fault(
        "locale-missing-a-factor-name",
        edit_yaml(NL, lambda d: d["factors"].pop("kunnen")),
        NL,
        ("factor 'kunnen'",),
        r"no text",
    ),
    Fault(
        "option-label-too-long-for-a-button",
        edit_yaml(
            NL,
            lambda d: d["questions"]["rol"]["options"].update(
                hr="HR, personeelszaken of de afdeling mensen en organisatie"
            ),
        ),
        NL,
        ("question 'rol'", "'hr'"),
        r"over \d+ characters",
    ),
    Fault(
        "locale-says-another-language",
        edit_yaml(NL, lambda d: d.update(language="en")),
        NL,
        ("language",),
        r"'en'",
    ),
    Fault(
        "dutch-locale-missing",
        lambda root: (root / NL).unlink(),
        NL,
        ("file",),
        r"Dutch texts are missing",
    ),
    Fault(
        "tip-with-unknown-factor",
        edit_yaml(TIPS, lambda d: tip(d, "weten_vroeg").update(factor="wetn")),
        TIPS,
        ("weten_vroeg",),
        r"unknown|no factor",
    ),
    Fault(
        "tip-with-unknown-layer",
        edit_yaml(TIPS, lambda d: tip(d, "fase_2").update(layer="individuu")),
        TIPS,
        ("fase_2",),
        r"unknown|no layer",
    ),
    Fault(
        "phase-question-on-the-agreement-scale",
        edit_yaml(SCAN, lambda d: question(d, "fase_hr").update(scale="klopt5")),
        SCAN,
        ("fase_hr", "klopt5"),
        r"phase",
    ),
    Fault(
        "locale-missing-a-message",
        edit_yaml(NL, lambda d: d["messages"].pop("position")),
        NL,
        ("message 'position'",),
        r"no text",
    ),
    Fault(
        "locale-with-a-stray-message",
        edit_yaml(NL, lambda d: d["messages"].update(welkom_oud="Hallo")),
        NL,
        ("message 'welkom_oud'",),
        r"not a message the bot uses",
    ),
    Fault(
        "when-with-no-values",
        edit_yaml(SCAN, lambda d: question(d, "fase_hr").update(when={"rol": []})),
        SCAN,
        ("fase_hr",),
        r"'rol'.*(never|no values|empty)",
    ),
    Fault(
        "duplicate-key-in-locale",
        edit_text(
            NL,
            "\n  er_weten_2:\n",
            '\n  er_weten_1:\n    text: "Een tweede tekst voor dezelfde vraag."\n  er_weten_2:\n',
        ),
        NL,
        ("er_weten_1",),
        r"twice|duplicate",
    ),
    Fault(
        "locale-label-for-an-option-the-question-lacks",
        edit_yaml(
            NL,
            lambda d: d["questions"]["fase_individu"]["options"].update(
                onbewst=d["questions"]["fase_individu"]["options"].pop("onbewust")
            ),
        ),
        NL,
        ("fase_individu", "onbewst"),
        r"unknown|no option|not an option",
    ),
    Fault(
        "empty-question-text",
        edit_yaml(NL, lambda d: d["questions"]["er_kunnen_1"].update(text="")),
        NL,
        ("er_kunnen_1",),
        r"no text|empty",
    ),
]


def copy_content(root: Path) -> None:
    for content in CONTENT_DIR.glob("*.yaml"):  # the structure, scoring rules and tips
        shutil.copy(content, root / content.name)
    shutil.copytree(CONTENT_DIR / LOCALES_DIR, root / LOCALES_DIR)


def test_an_unbroken_copy_loads(tmp_path: Path) -> None:
    """The broken copies below differ from a copy that loads in one thing only."""
    copy_content(tmp_path)
    edit_yaml(SCAN, lambda d: None)(tmp_path)
    edit_yaml(NL, lambda d: None)(tmp_path)
    dialogue: Dialogue = load_dialogue(tmp_path)
    assert [q.id for q in dialogue.questions] == [q.id for q in SHIPPED.questions]


@pytest.mark.parametrize("fault", [f.param() for f in FAULTS])
def test_a_broken_file_is_named_with_the_item_and_the_fault(tmp_path: Path, fault: Fault) -> None:
    copy_content(tmp_path)
    fault.edit(tmp_path)
    with pytest.raises(DialogueError) as caught:
        load_dialogue(tmp_path)
    error = caught.value
    message = str(error)
    assert error.file.endswith(fault.file) and fault.file in message.split(": ")[0], message
    for part in fault.item:
        assert part in error.item, f"{part!r} not named in {message!r}"
    if fault.id == "scale-options-out-of-order":
        first_user = next(q for q in SHIPPED.questions if q.scale == "klopt5")
        assert "klopt5" in error.item or first_user.id in error.item, message
    assert re.search(fault.fault, error.fault, re.IGNORECASE), message
    assert message == f"{error.file}: {error.item}: {error.fault}"


def test_resolved_questions_look_up_their_options() -> None:
    rol: ResolvedQuestion = SHIPPED.question("rol")
    assert rol.option(rol.options[0].value) == rol.options[0]
    assert rol.option("bestaat_niet") is None
    assert rol.skip_option is None
    assert SHIPPED.question("er_weten_1").skip_option is not None
