"""LLO dialogue model: a position for the past, the present and the wish, and what moves."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.answers import Answers, choice


def llo_positions(dialogue: Dialogue, answers: Answers) -> dict[str, str | None] | None:
    """The position per moment, or None when the block was skipped or left empty."""
    rules = dialogue.scoring.llo
    positions = {m.moment: choice(dialogue, answers, m.question) for m in rules.moments}
    return positions if any(positions.values()) else None


def llo_moves(dialogue: Dialogue, positions: dict[str, str | None] | None) -> list[str]:
    """What moves from the present to the wish: ['same'], or timing_up/down, focus_people/..."""
    if not positions:
        return []
    moments = [m.moment for m in dialogue.scoring.llo.moments]
    now, wish = positions.get(moments[-2]), positions.get(moments[-1])
    axes = {p.position: p for p in dialogue.scoring.llo.positions}
    if now is None or wish is None:
        return []
    if now == wish:
        return ["same"]
    moves = []
    if axes[now].timing != axes[wish].timing:
        moves.append("timing_up" if axes[wish].timing == "proactief" else "timing_down")
    if axes[now].focus != axes[wish].focus:
        moves.append("focus_people" if axes[wish].focus == "mensen" else "focus_organisation")
    return moves
