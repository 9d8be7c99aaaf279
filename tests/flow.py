"""Counts derived from the dialogue, so tests follow the questionnaire when it changes."""

from __future__ import annotations

from dialogues.loader import Dialogue, ResolvedQuestion, default_dialogue
from statemachine import Interview

# The pseudonym key of tests that build the service themselves (the bot reads its key file).
TEST_KEY = "7e57" * 16


def asked(answers: dict[str, str], dialogue: Dialogue | None = None) -> list[ResolvedQuestion]:
    """The questions that apply given these answers, consent included."""
    dialogue = dialogue or default_dialogue()
    interview = Interview(dialogue=dialogue, answers=answers)
    return [q for q in dialogue.questions if interview.applies(q)]


def counted(answers: dict[str, str]) -> int:
    """The 'vraag n van m' total shown after these answers: consent is not counted."""
    return len(Interview(dialogue=default_dialogue(), answers=answers).counted_questions)


def taps(role: str, **more: str) -> int:
    """Taps from consent to summary for someone in this role (choices given in `more`)."""
    return len(asked({"toestemming": "ja", "rol": role, **more}))


BEFORE_ROLE = counted({"toestemming": "ja"})
WORKER_TOTAL = counted({"toestemming": "ja", "rol": "medewerker"})
WORKER_TAPS = taps("medewerker")
