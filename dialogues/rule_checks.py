"""Cross-checks of the scoring rules and tips against the questions they name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from dialogues.errors import DialogueError, unique
from dialogues.rules import IMBALANCE_KINDS, KIT_TOPICS, Scoring, Tip, TipLibrary
from dialogues.schema import Locale, Structure

if TYPE_CHECKING:
    from dialogues.loader import ResolvedQuestion

PHASES = range(1, 6)


class _Checker:
    """Holds what the rules may refer to, and raises with file and item on the first fault."""

    def __init__(
        self, structure: Structure, questions: tuple[ResolvedQuestion, ...], file: str
    ) -> None:
        self.file = file
        self.sources = {s.id for s in structure.sources}
        self.models = {m.id: m for m in structure.models}
        self.questions = {q.id: q for q in questions}

    def fail(self, item: str, fault: str) -> None:
        raise DialogueError(self.file, item, fault)

    def source(self, item: str, source: str) -> None:
        if source not in self.sources:
            self.fail(item, f"unknown source '{source}'")

    def question(
        self, item: str, qid: str, *, model: str | None = None, kinds: Iterable[str] = ()
    ) -> ResolvedQuestion:
        question = self.questions.get(qid)
        if question is None:
            self.fail(item, f"names '{qid}', which is not a question in scan.yaml")
            raise AssertionError  # unreachable; keeps the type checker content
        if model is not None and question.model != model:
            self.fail(item, f"question '{qid}' measures model '{question.model}', not '{model}'")
        allowed = list(kinds)
        if allowed and question.kind not in allowed:
            self.fail(
                item, f"question '{qid}' is a {question.kind}, expected {' or '.join(allowed)}"
            )
        return question

    def dimensions(self, model: str) -> list[str]:
        return list(self.models[model].dimensions) if model in self.models else []

    def items_measure(self, item: str, qids: Iterable[str], model: str, dimension: str) -> None:
        """Each question is a scale item of `model` measuring `dimension`."""
        for qid in qids:
            question = self.question(item, qid, model=model, kinds=["scale"])
            if question.measures != dimension:
                self.fail(item, f"question '{qid}' measures '{question.measures}'")

    def within(self, item: str, values: Iterable[str], allowed: Iterable[str], what: str) -> None:
        pool = set(allowed)
        for value in values:
            if value not in pool:
                self.fail(item, f"unknown {what} '{value}'")


def _bands(check: _Checker, item: str, limits: list[float | None]) -> None:
    """Bands run upwards and only the last one is open-ended."""
    if limits[-1] is not None or any(limit is None for limit in limits[:-1]):
        check.fail(item, "every band but the last needs 'below'; the last has none")
    bounded = [limit for limit in limits[:-1] if limit is not None]
    if bounded != sorted(bounded) or len(set(bounded)) != len(bounded):
        check.fail(item, "bands must run from low to high")


def check_scoring(
    scoring: Scoring, structure: Structure, questions: tuple[ResolvedQuestion, ...], file: str
) -> None:
    """Checks that every id in scoring.yaml exists and that the rules are complete."""
    check = _Checker(structure, questions, file)
    layers = _check_phases(check, scoring)
    _check_roles(check, scoring, layers)
    if scoring.eigen_regie.model not in check.models:
        check.fail("eigen_regie", f"unknown model '{scoring.eigen_regie.model}'")
    factors = check.dimensions(scoring.eigen_regie.model)
    if sorted(scoring.eigen_regie.tie_priority) != sorted(factors):
        check.fail("eigen_regie.tie_priority", "must name every factor of the model once")
    _check_path(check, scoring)
    _check_sustainability(check, scoring)
    _check_preconditions(check, scoring)
    check.source("preference", scoring.preference.source)
    check.question("preference", scoring.preference.question, kinds=["choice"])
    _check_llo(check, scoring)
    tip_layers = layers + check.dimensions("leeromgeving")
    check.within("tips.preference_layers", scoring.tips.preference_layers, tip_layers, "layer")
    check.within("tips.staff_layer", [scoring.tips.staff_layer], layers, "phases layer")
    check.within("team.layer", [scoring.team.layer], layers, "phases layer")
    roles = [rule.value for rule in scoring.roles.options]
    check.within("team.reader", [scoring.team.reader], roles, "role")
    _check_learning_sources(check, scoring)
    check.within("kit.topics", scoring.kit.topics, KIT_TOPICS, "topic")
    if "general" not in scoring.kit.topics or len(scoring.kit.general) < scoring.kit.questions:
        check.fail("kit.general", f"needs {scoring.kit.questions} questions for any team")
    check.within("kit.llo_roles", scoring.kit.llo_roles, roles, "role")
    _check_pulse(check, scoring)


def _pulse_keys(scoring: Scoring, layers: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """Per kit topic, per key the kit can choose there, the items the pulse may ask for it."""
    return {
        "path": {p.process: list(p.questions) for p in scoring.path.processes},
        "condition": {c.condition: list(c.questions) for c in scoring.preconditions.conditions},
        "imbalance": layers,
        "factor": {},  # any item of the factor (checked by what it measures)
        "core": {q: [q] for q in scoring.sustainability.core},
    }


def _check_pulse(check: _Checker, scoring: Scoring) -> None:
    """The pulse asks, per kit topic and key, only items the round measured that key with."""
    rules = scoring.pulse
    if rules.after_days >= rules.until_days:
        check.fail("pulse.after_days", "must be less than until_days")
    layers = {rule.layer: list(rule.seen) for rule in scoring.phases.layers}
    allowed = _pulse_keys(scoring, layers)
    factors = scoring.eigen_regie.tie_priority
    for topic in scoring.kit.topics:
        if topic in allowed and topic not in rules.focus:
            check.fail(f"pulse.focus '{topic}'", "this kit topic needs the items a pulse asks")
    for topic, keys in rules.focus.items():
        check.within("pulse.focus", [topic], allowed, "kit topic")
        expected = factors if topic == "factor" else list(allowed[topic])
        for key in expected:
            if key not in keys:
                check.fail(f"pulse.focus.{topic} '{key}'", "has no items to ask")
        for key, items in keys.items():
            item = f"pulse.focus.{topic} '{key}'"
            check.within(item, [key], expected, "key")
            if not items or len(items) > rules.questions:
                check.fail(item, f"needs 1 to {rules.questions} items")
            if topic == "factor":
                check.items_measure(item, items, scoring.eigen_regie.model, key)
                continue
            for qid in items:
                check.question(item, qid)
                if qid not in allowed[topic][key]:
                    check.fail(item, f"question '{qid}' is not an item of '{key}' in its rule")


def _check_learning_sources(check: _Checker, scoring: Scoring) -> None:
    rules = scoring.learning_sources
    check.source("learning_sources", rules.source)
    layers = [rule.layer for rule in rules.layers]
    unique(layers, check.file, "learning_sources layer")
    check.within("learning_sources.layers", layers, check.dimensions("leeromgeving"), "layer")
    for rule in rules.layers:
        item = f"learning_sources layer '{rule.layer}'"
        check.items_measure(item, rule.questions, "leeromgeving", rule.layer)


def _check_phases(check: _Checker, scoring: Scoring) -> list[str]:
    rules = scoring.phases
    check.source("phases", rules.source)
    model = "groeimodel"
    layers = [rule.layer for rule in rules.layers]
    unique(layers, check.file, "phases layer")
    check.within("phases.layers", layers, check.dimensions(model), "groeimodel layer")
    for rule in rules.layers:
        item = f"phases layer '{rule.layer}'"
        for qid in [*rule.seen, rule.own]:
            if qid is not None:
                question = check.question(item, qid, model=model, kinds=["phase"])
                if question.measures != rule.layer:
                    check.fail(item, f"question '{qid}' measures '{question.measures}'")
    check.within("phases.own_layer", [rules.own_layer], layers, "layer")
    sides = rules.imbalance.workfloor + rules.imbalance.organisation
    check.within("phases.imbalance", sides, layers, "layer")
    if set(rules.imbalance.workfloor) & set(rules.imbalance.organisation):
        check.fail("phases.imbalance", "a layer cannot be on both sides")
    return layers


def _check_roles(check: _Checker, scoring: Scoring, layers: list[str]) -> None:
    rules = scoring.roles
    question = check.question("roles", rules.question, kinds=["choice"])
    values = [rule.value for rule in rules.options]
    unique(values, check.file, "roles option")
    answers = [o.value for o in question.options if not o.dont_know and not o.ends_interview]
    check.within("roles.options", values, answers, f"option of '{rules.question}'")
    missing = [a for a in answers if a not in values]
    if missing:
        check.fail(f"roles option '{missing[0]}'", "this answer to the role question has no rule")
    for rule in rules.options:
        check.within(f"roles option '{rule.value}'", [rule.layer], layers, "layer")


def _check_path(check: _Checker, scoring: Scoring) -> None:
    rules = scoring.path
    check.source("path", rules.source)
    rings = [band.ring for band in rules.rings]
    unique(rings, check.file, "path ring")
    _bands(check, "path.rings", [band.below for band in rules.rings])
    if rules.weakest_cap is not None:
        check.within("path.weakest_cap", [rules.weakest_cap.ring], rings, "ring")
    processes = [rule.process for rule in rules.processes]
    unique(processes, check.file, "path process")
    dims = check.dimensions("leerstructuur")
    check.within("path.processes", processes, dims, "process of model 'leerstructuur'")
    if sorted(processes) != sorted(dims):
        check.fail("path.processes", "every process of model 'leerstructuur' needs a rule")
    for rule in rules.processes:
        item = f"path process '{rule.process}'"
        check.items_measure(item, rule.questions, "leerstructuur", rule.process)
    unique((p.position for p in rules.positions), check.file, "path position")
    seen: set[tuple[str, str]] = set()
    for position in rules.positions:
        item = f"path position '{position.position}'"
        check.within(item, [position.ring], rings, "ring")
        check.within(item, [position.process], processes, "process")
        if (position.ring, position.process) in seen:
            check.fail(item, "this ring and process already have a position")
        seen.add((position.ring, position.process))
    if len(seen) != len(rings) * len(processes):
        check.fail("path.positions", "every ring needs a position for every process")


def _check_sustainability(check: _Checker, scoring: Scoring) -> None:
    rules = scoring.sustainability
    check.source("sustainability", rules.source)
    for qid in [rules.basis, *rules.core]:
        check.question("sustainability", qid, model="dlo", kinds=["scale"])
    unique((band.verdict for band in rules.verdicts), check.file, "sustainability verdict")
    _bands(check, "sustainability.verdicts", [band.below for band in rules.verdicts])


def _check_preconditions(check: _Checker, scoring: Scoring) -> None:
    rules = scoring.preconditions
    unique((c.condition for c in rules.conditions), check.file, "precondition")
    for condition in rules.conditions:
        item = f"precondition '{condition.condition}'"
        check.source(item, condition.source)
        for qid in condition.questions:
            check.question(item, qid, kinds=["scale"])


def _check_llo(check: _Checker, scoring: Scoring) -> None:
    rules = scoring.llo
    check.source("llo", rules.source)
    positions = [p.position for p in rules.positions]
    unique(positions, check.file, "llo position")
    unique((m.moment for m in rules.moments), check.file, "llo moment")
    for moment in rules.moments:
        item = f"llo moment '{moment.moment}'"
        question = check.question(item, moment.question, kinds=["choice"])
        answers = [o.value for o in question.options if not o.dont_know]
        if sorted(answers) != sorted(positions):
            check.fail(item, f"the options of '{moment.question}' must be the llo positions")


def check_tips(
    library: TipLibrary,
    scoring: Scoring,
    structure: Structure,
    questions: tuple[ResolvedQuestion, ...],
    file: str,
) -> None:
    """Checks every tip's tags, that tips address their reader, and that every slot can be met."""
    check = _Checker(structure, questions, file)
    unique((t.id for t in library.tips), file, "tip")
    layers = [rule.layer for rule in scoring.phases.layers] + check.dimensions("leeromgeving")
    factors = check.dimensions(scoring.eigen_regie.model)
    preference = check.questions[scoring.preference.question]
    preferences = [o.value for o in preference.options if not o.dont_know]
    roles = {rule.value: rule.layer for rule in scoring.roles.options}
    conditions = [c.condition for c in scoring.preconditions.conditions]
    processes = [p.process for p in scoring.path.processes]
    for tip in library.tips:
        item = f"tip '{tip.id}'"
        check.source(item, tip.source)
        check.within(item, [tip.layer], layers, "layer")
        check.within(item, tip.audience, roles, "role in audience")
        if tip.factor is not None:
            check.within(item, [tip.factor], factors, "eigen-regie factor")
        if any(p not in PHASES for p in [*tip.phases, *([tip.shows] if tip.shows else [])]):
            check.fail(item, "phases are numbered 1 to 5")
        # A worker's phases and 'shows' are on one scale: a tip for phase p asks for more than p.
        own_scale = tip.layer == scoring.phases.own_layer
        if own_scale and tip.shows is not None and any(p >= tip.shows for p in tip.phases):
            check.fail(
                item, f"shows phase {tip.shows}: it cannot be the tip for that phase or later"
            )
        check.within(item, tip.preferences, preferences, "learning preference")
        check.within(item, [tip.condition] if tip.condition else [], conditions, "precondition")
        check.within(item, [tip.core] if tip.core else [], scoring.sustainability.core, "core")
        check.within(item, tip.processes, processes, "path process")
        _check_audience(check, item, tip.layer, tip.audience, roles, scoring.phases.own_layer)
    _check_coverage(check, library, scoring)


