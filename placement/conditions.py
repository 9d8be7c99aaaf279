"""Preconditions (TNO): each scored from its items, flagged when weak."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.answers import Answers, known_below, mean_score


def precondition_scores(dialogue: Dialogue, answers: Answers) -> dict[str, float | None]:
    rules = dialogue.scoring.preconditions
    return {c.condition: mean_score(dialogue, answers, c.questions) for c in rules.conditions}


def weak_conditions(dialogue: Dialogue, scores: dict[str, float | None]) -> list[str]:
    """The preconditions whose known score is below the rule's limit, in the rules' order."""
    return known_below(scores, dialogue.scoring.preconditions.weak_below)
