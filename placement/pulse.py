"""The pulse after a closed round: which items it asks, and whether a measure really changed.

Pure: no I/O, no words. The rules are `pulse` in scoring.yaml; docs/scoring.md explains them,
with the simulation behind the change rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogues.loader import Dialogue
from dialogues.rules import PulseRules
from placement.compute import compute_placement
from placement.kit import conversation_kit
from placement.layers import group_imbalance
from placement.stored import Scores, stored_scores
from placement.team import Means

# The stored measure (model) a kit topic's keys are dimensions of (see placement/stored.py).
TOPIC_MODELS = {
    "path": "leerstructuur",
    "condition": "randvoorwaarden",
    "imbalance": "groeimodel",
    "factor": "eigen_regie",
    "core": "dlo",
}
BETTER, WORSE, SAME = "beter", "slechter", "gelijk"


@dataclass(frozen=True)
class Focus:
    """One measure the pulse compares with the round, and the items it asks for it."""

    topic: str
    key: str
    questions: tuple[str, ...]

    @property
    def measure(self) -> tuple[str, str]:
        return TOPIC_MODELS[self.topic], self.key


def pulse_focus(dialogue: Dialogue, means: Means, roles: Mapping[str, int]) -> list[Focus]:
    """The measures behind the kit's questions for a round with these means, in kit order.

    An imbalance gives the layers behind, then those ahead. A measure's items go in whole
    or not at all, while all items together stay within the rule's number of questions.
    """
    rules = dialogue.scoring
    focus_rules = rules.pulse.focus
    wanted: list[tuple[str, str]] = []
    for topic, key in conversation_kit(dialogue, means, roles).questions:
        if topic == "imbalance":
            layers = {r.layer: means.get(("groeimodel", r.layer)) for r in rules.phases.layers}
            found = group_imbalance(rules.phases.imbalance, layers)
            if found is not None:
                wanted += [(topic, layer) for layer in (*found.behind, *found.ahead)]
        elif topic in focus_rules:
            wanted.append((topic, key))
    chosen: list[Focus] = []
    asked: set[str] = set()
    for topic, key in wanted:
        items = tuple(focus_rules[topic][key])
        fits = len(asked | set(items)) <= rules.pulse.questions
        if fits and all(f.measure != (TOPIC_MODELS[topic], key) for f in chosen):
            chosen.append(Focus(topic, key, items))
            asked |= set(items)
    return chosen


def stored_focus(focus: Iterable[Focus]) -> list[list[object]]:
    """The focus as kept with a pulse (JSON): [topic, key, [items]] each."""
    return [[f.topic, f.key, list(f.questions)] for f in focus]


def focus_from_stored(rows: Iterable[Sequence[Any]]) -> list[Focus]:
    """The focus kept with a pulse, back as Focus values."""
    return [Focus(str(t), str(k), tuple(str(q) for q in items)) for t, k, items in rows]


def focus_questions(focus: Iterable[Focus]) -> list[str]:
    """Every item the pulse asks, each once, in the order of the focus."""
    return list(dict.fromkeys(q for f in focus for q in f.questions))


def focus_scores(dialogue: Dialogue, focus: Iterable[Focus], answers: Mapping[str, str]) -> Scores:
    """One person's pulse scores on the focus measures, by the same rules as a full scan.

    No role is asked, so phases are read as a worker's (the team's usual view).
    """
    placement = compute_placement(dialogue, dict(answers))
    scores = stored_scores(dialogue, placement)
    return {f.measure: scores.get(f.measure) for f in focus}


@dataclass(frozen=True)
class Comparison:
    """A measure's mean in the round and in the pulse, and the verdict on the difference."""

    before: float | None
    after: float | None
    verdict: str


def _moments(counts: Mapping[float | None, int]) -> tuple[int, float, float]:
    """How many known scores, their mean, and their sample variance (0 below two)."""
    known = [(score, n) for score, n in counts.items() if score is not None and n > 0]
    total = sum(n for _, n in known)
    if total == 0:
        return 0, 0.0, 0.0
    mean = sum(score * n for score, n in known) / total
    squares = sum(n * (score - mean) ** 2 for score, n in known)
    return total, mean, squares / (total - 1) if total > 1 else 0.0


def compare(
    before: Mapping[float | None, int], after: Mapping[float | None, int], rules: PulseRules
) -> Comparison:
    """Round against pulse, from the score distributions (score -> people; None: unknown).

    A change is named only when the difference of the means exceeds `z` standard errors of
    that difference (two independent groups) and is at least `min_step`. Fewer than two
    known scores on either side: no verdict beyond 'no clear difference'.
    """
    n1, mean1, var1 = _moments(before)
    n2, mean2, var2 = _moments(after)
    first = mean1 if n1 else None
    second = mean2 if n2 else None
    if n1 < 2 or n2 < 2:
        return Comparison(first, second, SAME)
    difference = mean2 - mean1
    error = math.sqrt(var1 / n1 + var2 / n2)
    if abs(difference) > rules.z * error and abs(difference) >= rules.min_step:
        return Comparison(first, second, BETTER if difference > 0 else WORSE)
    return Comparison(first, second, SAME)
