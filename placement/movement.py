"""How a placement moved since an earlier scan of the same person: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from placement.compute import Placement

# A factor counts as moved when its mean changed at least this much (scores run 1 to 5).
FACTOR_STEP = 0.5


@dataclass(frozen=True)
class Movement:
    since: str  # the date of the earlier scan, as people write it
    phase: tuple[int, int] | None  # own phase then and now, when both are known and differ
    up: list[str] = field(default_factory=list)  # factors that grew
    down: list[str] = field(default_factory=list)  # factors that fell


def movement_since(
    now: Placement, before: dict[tuple[str, str], float | None], when: datetime
) -> Movement:
    """Compares a fresh placement with the scores stored for an earlier one."""
    then_phase = before.get(("groeimodel", now.own_layer))
    phase = None
    if then_phase is not None and now.own_phase is not None and int(then_phase) != now.own_phase:
        phase = (int(then_phase), now.own_phase)
    up, down = [], []
    for factor, score in now.factors.items():
        then = before.get(("eigen_regie", factor))
        if score is None or then is None:
            continue
        if score - then >= FACTOR_STEP:
            up.append(factor)
        elif then - score >= FACTOR_STEP:
            down.append(factor)
    return Movement(since=when.strftime("%d-%m-%Y"), phase=phase, up=up, down=down)
