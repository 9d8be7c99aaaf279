"""The numbers of a placement as (model, dimension) → score rows for storage and sums."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.compute import Placement

Scores = dict[tuple[str, str], float | None]


def _ordinal(names: list[str], value: str | None) -> float | None:
    return float(names.index(value) + 1) if value in names else None


def stored_scores(dialogue: Dialogue, placement: Placement) -> Scores:
    """Phases, factor means, process, condition and learning-source scores, ring and process
    as 1-based numbers."""
    rules = dialogue.scoring
    scores: Scores = {("groeimodel", layer): phase for layer, phase in placement.phases.items()}
    scores.update({("eigen_regie", f): s for f, s in placement.factors.items()})
    scores.update({("leerstructuur", p): s for p, s in placement.path.process_scores.items()})
    scores.update({("randvoorwaarden", c): s for c, s in placement.conditions.items()})
    scores.update({("leeromgeving", layer): s for layer, s in placement.learning_sources.items()})
    rings = [band.ring for band in rules.path.rings]
    processes = [p.process for p in rules.path.processes]
    scores[("pad", "eigen_regie_niveau")] = placement.path.level
    scores[("pad", "ring")] = _ordinal(rings, placement.path.ring)
    scores[("pad", "proces")] = _ordinal(processes, placement.path.process)
    scores[("dlo", "duurzaamheid")] = placement.sustainability.score
    scores.update({("dlo", q): s for q, s in placement.sustainability.core.items()})
    # Response quality: summed in the tallies, so a group shows how many answered all alike.
    scores[("kwaliteit", "zelfde_antwoord")] = 1.0 if placement.same_answers else 0.0
    return scores
