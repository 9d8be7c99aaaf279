"""Typed schema of the scoring rules (scoring.yaml) and the tip library (tips.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dialogues.schema import Identifier, Strict

# Slots a role's tips are chosen for, in order (see scoring.yaml 'tips' and docs/scoring.md).
TipSlot = Literal["factor", "phase", "role", "preference", "condition", "core", "path", "source"]
# Who is ahead when layers are out of balance; the Groeimodel article names the first two.
IMBALANCE_KINDS = ("werkvloer_voor", "organisatie_voor", "gemengd")
# What a discussion question in the conversation kit can be about (placement/kit.py).
KIT_TOPICS = ("path", "condition", "imbalance", "factor", "core", "general")


class LayerRule(Strict):
    """Which phase question fills a layer: as seen by others, or by someone in that layer."""

    layer: Identifier
    seen: list[Identifier] = Field(min_length=1, description="the first one answered counts")
    own: Identifier | None = None


class ImbalanceRule(Strict):
    """When phases differ too much between layers, and which layers form each side.

    One person: the mean phase of one side minus the other's is at least `person_gap`.
    A group: the highest minus the lowest layer mean (over people) is at least `group_gap`.
    """

    person_gap: float = Field(gt=0, le=4)
    group_gap: float = Field(gt=0, le=4)
    workfloor: list[Identifier] = Field(min_length=1)
    organisation: list[Identifier] = Field(min_length=1)


class PhaseRules(Strict):
    """Groeimodel: the phase of each layer."""

    source: Identifier
    own_layer: Identifier
    layers: list[LayerRule] = Field(min_length=1)
    imbalance: ImbalanceRule


class RoleRule(Strict):
    """One answer to the role question: the respondent's layer and their tip slots."""

    value: Identifier
    layer: Identifier
    tips: list[TipSlot] = Field(min_length=1)


class RoleRules(Strict):
    question: Identifier
    options: list[RoleRule] = Field(min_length=1)


class EigenRegieRules(Strict):
    """Eigen regie: when factors count as equal, and how a tie is broken for a tip."""

    source: Identifier
    model: Identifier
    equal_within: float = Field(ge=0, description="differences up to this are 'about equal'")
    unknown_share: float = Field(gt=0, le=1, description="too little known below this share")
    low_at_most: int = Field(ge=1, description="an answer this low counts as a low answer")
    tie_priority: list[Identifier] = Field(min_length=1)


class QualityRule(Strict):
    """Straight-lining: every answered statement of the scale got the same option."""

    scale: Identifier
    min_items: int = Field(ge=2)


class MovementRule(Strict):
    """A change since the last scan is named only beyond what one answer step can make."""

    factor_change: float = Field(gt=0)
    phase_change: int = Field(ge=1)


class RingBand(Strict):
    """A ring holds every eigen-regie level below `below`; the last ring has no limit."""

    ring: Identifier
    below: float | None = None


class WeakestCap(Strict):
    below: float
    ring: Identifier


class ProcessRule(Strict):
    process: Identifier
    questions: list[Identifier] = Field(min_length=1)


class PositionRule(Strict):
    position: Identifier
    ring: Identifier
    process: Identifier


class PathRules(Strict):
    """Bartsch: ring from eigen regie, process where the learning structure stalls."""

    source: Identifier
    min_factors: int = Field(ge=1)
    rings: list[RingBand] = Field(min_length=1)
    weakest_cap: WeakestCap | None = None
    stalled_below: float
    processes: list[ProcessRule] = Field(min_length=1)
    positions: list[PositionRule] = Field(min_length=1)


class VerdictBand(Strict):
    verdict: Identifier
    below: float | None = None


class SustainabilityRules(Strict):
    """Duurzaam Lerende Organisaties: basic question and five core questions."""

    source: Identifier
    basis: Identifier
    core: list[Identifier] = Field(min_length=1)
    verdicts: list[VerdictBand] = Field(min_length=2)
    weak_core_below: float


class ConditionRule(Strict):
    condition: Identifier
    source: Identifier
    questions: list[Identifier] = Field(min_length=1)


class PreconditionRules(Strict):
    weak_below: float
    conditions: list[ConditionRule] = Field(min_length=1)