def _check_audience(
    check: _Checker, item: str, layer: str, audience: list[str], roles: dict[str, str], own: str
) -> None:
    """A layer's intervention is read by that layer, never by a worker in its place."""
    readers = [role for role, role_layer in roles.items() if role_layer == layer]
    if layer == own or not readers:
        return
    strangers = [role for role in audience if roles[role] != layer]
    if strangers:
        check.fail(
            item,
            f"an intervention of layer '{layer}' addresses only {' or '.join(readers)}, "
            f"not '{strangers[0]}'",
        )


def _check_coverage(check: _Checker, library: TipLibrary, scoring: Scoring) -> None:
    """Every weak precondition, weak core question, place on the path, weak source of learning,
    factor and staff phase that a reader's slots ask for has at least one tip for that reader."""
    readers = [(rule.value, rule.layer, list(rule.tips)) for rule in scoring.roles.options]
    readers.append((scoring.team.reader, scoring.team.layer, list(scoring.team.tips)))
    for role, role_layer, slots in readers:
        tips = [t for t in library.tips if role in t.audience]
        for kind, what, fits in _needs(check, scoring, role_layer, slots):
            if not any(fits(t) for t in tips):
                check.fail(f"tips for '{role}'", f"no tip for {kind} '{what}'")


def _needs(
    check: _Checker, scoring: Scoring, role_layer: str, slots: Sequence[str]
) -> list[tuple[str, str, Callable[[Tip], bool]]]:
    """What a reader's slots may ask a tip for, each with the test a fitting tip passes."""
    own = scoring.phases.own_layer
    factor_layer = own if role_layer == own else role_layer

    def condition(c: str) -> Callable[[Tip], bool]:
        return lambda t: t.condition == c

    def core(q: str) -> Callable[[Tip], bool]:
        return lambda t: t.core == q

    def process(p: str) -> Callable[[Tip], bool]:
        return lambda t: p in t.processes

    def layer(name: str) -> Callable[[Tip], bool]:
        return lambda t: t.layer == name and not t.topic

    def factor(f: str) -> Callable[[Tip], bool]:
        return lambda t: t.factor == f and t.layer == factor_layer

    def staff(phase: int) -> Callable[[Tip], bool]:
        return lambda t: (
            t.layer == role_layer and not t.topic and (not t.phases or phase in t.phases)
        )

    needs: list[tuple[str, str, Callable[[Tip], bool]]] = []
    if "condition" in slots:
        needs += [
            ("precondition", c.condition, condition(c.condition))
            for c in scoring.preconditions.conditions
        ]
    if "core" in slots:
        needs += [("core question", q, core(q)) for q in scoring.sustainability.core]
    if "path" in slots:
        needs += [("path position", p.position, process(p.process)) for p in scoring.path.positions]
    if "source" in slots:
        needs += [
            ("source of learning", s.layer, layer(s.layer)) for s in scoring.learning_sources.layers
        ]
    if "factor" in slots:
        needs += [("factor", f, factor(f)) for f in check.dimensions(scoring.eigen_regie.model)]
    if "role" in slots:
        needs += [("staff phase", str(p), staff(p)) for p in PHASES]
    return needs


