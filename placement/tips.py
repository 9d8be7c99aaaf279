"""Chooses three tips from the library for their reader, from the slots of the reader's role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogues.loader import Dialogue
from dialogues.rules import Tip


@dataclass(frozen=True)
class TipContext:
    """What the choice depends on: who reads, the phases, and what is weak.

    `phases` holds the reader's own view per layer. Tips of the reader's own layer (a lead's,
    HR's, management's interventions) fit the phase of the staff (`staff_layer`), as the TNO
    table sorts them; every other tip fits the reader's own phase (`own_layer`).
    """

    reader: str
    role_layer: str
    own_layer: str
    phases: dict[str, int | None]
    weakest: str | None
    preference: str | None
    staff_layer: str | None = None
    factor_layer: str | None = None  # who acts on the weakest factor: the reader by default
    weak_conditions: tuple[str, ...] = ()
    weak_core: tuple[str, ...] = ()  # the lowest weak core questions (equal ones all)
    process: str | None = None
    weak_sources: tuple[str, ...] = ()

    @property
    def done(self) -> int | None:
        """The phase the reader placed their own layer at: what they said they already do."""
        return self.phases.get(self.role_layer)


def _target_phase(tip: Tip, context: TipContext) -> int | None:
    staff = tip.layer == context.role_layer and context.role_layer != context.own_layer
    layer = (context.staff_layer or context.own_layer) if staff else context.own_layer
    return context.phases.get(layer)


def _phase_fit(tip: Tip, context: TipContext) -> int:
    """2: the tip names the phase that counts; 1: any phase or the next phase; 0: else.

    With the phase unknown a tip for some phases fits no better than any other: it would
    speak of a place ("you are just starting") the answers never said.
    """
    phase = _target_phase(tip, context)
    if not tip.phases:
        return 1
    if phase is None:
        return 0
    if phase in tip.phases:
        return 2
    return 1 if phase + 1 in tip.phases else 0


def repeats(tip: Tip, context: TipContext) -> bool:
    """The tip asks for behaviour of the reader's own layer they said they already show."""
    done = context.done
    return (
        tip.shows is not None
        and tip.layer == context.role_layer
        and done is not None
        and tip.shows <= done
    )


def _rank(tip: Tip, context: TipContext) -> int:
    fits_preference = context.preference is not None and context.preference in tip.preferences
    done = context.done
    next_step = done is not None and tip.shows == done + 1 and tip.layer == context.role_layer
    return _phase_fit(tip, context) + int(fits_preference) + int(next_step)


def _slot_filter(slot: str, context: TipContext, layers: list[str]) -> Callable[[Tip], bool]:
    """Which tips may fill a slot; see the slots in scoring.yaml and docs/scoring.md."""
    if slot == "factor":
        factor_layer = context.factor_layer or context.own_layer
        return lambda t: (
            context.weakest is not None and t.factor == context.weakest and t.layer == factor_layer
        )
    if slot == "phase":
        return lambda t: t.layer == context.own_layer and not t.topic and _phase_fit(t, context) > 0
    if slot == "role":
        return lambda t: (
            t.layer == context.role_layer and not t.topic and _phase_fit(t, context) > 0
        )
    if slot == "preference":
        return lambda t: (
            t.layer in layers
            and not t.topic
            and _phase_fit(t, context) > 0
            and (context.preference is None or context.preference in t.preferences)
        )
    if slot == "condition":
        return lambda t: t.condition is not None and t.condition in context.weak_conditions
    if slot == "core":
        return lambda t: t.core is not None and t.core in context.weak_core
    if slot == "path":
        return lambda t: context.process is not None and context.process in t.processes
    if slot == "source":
        return lambda t: (
            t.layer in context.weak_sources and not t.topic and _phase_fit(t, context) > 0
        )
    raise ValueError(f"unknown tip slot {slot!r}")


def _condition_order(tip: Tip, context: TipContext) -> int:
    """Weak preconditions in the rules' order: the first one weighs most."""
    if tip.condition in context.weak_conditions:
        return len(context.weak_conditions) - context.weak_conditions.index(tip.condition)
    return 0


def choose_tips(dialogue: Dialogue, context: TipContext, slots: Sequence[str]) -> list[str]:
    """Up to three tips for the reader: the first slots that find one, best ranked first.

    Only tips addressed to the reader's role, never one that repeats what they already do.
    When the slots give too few, the best remaining tip of the allowed layers fills up.
    """
    rules = dialogue.scoring.tips
    layers = list(dict.fromkeys([*rules.preference_layers, context.role_layer]))
    readable = [
        t for t in dialogue.tips if context.reader in t.audience and not repeats(t, context)
    ]
    chosen: list[Tip] = []

    def best(allowed: Callable[[Tip], bool]) -> Tip | None:
        candidates = [t for t in readable if allowed(t) and t not in chosen]
        return max(
            candidates,
            key=lambda t: (_condition_order(t, context), _rank(t, context)),
            default=None,
        )

    for slot in slots:
        if len(chosen) >= rules.count:
            break
        tip = best(_slot_filter(slot, context, layers))
        if tip is not None:
            chosen.append(tip)
    while len(chosen) < rules.count:
        tip = best(lambda t: t.layer in layers and not t.topic and _phase_fit(t, context) > 0)
        if tip is None:
            break
        chosen.append(tip)
    return [t.id for t in chosen[: rules.count]]