class PreferenceRule(Strict):
    source: Identifier
    question: Identifier


class LloMoment(Strict):
    moment: Identifier
    question: Identifier


class LloPosition(Strict):
    position: Identifier
    timing: Literal["reactief", "proactief"]
    focus: Literal["organisatie", "mensen"]


class LloRules(Strict):
    source: Identifier
    moments: list[LloMoment] = Field(min_length=1)
    positions: list[LloPosition] = Field(min_length=1)


class TipRules(Strict):
    count: int = Field(ge=1, le=5)
    preference_layers: list[Identifier] = Field(min_length=1)
    staff_layer: Identifier = Field(
        description="the layer whose phase a lead's, HR's or management's interventions fit"
    )


class TeamRules(Strict):
    """A team's picture for its lead: the layer the interventions are for, and their slots."""

    layer: Identifier
    reader: Identifier = Field(description="the role that reads the team's tips")
    tips: list[TipSlot] = Field(min_length=1)


class SourceLayerRule(Strict):
    layer: Identifier
    questions: list[Identifier] = Field(min_length=1)


class LearningSourceRules(Strict):
    """TNO layers 'taken' and 'omgeving': tasks and the outside world as sources of learning."""

    source: Identifier
    weak_below: float
    layers: list[SourceLayerRule] = Field(min_length=1)


class AgendaStep(Strict):
    step: Identifier
    minutes: int = Field(gt=0, le=60)


class KitRules(Strict):
    """The conversation kit for the team meeting after a closed round.

    `topics` in order; each gives a question when the team's figures call for it, and the
    first `questions` that do are asked. `llo_roles`: a team mostly of these roles (a
    management team) also gets the LLO dialogue exercise.
    """

    questions: int = Field(gt=0, le=5)
    topics: list[Identifier] = Field(min_length=1)
    agenda: list[AgendaStep] = Field(min_length=1)
    general: list[Identifier] = Field(min_length=1, description="questions for any team")
    llo_roles: list[Identifier] = Field(default_factory=list)


class PulseRules(Strict):
    """The short pulse 6-12 weeks after a closed round, and when it shows a change.

    `focus`: per kit topic, per key the kit can choose there, the items the pulse asks.
    """

    questions: int = Field(gt=0, le=10)
    after_days: int = Field(ge=0)
    until_days: int = Field(gt=0)
    z: float = Field(gt=0)
    min_step: float = Field(ge=0)
    focus: dict[Identifier, dict[Identifier, list[Identifier]]]


class Scoring(Strict):
    """Everything in scoring.yaml."""

    phases: PhaseRules
    roles: RoleRules
    eigen_regie: EigenRegieRules
    path: PathRules
    sustainability: SustainabilityRules
    preconditions: PreconditionRules
    preference: PreferenceRule
    llo: LloRules
    tips: TipRules
    team: TeamRules
    learning_sources: LearningSourceRules
    quality: QualityRule
    movement: MovementRule
    kit: KitRules
    pulse: PulseRules


class Tip(Strict):
    """Advice for one situation, tagged with who reads it, what it rests on and its source."""

    id: Identifier
    source: Identifier
    layer: Identifier = Field(description="the layer that acts on the tip")
    audience: list[Identifier] = Field(
        min_length=1, description="the roles (answers to the role question) the words address"
    )
    factor: Identifier | None = None
    phases: list[int] = Field(
        default_factory=list,
        description="the work floor's phases it fits (the TNO table's order); empty: every phase",
    )
    shows: int | None = Field(
        default=None,
        description="the phase of the acting layer's own behaviour item this tip asks for",
    )
    preferences: list[Identifier] = Field(default_factory=list)
    condition: Identifier | None = Field(default=None, description="a weak precondition")
    core: Identifier | None = Field(default=None, description="a weak sustainability question")
    processes: list[Identifier] = Field(
        default_factory=list, description="path positions on these processes"
    )

    @property
    def topic(self) -> bool:
        """Rests on something other than a phase: a factor, condition, core question or path."""
        return bool(self.factor or self.condition or self.core or self.processes)


class TipLibrary(Strict):
    """Everything in tips.yaml."""

    addressed_to_workers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="per language: words that only a worker can act on ('ask your lead')",
    )
    tips: list[Tip] = Field(min_length=1)
