"""Path to a strong learning culture: ring from eigen regie, process where learning stalls."""

from __future__ import annotations

from dataclasses import dataclass

from dialogues.loader import Dialogue
from dialogues.rules import PathRules
from placement.answers import Answers, mean_of, mean_score


@dataclass(frozen=True)
class PathPlace:
    level: float | None
    ring: str | None
    process_scores: dict[str, float | None]
    process: str | None
    position: str | None


def ring_of(rules: PathRules, factors: dict[str, float | None]) -> tuple[float | None, str | None]:
    """The eigen-regie level and its ring, capped when one factor is clearly weak."""
    known = [s for s in factors.values() if s is not None]
    level = mean_of(known)
    if level is None or len(known) < rules.min_factors:
        return level, None
    rings = [band.ring for band in rules.rings]
    ring = next(band.ring for band in rules.rings if band.below is None or level < band.below)
    cap = rules.weakest_cap
    if cap is not None and min(known) < cap.below and rings.index(ring) > rings.index(cap.ring):
        ring = cap.ring
    return level, ring


def process_of(rules: PathRules, scores: dict[str, float | None]) -> str | None:
    """The first process that stalls; the last one when none stalls; None when none is known."""
    known = [p for p, s in scores.items() if s is not None]
    if not known:
        return None
    stalled = (p for p, s in scores.items() if s is not None and s < rules.stalled_below)
    return next(stalled, rules.processes[-1].process)


def path_place(dialogue: Dialogue, answers: Answers, factors: dict[str, float | None]) -> PathPlace:
    """Places the respondent on one of the 12 positions, or none when too little is known."""
    rules = dialogue.scoring.path
    level, ring = ring_of(rules, factors)
    scores = {p.process: mean_score(dialogue, answers, p.questions) for p in rules.processes}
    process = process_of(rules, scores)
    return PathPlace(level, ring, scores, process, position_of(rules, ring, process))


def position_of(rules: PathRules, ring: str | None, process: str | None) -> str | None:
    """One of the 12 positions, when both the ring and the process are known."""
    return next(
        (p.position for p in rules.positions if p.ring == ring and p.process == process), None
    )
