"""The items: a mirror per layer, plain words for workers, and how many items each construct has.

Self and outside view of a layer read the same five options, word for word, in every language,
so 'how I see my lead' and 'how my lead sees themself' compare on one scale. Worker-facing text
keeps sentences short, long words rare, and leaves out jargon a worker does not know.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dialogues.errors import DialogueError
from dialogues.loader import Dialogue, load_dialogue, mirror_pairs, option_label
from tests.test_content import assert_error_names, broken_copy

WORKER = "medewerker"
# Readability of everything a worker reads in the scan (questions, hints, buttons, tips), in Dutch.
MAX_SENTENCE_WORDS = 15
LONG_WORD_LETTERS = 13
MAX_LONG_WORD_SHARE = 0.02
# Words a worker may not know: jargon of the models and abbreviations. Allowed only when a
# parenthesis right after it explains it.
UNEXPLAINED = [
    "programmeren",
    "cultivatie",
    "realisatie",
    "activatie",
    "onbewust",
    "LLO",
    "MT",
    "DLO",
    "HRD",
    "L&D",
    "maturity",
    "interventie",
    "interventies",
    "randvoorwaarde",
    "randvoorwaarden",
    "eigen regie",
]
# Items per construct (model and dimension), the figure for the closing note of issue 22.
ITEMS_PER_CONSTRUCT = {
    ("deelname", "toestemming"): 1,
    ("groeimodel", "eigen_laag"): 1,
    ("groeimodel", "individu"): 1,
    ("groeimodel", "collegas"): 3,  # one asked: colleagues, own team, or the staff
    ("groeimodel", "leidinggevende"): 3,  # one asked: own lead, the leads, or oneself
    ("groeimodel", "hr"): 2,  # one asked: from outside, or oneself
    ("groeimodel", "directie"): 2,  # one asked: from outside, or oneself
    ("eigen_regie", "weten"): 2,
    ("eigen_regie", "willen"): 2,
    ("eigen_regie", "kunnen"): 2,
    ("eigen_regie", "durven"): 2,
    ("eigen_regie", "mogen"): 2,
    ("leerstructuur", "doelen_stellen"): 2,
    ("leerstructuur", "programmeren"): 2,
    ("leerstructuur", "padvinden"): 2,
    ("leerstructuur", "leren"): 2,
    ("leeromgeving", "taken"): 1,
    ("leeromgeving", "omgeving"): 1,
    ("dlo", "basisvraag"): 1,
    ("dlo", "economisch"): 1,
    ("dlo", "sociaal"): 1,
    ("dlo", "ecologisch"): 1,
    ("dlo", "huidige_generatie"): 1,
    ("dlo", "toekomstige_generaties"): 1,
    ("leervoorkeur", "leervoorkeur"): 1,
    ("llo_dialoog", "deelname"): 1,
    ("llo_dialoog", "verleden"): 1,
    ("llo_dialoog", "heden"): 1,
    ("llo_dialoog", "gewenst"): 1,
}


def test_items_per_construct(dialogue: Dialogue, capsys: pytest.CaptureFixture[str]) -> None:
    counts = Counter((q.model, q.measures) for q in dialogue.questions)
    with capsys.disabled():
        print("\nitems per construct (model/dimension: items):")
        for (model, dimension), n in counts.items():
            print(f"  {model}/{dimension}: {n}")
        print(f"  total: {sum(counts.values())} items")
    assert dict(counts) == ITEMS_PER_CONSTRUCT


def test_every_layer_has_a_mirror_item_with_the_same_words_in_every_language(
    dialogue: Dialogue,
) -> None:
    pairs = mirror_pairs(dialogue.questions)
    mirrored = {dialogue.question(target).measures for _, target in pairs}
    assert mirrored == {"collegas", "leidinggevende", "hr", "directie"}
    for rule in dialogue.scoring.phases.layers:
        if rule.own is not None:  # the self item mirrors the outside one
            assert (rule.own, rule.seen[0]) in pairs, rule.layer
    for code in ("nl", "en"):
        locale = dialogue.locale(code)
        for question, target in pairs:
            own, theirs = dialogue.question(question), dialogue.question(target)
            assert [option_label(locale, own, o) for o in own.options] == [
                option_label(locale, theirs, o) for o in theirs.options
            ], (code, question)


def test_the_lead_item_runs_from_instructing_to_guiding_to_coaching(dialogue: Dialogue) -> None:
    options = dialogue.locale("nl").questions["fase_leiding"].options
    assert "Vertelt" in options["selectie"]  # instructing
    assert "op weg" in options["actie"]  # guiding
    assert "Stelt vragen" in options["toepassing"]  # coaching
    assert "Coacht" in options["continu_lerend"]


@pytest.mark.parametrize(
    ("file", "edit", "item", "fault"),
    [
        (
            "locales/nl.yaml",
            {
                "      continu_lerend: Coacht vanzelf en leert zelf ook\n  fase_zelf_hr:": (
                    "      continu_lerend: Coacht vanzelf\n  fase_zelf_hr:"
                )
            },
            "question 'fase_zelf_leiding' option 'continu_lerend'",
            "a mirror pair uses the same words",
        ),
        (
            "scan.yaml",
            {"mirror: fase_hr}": "mirror: fase_individu}"},
            "question 'fase_zelf_hr' mirror 'fase_individu'",
            "same layer",
        ),
        (
            "scan.yaml",
            {"mirror: fase_hr}": "mirror: fase_hrr}"},
            "question 'fase_zelf_hr' mirror 'fase_hrr'",
            "not a question",
        ),
    ],
)
def test_a_broken_mirror_names_file_and_item(
    tmp_path: Path, file: str, edit: dict[str, str], item: str, fault: str
) -> None:
    assert_error_names(tmp_path, file, edit, item, fault)


@pytest.mark.parametrize(
    ("file", "edit", "item", "fault"),
    [
        (  # a lead's tip that sends the lead to their own lead
            "locales/nl.yaml",
            {'  lg_2: "Vraag in het': '  lg_2: "Vraag je leidinggevende om hulp. Vraag in het'},
            "tip 'lg_2'",
            "words for a worker",
        ),
        (
            "locales/en.yaml",
            {'  hr_volgen: "Ask every': '  hr_volgen: "Ask your team leader. Ask every'},
            "tip 'hr_volgen'",
            "addresses 'hr'",
        ),
        (  # a worker-addressed tip in a lead's slot
            "tips.yaml",
            {
                "audience: [leidinggevende], phases: [1], shows: 2": (
                    "audience: [medewerker], phases: [1], shows: 2"
                )
            },
            "tip 'lg_1'",
            "not 'medewerker'",
        ),
        (  # a worker's tip for their phase that asks for what they already do
            "tips.yaml",
            {"phases: [3], shows: 4": "phases: [3], shows: 3"},
            "tip 'fase_3'",
            "shows phase 3",
        ),
        (  # a weak precondition nobody can get a tip for
            "tips.yaml",
            {"  - {id: rv_visie,": "  - {id: rv_visie_weg, audience: [hr],"},
            "tips for 'medewerker'",
            "no tip for precondition 'visie'",
        ),
    ],
)
def test_a_tip_for_the_wrong_reader_is_rejected(
    tmp_path: Path, file: str, edit: dict[str, str], item: str, fault: str
) -> None:
    target = broken_copy(tmp_path, file, edit)
    if "rv_visie_weg" in str(edit):  # the renamed tip needs words, and one audience only
        tips = target / "tips.yaml"
        text = tips.read_text(encoding="utf-8").replace(
            "rv_visie_weg, audience: [hr], source: tno_leercultuur, layer: collegas, "
            "audience: [medewerker, leidinggevende, hr, directie]",
            "rv_visie_weg, source: tno_leercultuur, layer: collegas, audience: [hr]",
        )
        tips.write_text(text, encoding="utf-8")
    with pytest.raises(DialogueError) as raised:
        load_dialogue(target)
    assert raised.value.file.endswith(file)
    assert raised.value.item == item
    assert fault in raised.value.fault


def worker_texts(dialogue: Dialogue) -> list[tuple[str, str]]:
    """Everything a worker reads in Dutch: questions asked of workers, hints, buttons, tips."""
    locale = dialogue.locale("nl")
    role = dialogue.scoring.roles.question

    texts: list[tuple[str, str]] = []
    for question in dialogue.questions:
        roles = (question.when or {}).get(role)
        if question.when and roles is None:
            continue  # asked only after an answer workers are not asked for (the llo block)
        if roles is not None and WORKER not in roles:
            continue
        words = locale.questions[question.id]
        texts += [(question.id, words.text)] + ([(question.id, words.hint)] if words.hint else [])
        texts += [(question.id, option_label(locale, question, o)) for o in question.options]
    texts += [(f"tip {t.id}", locale.tips[t.id]) for t in dialogue.tips if WORKER in t.audience]
    blocks = {dialogue.question(item).block for item, _ in texts if dialogue.has_question(item)}
    for block in blocks:
        heading = locale.blocks[block]
        texts += [(f"block {block}", heading.title)]
        texts += [(f"block {block}", heading.intro)] if heading.intro else []
    for condition, named in locale.preconditions.items():  # named in the worker's summary
        texts += [(f"precondition {condition}", named.name), (condition, named.text)]
    return texts


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text)


def test_worker_facing_text_is_plain(dialogue: Dialogue) -> None:
    texts = worker_texts(dialogue)
    assert len(texts) > 200
    every_word: list[str] = []
    for item, text in texts:
        for sentence in re.split(r"[.?!:;]+", text):
            assert len(words_of(sentence)) <= MAX_SENTENCE_WORDS, (item, sentence)
        every_word += words_of(text)
        for word in UNEXPLAINED:
            for hit in re.finditer(rf"(?<![\w&]){re.escape(word)}(?![\w&])", text, re.I):
                explained = text[hit.end() :].lstrip().startswith("(")
                assert explained, f"{item}: '{word}' without an explanation: {text}"
    long_words = [w for w in every_word if len(w) >= LONG_WORD_LETTERS]
    share = len(long_words) / len(every_word)
    assert share <= MAX_LONG_WORD_SHARE, (share, Counter(long_words).most_common(5))


def test_double_barrelled_and_double_negative_items_are_gone(dialogue: Dialogue) -> None:
    nl = dialogue.locale("nl").questions
    assert " en " not in nl["er_kunnen_2"].text  # was: work and home in one item
    assert " en " not in nl["lo_taken"].text  # was: varied and hard in one item
    assert " en " not in nl["dlo_basis"].text  # was: changes and courses in one item
    # 'Klopt niet' on a sentence with 'niet' is a double negation.
    scale_items = [q for q in dialogue.questions if q.scale == "klopt5"]
    negated = [q.id for q in scale_items if re.search(r"\b(niet|geen|nooit)\b", nl[q.id].text)]
    assert negated == []
