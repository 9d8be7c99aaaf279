"""Eigen regie: a score per factor; strong, weak or about equal; the one factor a tip is for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dialogues.loader import Dialogue
from dialogues.rules import EigenRegieRules
from placement.answers import Answers, mean_score, score


@dataclass(frozen=True)
class Regie:
    """How the factors compare. `strong`/`weak` hold every factor that qualifies, unordered by
    the model's list; `equal` says all known factors are within one answer step of each other;
    `known` is False when most statements had no usable answer."""

    known: bool
    equal: bool
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    # The weak factor a tip is for: lowest mean, then most low answers, then tie_priority.
    tip_factor: str | None
    # The strong factor stored as 'strongest': highest mean, most high answers, tie_priority.
    top: str | None


def factor_questions(dialogue: Dialogue) -> dict[str, tuple[str, ...]]:
    """The statements of each factor, in the order of the model."""
    model = dialogue.scoring.eigen_regie.model
    questions = dialogue.questions_of(model)
    return {
        factor: tuple(q.id for q in questions if q.measures == factor)
        for factor in dialogue.model(model).dimensions
    }


def factor_scores(dialogue: Dialogue, answers: Answers) -> dict[str, float | None]:
    """The mean score of each factor's statements, in the order of the model."""
    return {
        factor: mean_score(dialogue, answers, qids)
        for factor, qids in factor_questions(dialogue).items()
    }


def groups(
    rules: EigenRegieRules, factors: dict[str, float | None]
) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """(about equal, strong, weak) from the factor means; membership depends on values only.

    Strong: near the top (within one step of the highest), not near the bottom, and more than
    one step above every factor near the bottom only; weak: the mirror image. The highest and
    the lowest always qualify; a factor near both ends is neither.
    """
    known = {f: s for f, s in factors.items() if s is not None}
    if not known:
        return False, (), ()
    high, low = max(known.values()), min(known.values())
    margin = rules.equal_within + 1e-9
    if high - low <= margin:
        return True, (), ()
    near_top = {f for f, s in known.items() if s >= high - margin}
    near_bottom = {f for f, s in known.items() if s <= low + margin}
    # A point is named only when it is clearly apart (more than one step) from every point
    # near the other end: a strong and a weak point are never about equal.
    top, bottom = near_top - near_bottom, near_bottom - near_top  # a factor near both: neither
    strong = tuple(
        f for f in known if f in top and all(known[f] - known[b] > margin for b in bottom)
    )
    weak = tuple(f for f in known if f in bottom and all(known[t] - known[f] > margin for t in top))
    return False, strong, weak


def regie(dialogue: Dialogue, answers: Answers, factors: dict[str, float | None]) -> Regie:
    rules = dialogue.scoring.eigen_regie
    questions = factor_questions(dialogue)
    every = [q for qids in questions.values() for q in qids]
    usable = [q for q in every if score(dialogue, answers, q) is not None]
    if len(usable) < rules.unknown_share * len(every):
        return Regie(False, False, (), (), None, None)
    equal, strong, weak = groups(rules, factors)

    def count(factor: str, low: bool) -> int:
        scores = [score(dialogue, answers, q) for q in questions[factor]]
        limit = rules.low_at_most
        top = 6 - limit  # the mirror of a low answer on a 1-5 scale
        return sum(1 for s in scores if s is not None and (s <= limit if low else s >= top))

    def lowness(factor: str) -> tuple[float, int]:
        return (factors[factor] or 0.0, -count(factor, low=True))

    def highness(factor: str) -> tuple[float, int]:
        return (-(factors[factor] or 0.0), -count(factor, low=False))

    return Regie(
        known=True,
        equal=equal,
        strong=strong,
        weak=weak,
        tip_factor=pick(rules, weak, lowness),
        top=pick(rules, strong, highness),
    )


def pick(
    rules: EigenRegieRules,
    candidates: tuple[str, ...],
    rank: Callable[[str], tuple[float, int]],
) -> str | None:
    """The candidate ranked first by its answers, then the first in tie_priority: never by
    the order of the model's list."""
    if not candidates:
        return None
    priority = rules.tie_priority
    return min(candidates, key=lambda f: (*rank(f), priority.index(f)))


def strongest_and_weakest(
    dialogue: Dialogue, factors: dict[str, float | None]
) -> tuple[str | None, str | None]:
    """For group means (no answers to count): one strong and one weak factor by the rule."""
    rules = dialogue.scoring.eigen_regie
    _, strong, weak = groups(rules, factors)
    known = {f: s for f, s in factors.items() if s is not None}
    return (
        pick(rules, strong, lambda f: (-known[f], 0)),
        pick(rules, weak, lambda f: (known[f], 0)),
    )
