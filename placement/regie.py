"""Eigen regie: a score per factor, and the strongest and weakest factor."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.answers import Answers, mean_score


def factor_scores(dialogue: Dialogue, answers: Answers) -> dict[str, float | None]:
    """The mean score of each factor's statements, in the order of the model."""
    model = dialogue.scoring.eigen_regie.model
    questions = dialogue.questions_of(model)
    return {
        factor: mean_score(dialogue, answers, (q.id for q in questions if q.measures == factor))
        for factor in dialogue.model(model).dimensions
    }


def strongest_and_weakest(factors: dict[str, float | None]) -> tuple[str | None, str | None]:
    """The highest and lowest factor when they differ; a tie goes to the factor listed first."""
    known = {f: s for f, s in factors.items() if s is not None}
    if not known or max(known.values()) == min(known.values()):
        return None, None
    strongest = next(f for f, s in known.items() if s == max(known.values()))
    weakest = next(f for f, s in known.items() if s == min(known.values()))
    return strongest, weakest
