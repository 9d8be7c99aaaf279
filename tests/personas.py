"""Loads the personas in personas.yaml and turns their answers into option values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dialogues.loader import Dialogue
from placement import Placement

PERSONAS_FILE = Path(__file__).parent / "personas.yaml"
DONT_KNOW = "?"


@dataclass(frozen=True)
class Persona:
    id: str
    description: str
    raw: dict[str, Any]
    expected: dict[str, Any]

    def answers(self, dialogue: Dialogue) -> dict[str, str]:
        """Question id → option value, with consent given."""
        values = {dialogue.questions[0].id: _consent_value(dialogue)}
        for qid, given in self.raw.items():
            values[qid] = option_value(dialogue, qid, given)
        return values


def _consent_value(dialogue: Dialogue) -> str:
    return next(o.value for o in dialogue.questions[0].options if not o.ends_interview)


def option_value(dialogue: Dialogue, question_id: str, given: Any) -> str:
    """A score, '?' or a value, as the value of the matching option."""
    question = dialogue.question(question_id)
    if given == DONT_KNOW:
        option = question.skip_option
    elif isinstance(given, int):
        option = next((o for o in question.options if o.score == given), None)
    else:
        option = question.option(str(given))
    assert option is not None, f"{question_id}: no option for {given!r}"
    return option.value


def load_personas() -> list[Persona]:
    data = yaml.safe_load(PERSONAS_FILE.read_text(encoding="utf-8"))
    return [
        Persona(p["id"], p["description"], p["answers"], p["expected"]) for p in data["personas"]
    ]


def observed(placement: Placement) -> dict[str, Any]:
    """The placement in the shape of a persona's 'expected' block (taps left out)."""
    imbalance = placement.imbalance.kind if placement.imbalance else None
    return {
        "phases": placement.phases,
        "strongest": placement.strongest,
        "weakest": placement.weakest,
        "ring": placement.path.ring,
        "process": placement.path.process,
        "position": placement.path.position,
        "sustainability": placement.sustainability.verdict,
        "weak_core": list(placement.sustainability.weak_core),
        "preconditions": placement.weak_conditions,
        "preference": placement.preference,
        "imbalance": imbalance,
        "llo": placement.llo,
        "tips": placement.tips,
    }
