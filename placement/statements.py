"""The sentences a summary makes about the answers, each with the claims it rests on.

Templates render these statements and nothing else about the answers; a property test checks
every claim against the answers (placement/evidence.py). Rules: dialogues/scoring.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogues.loader import Dialogue
from placement.answers import Answers, score
from placement.evidence import Claim, Statement, Term
from placement.layers import Imbalance
from placement.path import PathPlace
from placement.regie import Regie, factor_questions
from placement.sustainability import Sustainability


def _one(qid: str) -> Term:
    return ((qid,),)


def regie_statements(
    dialogue: Dialogue, factors: dict[str, float | None], regie: Regie
) -> Iterator[Statement]:
    """About equal, strong and weak factors, or too little known."""
    rules = dialogue.scoring.eigen_regie
    questions = factor_questions(dialogue)
    every: Term = (tuple(q for qids in questions.values() for q in qids),)
    if not regie.known:
        yield Statement("regie_unknown", {}, (Claim(every, "mostly_unknown", rules.unknown_share),))
        return
    known = [f for f, s in factors.items() if s is not None]
    term = {f: (questions[f],) for f in known}
    margin = rules.equal_within
    if regie.equal:
        claims = [Claim(term[f], "<=", margin, term[g]) for f in known for g in known if f != g]
        yield Statement("regie_equal", {}, tuple(claims))
        return
    # Near its end, and more than one answer step away from every point named at the other.
    near_top = [Claim(term[s], ">=", -margin, term[g]) for s in regie.strong for g in known]
    above = [Claim(term[s], ">", margin, term[w]) for s in regie.strong for w in regie.weak]
    yield Statement("regie_strong", {"factors": regie.strong}, (*near_top, *above))
    near_bottom = [Claim(term[w], "<=", margin, term[g]) for w in regie.weak for g in known]
    below = [Claim(term[w], "<", -margin, term[s]) for w in regie.weak for s in regie.strong]
    yield Statement("regie_weak", {"factors": regie.weak}, (*near_bottom, *below))


def quality_statement(dialogue: Dialogue, answers: Answers) -> Statement | None:
    """The note for someone who gave every statement of the scale the same answer."""
    rule = dialogue.scoring.quality
    qids = tuple(q.id for q in dialogue.questions if q.scale == rule.scale and q.id in answers)
    usable = [answers[q] for q in qids if score(dialogue, answers, q) is not None]
    if len(set(usable)) != 1 or len(usable) < rule.min_items:
        return None
    option, count = usable[0], len(usable)
    return Statement(
        "same_answers", {"count": count}, (Claim((qids,), "same", rule.min_items, option=option),)
    )


def phase_statements(
    phases: dict[str, int | None], questions: dict[str, str], imbalance: Imbalance | None
) -> Iterator[Statement]:
    """The phase of each layer as the person rated it, and the gap they see (no warning)."""
    for layer, phase in phases.items():
        term = _one(questions[layer])
        if phase is None:
            yield Statement("phase", {"layer": layer, "phase": None}, (Claim(term, "unknown"),))
        else:
            yield Statement("phase", {"layer": layer, "phase": phase}, (Claim(term, "==", phase),))
    if imbalance is not None:
        ahead: Term = tuple((questions[layer],) for layer in imbalance.ahead)
        behind: Term = tuple((questions[layer],) for layer in imbalance.behind)
        yield Statement(
            "imbalance_person",
            {"kind": imbalance.kind, "ahead": imbalance.ahead, "behind": imbalance.behind},
            (Claim(ahead, ">=", imbalance.gap - 1e-6, behind),),
        )


def path_statements(
    dialogue: Dialogue, factors: dict[str, float | None], place: PathPlace
) -> Iterator[Statement]:
    """The ring (from the eigen-regie level), the step where learning stalls, the position."""
    rules = dialogue.scoring.path
    questions = factor_questions(dialogue)
    if place.ring is not None and place.level is not None:
        level: Term = tuple(questions[f] for f, s in factors.items() if s is not None)
        rings = [band.ring for band in rules.rings]
        index = rings.index(place.ring)
        claims: list[Claim] = []
        if index > 0 and (lower := rules.rings[index - 1].below) is not None:
            claims.append(Claim(level, ">=", lower))
        upper = rules.rings[index].below
        cap = rules.weakest_cap
        low = min(s for s in factors.values() if s is not None)
        if cap is not None and cap.ring == place.ring and low < cap.below:
            weakest = next(f for f, s in factors.items() if s == low)
            claims.append(Claim((questions[weakest],), "<", cap.below))
        elif upper is not None:
            claims.append(Claim(level, "<", upper))
        yield Statement("ring", {"ring": place.ring, "level": place.level}, tuple(claims))
    if place.process is not None:
        known = place.process_scores.get(place.process)
        stalled = known is not None and known < rules.stalled_below
        claims = []
        for process in rules.processes:
            term = (tuple(process.questions),)
            if process.process == place.process:
                if known is None:  # none stalls, and the last step itself is unknown
                    claims.append(Claim(term, "unknown"))
                else:
                    claims.append(Claim(term, "<" if stalled else ">=", rules.stalled_below))
                break
            if place.process_scores[process.process] is None:
                claims.append(Claim(term, "unknown"))
            else:
                claims.append(Claim(term, ">=", rules.stalled_below))
        params = {"process": place.process, "stalled": stalled}
        yield Statement("process", params, tuple(claims))
    if place.position is not None:
        yield Statement("position", {"position": place.position})
        return
    # Too little known: fewer than min_factors factors known means most statements had no
    # usable answer (each factor has two), or no step had a usable answer at all.
    claims = []
    if place.ring is None:
        every = (tuple(q for qids in questions.values() for q in qids),)
        claims.append(Claim(every, "mostly_unknown", 0.5))
    if place.process is None:
        steps = (tuple(q for p in rules.processes for q in p.questions),)
        claims.append(Claim(steps, "unknown"))
    yield Statement("path_unknown", {}, tuple(claims))


def energy_statements(dialogue: Dialogue, result: Sustainability) -> Iterator[Statement]:
    """Uitputting, wisselend or veerkracht, and the core questions that score lowest."""
    rules = dialogue.scoring.sustainability
    term: Term = ((rules.basis,), tuple(rules.core))
    if result.verdict is None:
        everything: Term = ((rules.basis, *rules.core),)
        yield Statement("energy_unknown", {}, (Claim(everything, "unknown"),))
        return
    verdicts = [v.verdict for v in rules.verdicts]
    index = verdicts.index(result.verdict)
    claims: list[Claim] = []
    if index > 0 and (lower := rules.verdicts[index - 1].below) is not None:
        claims.append(Claim(term, ">=", lower))
    if (upper := rules.verdicts[index].below) is not None:
        claims.append(Claim(term, "<", upper))
    yield Statement("energy", {"verdict": result.verdict}, tuple(claims))
    if result.weak_core:
        known = [q for q, s in result.core.items() if s is not None]
        claims = [Claim(_one(q), "<", rules.weak_core_below) for q in result.weak_core]
        claims += [Claim(_one(q), "<=", 0.0, _one(o)) for q in result.weak_core for o in known]
        highest = max(known, key=lambda q: result.core[q] or 0)
        claims += [Claim(_one(q), "<", 0.0, _one(highest)) for q in result.weak_core]
        yield Statement("energy_attention", {"cores": result.weak_core}, tuple(claims))


def condition_statements(dialogue: Dialogue, weak: list[str]) -> Iterator[Statement]:
    rules = dialogue.scoring.preconditions
    by_name = {c.condition: c for c in rules.conditions}
    for condition in weak:
        term = (tuple(by_name[condition].questions),)
        claim = Claim(term, "<", rules.weak_below)
        yield Statement("condition", {"condition": condition}, (claim,))


def source_statements(dialogue: Dialogue, scores: dict[str, float | None]) -> Iterator[Statement]:
    """Per source of learning (tasks, the world outside) with a known score: weak or not."""
    rules = dialogue.scoring.learning_sources
    for rule in rules.layers:
        value = scores.get(rule.layer)
        if value is None:
            continue
        weak = value < rules.weak_below
        claim = Claim((tuple(rule.questions),), "<" if weak else ">=", rules.weak_below)
        yield Statement("source", {"layer": rule.layer, "weak": weak}, (claim,))


def choice_statement(key: str, question: str, value: str | None) -> Statement | None:
    if value is None:
        return None
    return Statement(key, {"value": value}, (Claim(_one(question), "chose", option=value),))
