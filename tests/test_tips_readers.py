"""Advice addressed to its reader: every role gets tips it can act on, never what it already does.

A worker gets worker tips; a lead, HR and management get their own layer's interventions, chosen
by the phase of their staff, and tips worded for everyone. No tip for a lead, HR or management
tells them to ask their leidinggevende, and no tip asks for behaviour the reader just said they
show. Every weak precondition, weak core question, place on the path and weak source of learning
has a tip each reader could get.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogues.loader import Dialogue, default_dialogue
from dialogues.rules import Tip
from placement import compute_placement
from placement.team import team_advice
from placement.tips import TipContext, choose_tips
from statemachine import Interview

DIALOGUE = default_dialogue()
ROLES = [rule.value for rule in DIALOGUE.scoring.roles.options]
WORKER = "medewerker"
BY_ID = {t.id: t for t in DIALOGUE.tips}
# What a lead, HR or management never reads: words that send them to their own lead.
TO_A_LEAD = {
    "nl": re.compile(r"\b(je|jouw) (leidinggevende|baas)\b", re.I),
    "en": re.compile(r"\byour (team leader|lead|manager|boss)\b", re.I),
}


def interview_answers(dialogue: Dialogue, role: str, rng: random.Random) -> dict[str, str]:
    """A full interview for this role: every question that applies gets a random option."""
    answers = {dialogue.questions[0].id: "ja", dialogue.scoring.roles.question: role}
    interview = Interview(dialogue=dialogue, answers=answers)
    for question in dialogue.questions:
        if question.id not in answers and interview.applies(question):
            answers[question.id] = rng.choice(
                [o.value for o in question.options if not o.ends_interview]
            )
    return answers


def role_layer(role: str) -> str:
    return next(r.layer for r in DIALOGUE.scoring.roles.options if r.value == role)


def self_item(role: str) -> str | None:
    """The question where someone in this role placed their own layer's behaviour."""
    layer = role_layer(role)
    rule = next(r for r in DIALOGUE.scoring.phases.layers if r.layer == layer)
    return rule.own or (rule.seen[0] if layer == DIALOGUE.scoring.phases.own_layer else None)


def addressed_to_a_worker(tip: Tip) -> bool:
    return tip.audience == [WORKER] or any(
        pattern.search(DIALOGUE.locale(code).tips[tip.id]) for code, pattern in TO_A_LEAD.items()
    )


@pytest.mark.parametrize("role", ROLES)
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_every_role_gets_tips_addressed_to_it(role: str, seed: int) -> None:
    answers = interview_answers(DIALOGUE, role, random.Random(seed))
    placement = compute_placement(DIALOGUE, answers)
    tips = [BY_ID[t] for t in placement.tips]
    assert len(tips) == DIALOGUE.scoring.tips.count, (role, placement.tips)
    assert all(role in t.audience for t in tips), (role, placement.tips)
    if role != WORKER:
        assert not [t.id for t in tips if addressed_to_a_worker(t)], role
        # Their own layer's interventions come first, not a worker's learning tips.
        assert tips[0].layer == role_layer(role) or tips[0].topic, placement.tips
    else:
        assert all(t.layer not in ("leidinggevende", "hr", "directie") for t in tips)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("said", ["onbewust", "selectie", "actie", "toepassing", "continu_lerend"])
def test_no_tip_repeats_the_behaviour_the_reader_chose(role: str, said: str) -> None:
    """Whatever else they answered, no tip asks for their own layer's behaviour at that phase
    or before: the next phase's tip comes instead."""
    question = self_item(role)
    assert question is not None
    chosen = DIALOGUE.question(question).option(said)
    assert chosen is not None and chosen.score is not None
    rng = random.Random(f"{role}{said}")
    for _ in range(60):
        answers = {**interview_answers(DIALOGUE, role, rng), question: said}
        for tip_id in compute_placement(DIALOGUE, answers).tips:
            tip = BY_ID[tip_id]
            if tip.layer == role_layer(role) and tip.shows is not None:
                assert tip.shows > chosen.score, (role, said, tip_id)


def test_the_reported_repeats_are_gone() -> None:
    """The issue's cases: a lead who arranges time or money gets no 'arrange time and money';
    HR that checks what learning yields gets no 'map what learning yields'. Their staff is at
    the phase those tips were made for, so only the repeat rule keeps them out."""
    rng = random.Random(22)
    cases = [  # role, own item, what they said, staff item, staff phase, the repeat
        ("leidinggevende", "fase_zelf_leiding", "actie", "fase_team", "actie", "lg_3"),
        ("hr", "fase_zelf_hr", "toepassing", "fase_medewerkers", "toepassing", "hr_4"),
        ("directie", "fase_zelf_directie", "actie", "fase_medewerkers", "actie", "dir_3"),
    ]
    for role, question, said, staff, phase, repeat in cases:
        for _ in range(40):
            answers = {**interview_answers(DIALOGUE, role, rng), question: said, staff: phase}
            assert repeat not in compute_placement(DIALOGUE, answers).tips
            answers[question] = "onbewust"  # not done yet: now it may come
        assert repeat in compute_placement(DIALOGUE, answers).tips, (role, repeat)


