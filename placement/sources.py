"""Sources of learning beside people (TNO layers 'taken' and 'omgeving'): a score per layer."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.answers import Answers, known_below, mean_score


def source_scores(dialogue: Dialogue, answers: Answers) -> dict[str, float | None]:
    """The mean score of each layer's items, in the rules' order."""
    rules = dialogue.scoring.learning_sources
    return {rule.layer: mean_score(dialogue, answers, rule.questions) for rule in rules.layers}


def weak_sources(dialogue: Dialogue, scores: dict[str, float | None]) -> list[str]:
    """The layers whose known score is below the rule's limit."""
    return known_below(scores, dialogue.scoring.learning_sources.weak_below)