def check_rule_texts(
    locale: Locale,
    scoring: Scoring,
    library: TipLibrary,
    questions: tuple[ResolvedQuestion, ...],
    file: str,
) -> None:
    """Checks that a locale has words for every tip, ring, process, position and verdict."""
    by_id = {q.id: q for q in questions}
    _check_tip_readers(locale, scoring, library, file)
    preference = by_id[scoring.preference.question]
    needed: list[tuple[str, Iterable[str], Iterable[str]]] = [
        ("tip", (t.id for t in library.tips), locale.tips),
        ("own layer", (r.layer for r in scoring.phases.layers if r.own), locale.own_layers),
        ("ring", (r.ring for r in scoring.path.rings), locale.rings),
        ("process", (p.process for p in scoring.path.processes), locale.processes),
        ("position", (p.position for p in scoring.path.positions), locale.positions),
        ("verdict", (v.verdict for v in scoring.sustainability.verdicts), locale.verdicts),
        ("core question", scoring.sustainability.core, locale.core_questions),
        (
            "precondition",
            (c.condition for c in scoring.preconditions.conditions),
            locale.preconditions,
        ),
        ("imbalance", IMBALANCE_KINDS, locale.imbalance),
        (
            "preference",
            (o.value for o in preference.options if not o.dont_know),
            locale.preferences,
        ),
        ("llo position", (p.position for p in scoring.llo.positions), locale.llo),
        ("llo moment", (m.moment for m in scoring.llo.moments), locale.moments),
    ]
    _check_kit_texts(locale, scoring, file)
    strays = [qid for qid in locale.seen_layers if qid not in by_id]
    if strays:
        raise DialogueError(file, f"seen_layers '{strays[0]}'", "is not a question in scan.yaml")
    for kind, ids, present in needed:
        have = set(present)
        gaps = [i for i in ids if i not in have]
        if gaps:
            raise DialogueError(file, f"{kind} '{gaps[0]}'", "has no text in this language")


