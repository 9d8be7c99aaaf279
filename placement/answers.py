"""Reading answers as scores: 'weet ik niet' and missing answers are both no score."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import mean

from dialogues.loader import Dialogue

Answers = dict[str, str]


def score(dialogue: Dialogue, answers: Answers, question_id: str) -> int | None:
    """The score of the option chosen, or None for 'weet ik niet', no answer or a choice."""
    value = answers.get(question_id)
    if value is None or not dialogue.has_question(question_id):
        return None
    option = dialogue.question(question_id).option(value)
    return option.score if option is not None and not option.dont_know else None


def choice(dialogue: Dialogue, answers: Answers, question_id: str) -> str | None:
    """The value chosen, or None for 'weet ik niet' or no answer."""
    value = answers.get(question_id)
    if value is None or not dialogue.has_question(question_id):
        return None
    option = dialogue.question(question_id).option(value)
    return option.value if option is not None and not option.dont_know else None


def mean_of(values: Iterable[float | None]) -> float | None:
    """The mean of the known values, or None when none is known."""
    known = [v for v in values if v is not None]
    return round(mean(known), 6) if known else None


def known_below(scores: dict[str, float | None], limit: float) -> list[str]:
    """The keys whose known score is below `limit`, in their order."""
    return [key for key, value in scores.items() if value is not None and value < limit]


def mean_score(dialogue: Dialogue, answers: Answers, question_ids: Iterable[str]) -> float | None:
    """The mean score of the questions, leaving out what is not a usable answer."""
    return mean_of(score(dialogue, answers, qid) for qid in question_ids)
