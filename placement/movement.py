"""How a placement moved since an earlier scan of the same person: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dialogues.rules import MovementRule
from placement.compute import Placement


@dataclass(frozen=True)
class Movement:
    since: str  # the date of the earlier scan, as people write it
    phase: tuple[int, int] | None  # own phase then and now, when it moved beyond one step
    up: list[str] = field(default_factory=list)  # factors that grew beyond one answer step
    down: list[str] = field(default_factory=list)  # factors that fell beyond one answer step


def movement_since(
    now: Placement, before: dict[tuple[str, str], float | None], when: datetime, rule: MovementRule
) -> Movement:
    """Compares a fresh placement with the scores stored for an earlier one.

    One answer step moves a two-item factor by 0.5 and a phase by 1; the rule's limits lie
    beyond that, so a single changed tap is never reported as growth or decline.
    """
    then_phase = before.get(("groeimodel", now.own_layer))
    phase = None
    if (
        then_phase is not None
        and now.own_phase is not None
        and abs(now.own_phase - then_phase) >= rule.phase_change
    ):
        phase = (int(then_phase), now.own_phase)
    up, down = [], []
    limit = rule.factor_change - 1e-9
    for factor, score in now.factors.items():
        then = before.get(("eigen_regie", factor))
        if score is None or then is None:
            continue
        if score - then >= limit:
            up.append(factor)
        elif then - score >= limit:
            down.append(factor)
    return Movement(since=when.strftime("%d-%m-%Y"), phase=phase, up=up, down=down)