def _check_tip_readers(locale: Locale, scoring: Scoring, library: TipLibrary, file: str) -> None:
    """A tip that a lead, HR or management may read never tells them to ask their lead."""
    workers = {r.value for r in scoring.roles.options if r.layer == scoring.phases.own_layer}
    phrases = [p.casefold() for p in library.addressed_to_workers.get(locale.language, [])]
    for tip in library.tips:
        others = [role for role in tip.audience if role not in workers]
        text = locale.tips.get(tip.id, "").casefold()
        hit = next((p for p in phrases if p in text), None)
        if others and hit:
            raise DialogueError(
                file,
                f"tip '{tip.id}'",
                f"says '{hit}', words for a worker, but it addresses '{others[0]}'",
            )


def _check_kit_texts(locale: Locale, scoring: Scoring, file: str) -> None:
    """The kit needs words for every agenda step and every question a team can be asked."""
    factors = scoring.eigen_regie.tie_priority
    needed: dict[str, Iterable[str]] = {
        "agenda": [step.step for step in scoring.kit.agenda],
        "path": [p.process for p in scoring.path.processes],
        "condition": [c.condition for c in scoring.preconditions.conditions],
        "imbalance": IMBALANCE_KINDS,
        "factor": factors,
        "core": scoring.sustainability.core,
        "llo": [m.moment for m in scoring.llo.moments],
        "general": scoring.kit.general,
    }
    for group, ids in needed.items():
        have = locale.kit.get(group, {})
        gaps = [i for i in ids if i not in have]
        if gaps:
            raise DialogueError(file, f"kit.{group} '{gaps[0]}'", "has no text in this language")
