"""Computes a respondent's placement from their answers; pure functions, no I/O.

Rules (see the models in dialogues/scan.yaml):
- Groeimodel: the phase per layer is the score (1-5) of the option chosen for that layer;
  'weet ik niet' leaves the layer unknown, it never counts as a low phase.
- Eigen regie: a factor's score is the mean of its statements' scores, 'weet ik niet' left out;
  the strongest and weakest factor are named only when they differ.
- Tips: the tip for the weakest factor, then the tip for the respondent's own phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean

from dialogues.loader import Dialogue

OWN_LAYER = "individu"


@dataclass(frozen=True)
class Placement:
    phases: dict[str, int | None]
    factors: dict[str, float | None]
    strongest: str | None = None
    weakest: str | None = None
    resilience: int | None = None
    preference: str | None = None
    tips: list[str] = field(default_factory=list)

    @property
    def own_phase(self) -> int | None:
        return self.phases.get(OWN_LAYER)


def _score(dialogue: Dialogue, question_id: str, value: str | None) -> int | None:
    option = dialogue.question(question_id).option(value) if value else None
    return option.score if option is not None and not option.dont_know else None


def compute_placement(dialogue: Dialogue, answers: dict[str, str]) -> Placement:
    """Places one respondent from their answers (question id → option value)."""
    phases: dict[str, int | None] = {}
    for q in dialogue.questions_of("groeimodel"):
        if q.kind == "phase":
            phases[q.measures] = _score(dialogue, q.id, answers.get(q.id))

    factors: dict[str, float | None] = {}
    for factor in dialogue.model("eigen_regie").dimensions:
        scores = [
            s
            for q in dialogue.questions_of("eigen_regie")
            if q.measures == factor
            if (s := _score(dialogue, q.id, answers.get(q.id))) is not None
        ]
        factors[factor] = round(mean(scores), 2) if scores else None

    known = {f: s for f, s in factors.items() if s is not None}
    strongest = weakest = None
    if known and max(known.values()) > min(known.values()):
        strongest = max(known, key=lambda f: known[f])
        weakest = min(known, key=lambda f: known[f])

    resilience = next(
        (
            _score(dialogue, q.id, answers.get(q.id))
            for q in dialogue.questions_of("dlo")
            if q.measures == "basisvraag"
        ),
        None,
    )
    preference_value = next(
        (answers.get(q.id) for q in dialogue.questions_of("leervoorkeur")), None
    )
    preference_question = next(iter(dialogue.questions_of("leervoorkeur")), None)
    preference = None
    if preference_question and preference_value:
        option = preference_question.option(preference_value)
        preference = option.value if option and not option.dont_know else None

    own_phase = phases.get(OWN_LAYER)
    tips = [t.id for t in dialogue.tips if weakest and t.factor == weakest]
    tips += [
        t.id for t in dialogue.tips if own_phase and t.factor is None and own_phase in t.phases
    ]
    return Placement(
        phases=phases,
        factors=factors,
        strongest=strongest,
        weakest=weakest,
        resilience=resilience,
        preference=preference,
        tips=tips,
    )
