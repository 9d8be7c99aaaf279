"""Computes a respondent's placement from their answers; pure functions, no I/O.

Every rule comes from dialogues/scoring.yaml; docs/scoring.md explains them and their sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogues.loader import Dialogue
from placement import statements as say
from placement.answers import Answers, choice, score
from placement.conditions import precondition_scores, weak_conditions
from placement.evidence import Statement
from placement.layers import Imbalance, imbalance, layer_phases
from placement.llo import llo_moves, llo_positions
from placement.path import PathPlace, path_place
from placement.regie import Regie, factor_scores, regie
from placement.sources import source_scores, weak_sources
from placement.sustainability import Sustainability, sustainability
from placement.tips import TipContext, choose_tips


@dataclass(frozen=True)
class Placement:
    """Everything the summary names, and the scores that are stored."""

    role: str | None
    role_layer: str
    own_layer: str
    phases: dict[str, int | None]
    phase_questions: dict[str, str]
    own_view: str | None
    imbalance: Imbalance | None
    factors: dict[str, float | None]
    strongest: str | None
    weakest: str | None
    path: PathPlace
    sustainability: Sustainability
    conditions: dict[str, float | None]
    weak_conditions: list[str]
    preference: str | None
    llo: dict[str, str | None] | None
    llo_moves: list[str]
    tips: list[str] = field(default_factory=list)
    resilience: int | None = None
    learning_sources: dict[str, float | None] = field(default_factory=dict)
    weak_sources: list[str] = field(default_factory=list)
    regie: Regie | None = None
    statements: tuple[Statement, ...] = ()

    @property
    def own_phase(self) -> int | None:
        return self.phases.get(self.own_layer)

    @property
    def same_answers(self) -> bool:
        """Response quality: every answered statement got the same option (see quality)."""
        return any(s.key == "same_answers" for s in self.statements)

    def said(self, key: str) -> list[Statement]:
        """The statements of one kind, in the order they were made."""
        return [s for s in self.statements if s.key == key]


def compute_placement(dialogue: Dialogue, answers: Answers) -> Placement:
    """Places one respondent from their answers (question id → option value)."""
    rules = dialogue.scoring
    role = choice(dialogue, answers, rules.roles.question)
    role_rule = next((r for r in rules.roles.options if r.value == role), rules.roles.options[0])
    own_layer = rules.phases.own_layer
    layers = layer_phases(dialogue, answers, role_rule.layer)
    phases = layers.phases
    factors = factor_scores(dialogue, answers)
    how = regie(dialogue, answers, factors)
    strongest, weakest = how.top, how.tip_factor
    preference = choice(dialogue, answers, rules.preference.question)
    conditions = precondition_scores(dialogue, answers)
    llo = llo_positions(dialogue, answers)
    weak = weak_conditions(dialogue, conditions)
    path = path_place(dialogue, answers, factors)
    energy = sustainability(dialogue, answers)
    sources = source_scores(dialogue, answers)
    context = TipContext(
        reader=role_rule.value,
        role_layer=role_rule.layer,
        own_layer=own_layer,
        phases=phases,
        weakest=weakest,
        preference=preference,
        staff_layer=rules.tips.staff_layer,
        weak_conditions=tuple(weak),
        weak_core=energy.weak_core,
        process=path.process,
        weak_sources=tuple(weak_sources(dialogue, sources)),
    )
    found = imbalance(dialogue, phases)
    statements = [
        *say.regie_statements(dialogue, factors, how),
        say.quality_statement(dialogue, answers),
        *say.phase_statements(phases, layers.questions, found),
        *say.path_statements(dialogue, factors, path),
        *say.energy_statements(dialogue, energy),
        *say.condition_statements(dialogue, weak),
        *say.source_statements(dialogue, sources),
        say.choice_statement("preference", rules.preference.question, preference),
    ]
    return Placement(
        role=role,
        role_layer=role_rule.layer,
        own_layer=own_layer,
        phases=phases,
        phase_questions=layers.questions,
        own_view=layers.own_view,
        imbalance=found,
        factors=factors,
        strongest=strongest,
        weakest=weakest,
        path=path,
        sustainability=energy,
        conditions=conditions,
        weak_conditions=weak,
        preference=preference,
        llo=llo,
        llo_moves=llo_moves(dialogue, llo),
        tips=choose_tips(dialogue, context, list(role_rule.tips)),
        resilience=score(dialogue, answers, rules.sustainability.basis),
        learning_sources=sources,
        weak_sources=list(context.weak_sources),
        regie=how,
        statements=tuple(s for s in statements if s is not None),
    )
