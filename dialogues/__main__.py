"""Prints what the questionnaire holds, for content authors: `python -m dialogues`.

Items per model, words per question in each language, and taps from consent to summary per
role. Loading it runs every check of the loader, so a broken file is named here first.
"""

from __future__ import annotations

from collections import Counter
from statistics import median

from dialogues.loader import Dialogue, default_dialogue
from statemachine import Interview


def main() -> None:
    dialogue = default_dialogue()
    per_model = Counter(q.model for q in dialogue.questions)
    print("items per model:")
    for model in dialogue.structure.models:
        print(f"  {model.id:16} {per_model.get(model.id, 0):3}  (source: {model.source})")
    for code, locale in dialogue.locales.items():
        words = [len(locale.questions[q.id].text.split()) for q in dialogue.questions]
        print(f"words per question [{code}]: median {median(words)}, longest {max(words)}")
    role = dialogue.scoring.roles.question
    consent = dialogue.questions[0].id
    print("taps from consent to summary (fewest: optional blocks declined; most: all taken):")
    for option in dialogue.question(role).options:
        start = {consent: "ja", role: option.value}
        fewest = 1 + len(Interview(dialogue=dialogue, answers=start).counted_questions)
        print(f"  {option.value:16} {fewest} to {most_taps(dialogue, start)}")


def most_taps(dialogue: Dialogue, start: dict[str, str]) -> int:
    """Taps when every question is answered with its first option that goes on (opt-ins: yes)."""
    answers = dict(start)
    interview = Interview(dialogue=dialogue, answers=answers)
    for question in dialogue.questions:
        if question.id not in answers and interview.applies(question):
            answers[question.id] = next(o.value for o in question.options if not o.ends_interview)
    return sum(1 for question in dialogue.questions if interview.applies(question))


if __name__ == "__main__":
    main()
