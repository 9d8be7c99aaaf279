"""Duurzaam Lerende Organisaties: uitputting or veerkracht, and the weakest core question."""

from __future__ import annotations

from dataclasses import dataclass

from dialogues.loader import Dialogue
from placement.answers import Answers, mean_of, score


@dataclass(frozen=True)
class Sustainability:
    score: float | None
    verdict: str | None
    core: dict[str, int | None]
    weak_core: tuple[str, ...]  # the lowest core questions below the limit (equal ones all)


def sustainability(dialogue: Dialogue, answers: Answers) -> Sustainability:
    """The basic question weighs as much as the five core questions together."""
    rules = dialogue.scoring.sustainability
    core = {qid: score(dialogue, answers, qid) for qid in rules.core}
    total = mean_of([score(dialogue, answers, rules.basis), mean_of(core.values())])
    verdict = None
    if total is not None:
        verdict = next(v.verdict for v in rules.verdicts if v.below is None or total < v.below)
    known = {qid: s for qid, s in core.items() if s is not None}
    lowest = min(known.values(), default=None)
    weak: tuple[str, ...] = ()
    # Named only when it stands out: below the limit and not all known core questions equal.
    if lowest is not None and lowest < rules.weak_core_below and lowest < max(known.values()):
        weak = tuple(qid for qid, s in known.items() if s == lowest)
    return Sustainability(score=total, verdict=verdict, core=core, weak_core=weak)
