"""Statements a summary makes, each with the claims about the answers it rests on.

A claim names question ids and a comparison; `holds` checks it against the answers alone,
without the placement code, so a test can prove that no sentence contradicts its evidence.
A term is a mean of group means: one group is a plain mean of items (a factor), several
groups weigh each group equally (the eigen-regie level, the sustainability score).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogues.loader import Dialogue
from placement.answers import Answers, mean_of, score

Term = tuple[tuple[str, ...], ...]
# Comparisons of a term with another term (plus `value`) or with `value` alone.
COMPARISONS = ("<", "<=", ">", ">=", "==")


@dataclass(frozen=True)
class Claim:
    """One checkable fact. `op` is a comparison, or:

    'unknown': no item of `left` has a usable answer;
    'mostly_unknown': fewer than `value` (a share) of the items of `left` have one;
    'same': at least `value` items of `left` were answered, all with option `option`;
    'chose': the one question of `left` was answered with option `option`.
    """

    left: Term
    op: str
    value: float = 0.0
    right: Term | None = None
    option: str | None = None


@dataclass(frozen=True)
class Statement:
    """A sentence of the summary: its locale key, what fills it in, and what it rests on."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[Claim, ...] = ()


def items(term: Term) -> list[str]:
    return [qid for group in term for qid in group]


def term_value(dialogue: Dialogue, answers: Answers, term: Term) -> float | None:
    """The mean of the known group means, each a mean of its usable answers."""
    return mean_of(mean_of(score(dialogue, answers, q) for q in group) for group in term)


def holds(dialogue: Dialogue, answers: Answers, claim: Claim) -> bool:
    """Whether the answers bear the claim out."""
    qids = items(claim.left)
    scores = [score(dialogue, answers, q) for q in qids]
    usable = [s for s in scores if s is not None]
    if claim.op == "unknown":
        return not usable
    if claim.op == "mostly_unknown":
        return len(usable) < claim.value * len(qids)
    if claim.op == "same":
        given = [answers[q] for q, s in zip(qids, scores, strict=True) if s is not None]
        return len(given) >= claim.value and set(given) == {claim.option}
    if claim.op == "chose":
        return answers.get(qids[0]) == claim.option
    left = term_value(dialogue, answers, claim.left)
    right = claim.value
    if claim.right is not None:
        other = term_value(dialogue, answers, claim.right)
        if other is None:
            return False
        right += other
    if left is None:
        return False
    return _compare(left, claim.op, right)


def _compare(left: float, op: str, right: float) -> bool:
    tolerance = 1e-6  # means are rounded to six places
    if op == "<":
        return left < right - tolerance
    if op == "<=":
        return left <= right + tolerance
    if op == ">":
        return left > right + tolerance
    if op == ">=":
        return left >= right - tolerance
    if op == "==":
        return abs(left - right) <= tolerance
    raise ValueError(f"unknown comparison {op!r}")


def unsupported(dialogue: Dialogue, answers: Answers, statements: list[Statement]) -> list[str]:
    """The statements with a claim the answers do not bear out (empty: all true)."""
    return [s.key for s in statements if not all(holds(dialogue, answers, c) for c in s.evidence)]