def test_a_lead_gets_interventions_for_the_phase_of_their_team() -> None:
    """The TNO table sorts a lead's interventions by the staff's phase."""
    base = interview_answers(DIALOGUE, "leidinggevende", random.Random(1))
    base["fase_zelf_leiding"] = "onbewust"  # nothing done yet: no tip is a repeat
    expected = {1: "lg_1", 2: "lg_2", 3: "lg_3", 4: "lg_4", 5: "lg_5"}
    for option in DIALOGUE.question("fase_team").options:
        if option.score is not None:
            tips = compute_placement(DIALOGUE, {**base, "fase_team": option.value}).tips
            assert tips[0] == expected[option.score], (option.value, tips)


@settings(max_examples=150, deadline=None)
@given(
    phases=st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=5, max_size=5),
    factors=st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=5, max_size=5),
    conditions=st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=5, max_size=5),
    processes=st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=4, max_size=4),
)
def test_the_team_view_holds_only_tips_for_its_lead(
    phases: list[float | None],
    factors: list[float | None],
    conditions: list[float | None],
    processes: list[float | None],
) -> None:
    rules = DIALOGUE.scoring
    means: dict[tuple[str, str], float | None] = {}
    means.update(zip((("groeimodel", r.layer) for r in rules.phases.layers), phases, strict=True))
    regie = DIALOGUE.model("eigen_regie").dimensions
    means.update(zip((("eigen_regie", f) for f in regie), factors, strict=True))
    names = [("randvoorwaarden", c.condition) for c in rules.preconditions.conditions]
    means.update(zip(names, conditions, strict=True))
    steps = [("leerstructuur", p.process) for p in rules.path.processes]
    means.update(zip(steps, processes, strict=True))
    advice = team_advice(DIALOGUE, means)
    tips = [BY_ID[t] for t in advice.tips]
    assert len(tips) == rules.tips.count
    assert all(rules.team.reader in t.audience for t in tips), advice.tips
    assert not [t.id for t in tips if addressed_to_a_worker(t)], advice.tips
    done = means[("groeimodel", rules.team.layer)]
    for tip in tips:
        if tip.shows is not None and done is not None:
            assert tip.shows > int(done + 0.5), (advice.tips, done)


def context(reader: str, **weak: object) -> TipContext:
    rule = next(r for r in DIALOGUE.scoring.roles.options if r.value == reader)
    return TipContext(
        reader=reader,
        role_layer=rule.layer,
        own_layer=DIALOGUE.scoring.phases.own_layer,
        phases={},
        weakest=None,
        preference=None,
        staff_layer=DIALOGUE.scoring.tips.staff_layer,
        **weak,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("reader", ROLES)
def test_every_weak_point_leads_to_a_possible_tip(reader: str) -> None:
    rules = DIALOGUE.scoring
    for condition in rules.preconditions.conditions:
        found = choose_tips(
            DIALOGUE, context(reader, weak_conditions=(condition.condition,)), ["condition"]
        )
        assert found and BY_ID[found[0]].condition == condition.condition, (reader, condition)
    for core in rules.sustainability.core:
        found = choose_tips(DIALOGUE, context(reader, weak_core=core), ["core"])
        assert found and BY_ID[found[0]].core == core, (reader, core)
    for position in rules.path.positions:
        found = choose_tips(DIALOGUE, context(reader, process=position.process), ["path"])
        assert found and position.process in BY_ID[found[0]].processes, (reader, position)
    if reader == WORKER:
        for source in rules.learning_sources.layers:
            for phase in range(1, 6):
                ctx = replace(
                    context(reader, weak_sources=(source.layer,)), phases={"individu": phase}
                )
                found = choose_tips(DIALOGUE, ctx, ["source"])
                assert found and BY_ID[found[0]].layer == source.layer, (source.layer, phase)


def test_weak_tasks_or_outside_world_are_scored_and_lead_to_their_tips() -> None:
    base = interview_answers(DIALOGUE, WORKER, random.Random(3))
    low = {**base, "lo_taken": "klopt_helemaal_niet", "lo_buiten": "klopt_niet"}
    placement = compute_placement(DIALOGUE, low)
    assert placement.learning_sources == {"taken": 1.0, "omgeving": 2.0}
    assert placement.weak_sources == ["taken", "omgeving"]
    high = compute_placement(DIALOGUE, {**base, "lo_taken": "klopt", "lo_buiten": "weet_niet"})
    assert high.learning_sources == {"taken": 4.0, "omgeving": None}
    assert high.weak_sources == []
    # With nothing else weak, the weak source of learning brings a tip of its own layer.
    calm = {q: "klopt_helemaal" for q in low if DIALOGUE.question(q).scale == "klopt5"}
    answers = {**base, **calm, "dlo_basis": "veerkrachtig", "lo_taken": "klopt_niet"}
    tips = compute_placement(DIALOGUE, answers).tips
    assert any(BY_ID[t].layer == "taken" for t in tips), tips
