"""Loads the questionnaire from YAML and checks it, so a content mistake stops the start-up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dialogues.errors import DialogueError, unique
from dialogues.rule_checks import check_rule_texts, check_scoring, check_tips
from dialogues.rules import Scoring, Tip, TipLibrary
from dialogues.schema import Locale, MessageKeys, Option, Question, SourceModel, Structure

CONTENT_DIR = Path(__file__).parent
STRUCTURE_FILE = "scan.yaml"
LOCALES_DIR = "locales"
DEFAULT_LANGUAGE = "nl"
M = TypeVar("M", bound=BaseModel)
MAX_BUTTON_CHARS = 40
MAX_QUESTION_WORDS = 20
SCORING_FILE = "scoring.yaml"
TIPS_FILE = "tips.yaml"
MESSAGES_FILE = "messages.yaml"
PHASE_SCORES = [1, 2, 3, 4, 5]


@dataclass(frozen=True)
class ResolvedQuestion:
    """A question with its options looked up, ready for the interview machine."""

    id: str
    block: str
    model: str
    measures: str
    kind: str
    scale: str | None
    options: tuple[Option, ...]
    skippable: bool
    when: dict[str, list[str]] | None
    mirror: str | None = None

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def skip_option(self) -> Option | None:
        return next((o for o in self.options if o.dont_know), None)


@dataclass(frozen=True)
class Dialogue:
    """The whole questionnaire: ordered questions, models, tips and the words per language."""

    structure: Structure
    questions: tuple[ResolvedQuestion, ...]
    locales: dict[str, Locale] = field(repr=False)
    scoring: Scoring = field(repr=False)
    tip_library: TipLibrary = field(repr=False)
    _by_id: dict[str, ResolvedQuestion] = field(init=False, repr=False)
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})
        object.__setattr__(self, "_index", {q.id: i for i, q in enumerate(self.questions)})

    def question(self, question_id: str) -> ResolvedQuestion:
        return self._by_id[question_id]

    def index(self, question_id: str) -> int:
        """Where the question stands in the questionnaire, from 0."""
        return self._index[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._by_id

    def model(self, model_id: str) -> SourceModel:
        return next(m for m in self.structure.models if m.id == model_id)

    def questions_of(self, model_id: str) -> list[ResolvedQuestion]:
        return [q for q in self.questions if q.model == model_id]

    @property
    def tips(self) -> list[Tip]:
        return self.tip_library.tips

    def restricted_to(self, question_ids: Iterable[str]) -> Dialogue:
        """The same questionnaire with only the consent and these questions, in their order.

        For a short pulse run on the same interview machine. A 'when' that names a question
        left out is dropped: nothing is asked to decide it (the pulse asks everyone).
        """
        keep = {self.questions[0].id, *question_ids}
        kept = [q for q in self.questions if q.id in keep]
        ids = {q.id for q in kept}
        pruned = []
        for question in kept:
            when = {ref: values for ref, values in (question.when or {}).items() if ref in ids}
            pruned.append(replace(question, when=when or None))
        return Dialogue(
            structure=self.structure,
            questions=tuple(pruned),
            locales=self.locales,
            scoring=self.scoring,
            tip_library=self.tip_library,
        )

    def locale(self, language: str | None) -> Locale:
        return self.locales.get(language or DEFAULT_LANGUAGE) or self.locales[DEFAULT_LANGUAGE]


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a key given twice is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, root: Path) -> Any:
    name = _display(path, root)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise DialogueError(name, "file", "the file is missing") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = str(getattr(exc, "problem", ""))
        if problem.endswith("is given twice"):
            where += f", {problem.removesuffix(' is given twice')}"
        raise DialogueError(
            name, where, f"not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _item_path(data: Any, loc: Sequence[int | str]) -> str:
    """Turns a pydantic location into words an author can find, naming ids where there are."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1:] = [
                f"{parts[-1] if parts else ''}[{key}]" + (f" (id '{ident}')" if ident else "")
            ]
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "top level"


def _parse(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        fault = "is empty" if first["type"] == "string_too_short" else first["msg"]
        raise DialogueError(file, _item_path(data, first["loc"]), fault) from None


def _check_options(q: Question, options: list[Option], file: str) -> None:
    item = f"question '{q.id}'"
    unique((o.value for o in options), file, f"{item} option")
    answers = [o for o in options if not o.dont_know]
    first_dont_know = next((i for i, o in enumerate(options) if o.dont_know), len(options))
    if any(not o.dont_know for o in options[first_dont_know:]):
        raise DialogueError(file, item, "'weet ik niet' must come after every other option")
    scores = [o.score for o in answers]
    if q.kind in ("scale", "phase"):
        ranked = [s for s in scores if s is not None]
        if len(ranked) != len(scores):
            raise DialogueError(file, item, "every option of a scale needs a score")
        if ranked != sorted(ranked) or len(set(ranked)) != len(ranked):
            raise DialogueError(file, item, "options must run from the lowest score to the highest")
    if q.kind == "phase" and scores != PHASE_SCORES:
        raise DialogueError(file, item, "a phase question has the five phases, scored 1 to 5")
    if q.skippable and first_dont_know == len(options):
        raise DialogueError(file, item, "skippable questions need a 'weet ik niet' option")
    if q.kind == "consent" and not any(o.ends_interview for o in options):
        raise DialogueError(file, item, "consent needs an option that lets people say no")


def _resolve(structure: Structure, file: str) -> tuple[ResolvedQuestion, ...]:
    unique((s.id for s in structure.sources), file, "source")
    unique((m.id for m in structure.models), file, "model")
    unique((s.id for s in structure.scales), file, "scale")
    unique((b.id for b in structure.blocks), file, "block")
    sources = {s.id for s in structure.sources}
    models = {m.id: m for m in structure.models}
    scales = {s.id: s for s in structure.scales}
    for m in structure.models:
        if m.source not in sources:
            raise DialogueError(file, f"model '{m.id}'", f"unknown source '{m.source}'")

    resolved: list[ResolvedQuestion] = []
    for block in structure.blocks:
        for q in block.questions:
            item = f"question '{q.id}'"
            model = models.get(q.model)
            if model is None:
                raise DialogueError(file, item, f"unknown model '{q.model}'")
            if q.measures not in model.dimensions:
                raise DialogueError(
                    file, item, f"model '{q.model}' has no dimension '{q.measures}'"
                )
            if (q.scale is None) == (q.options is None):
                raise DialogueError(file, item, "give either a scale or options, not both")
            if q.scale is not None and q.scale not in scales:
                raise DialogueError(file, item, f"unknown scale '{q.scale}'")
            options = list(scales[q.scale].options) if q.scale else list(q.options or [])
            _check_options(q, options, file)
            for ref, values in (q.when or {}).items():
                if not values:
                    raise DialogueError(
                        file, item, f"'when' gives no values for '{ref}': it would never be asked"
                    )
                earlier = next((r for r in resolved if r.id == ref), None)
                if earlier is None:
                    raise DialogueError(
                        file, item, f"'when' names '{ref}', not an earlier question"
                    )
                unknown = [v for v in values if earlier.option(v) is None]
                if unknown:
                    raise DialogueError(file, item, f"'{ref}' has no option {unknown[0]!r}")
            resolved.append(
                ResolvedQuestion(
                    id=q.id,
                    block=block.id,
                    model=q.model,
                    measures=q.measures,
                    kind=q.kind,
                    scale=q.scale,
                    options=tuple(options),
                    skippable=q.skippable,
                    when=q.when,
                    mirror=q.mirror,
                )
            )
    unique((q.id for q in resolved), file, "question")
    _check_phase_scale(resolved, file)
    _check_mirrors(resolved, file)
    if not resolved or resolved[0].kind != "consent":
        raise DialogueError(file, "blocks[0]", "the first question must ask for consent")
    return tuple(resolved)


def _check_phase_scale(questions: list[ResolvedQuestion], file: str) -> None:
    """Phase questions share one scale of their own, so a phase always means the same."""
    phase_questions = [q for q in questions if q.kind == "phase"]
    if not phase_questions:
        return
    first = phase_questions[0]
    if first.scale is None:
        raise DialogueError(file, f"question '{first.id}'", "a phase question uses a scale")
    for q in questions:
        if (q.kind == "phase") != (q.scale == first.scale):
            raise DialogueError(
                file,
                f"question '{q.id}' scale '{q.scale}'",
                f"phase questions, and only they, use the phase scale '{first.scale}'",
            )


def _check_mirrors(questions: list[ResolvedQuestion], file: str) -> None:
    """A mirror measures the same layer on the same options as the question it mirrors."""
    by_id = {q.id: q for q in questions}
    for q in questions:
        if q.mirror is None:
            continue
        item = f"question '{q.id}' mirror '{q.mirror}'"
        target = by_id.get(q.mirror)
        if target is None:
            raise DialogueError(file, item, "not a question in this file")
        if target.mirror is not None:
            raise DialogueError(file, item, "mirror the layer's first item, not another mirror")
        if (q.model, q.measures, q.kind) != (target.model, target.measures, target.kind):
            raise DialogueError(file, item, "a mirror measures the same layer, the same way")
        if [o.value for o in q.options] != [o.value for o in target.options]:
            raise DialogueError(file, item, "a mirror has the same options, in the same order")


def mirror_pairs(dialogue: tuple[ResolvedQuestion, ...]) -> list[tuple[str, str]]:
    """(question, the question it mirrors) for every mirror in the questionnaire."""
    return [(q.id, q.mirror) for q in dialogue if q.mirror is not None]


def _check_mirror_texts(locale: Locale, dialogue: tuple[ResolvedQuestion, ...], file: str) -> None:
    """Self and outside view read the same options, word for word, in every language."""
    by_id = {q.id: q for q in dialogue}
    for qid, target in mirror_pairs(dialogue):
        for option in by_id[qid].options:
            own = option_label(locale, by_id[qid], option)
            theirs = option_label(locale, by_id[target], option)
            if own != theirs:
                raise DialogueError(
                    file,
                    f"question '{qid}' option '{option.value}'",
                    f"reads {own!r}, but its mirror '{target}' reads {theirs!r}: "
                    "a mirror pair uses the same words",
                )


def _missing(needed: Iterable[str], present: Iterable[str]) -> list[str]:
    have = set(present)
    return [n for n in needed if n not in have]


def _check_locale(
    locale: Locale,
    message_keys: list[str],
    dialogue: tuple[ResolvedQuestion, ...],
    structure: Structure,
    file: str,
) -> None:
    def need(kind: str, needed: Iterable[str], present: Iterable[str]) -> None:
        gaps = _missing(needed, present)
        if gaps:
            raise DialogueError(file, f"{kind} '{gaps[0]}'", "has no text in this language")

    need("block", (b.id for b in structure.blocks), locale.blocks)
    need("question", (q.id for q in dialogue), locale.questions)
    for scale in structure.scales:
        need(
            f"scale {scale.id}: option",
            (o.value for o in scale.options),
            locale.scales.get(scale.id, {}),
        )
    factors = next((m.dimensions for m in structure.models if m.id == "eigen_regie"), [])
    need("factor", factors, locale.factors)
    need("phase", (str(p) for p in PHASE_SCORES), (str(p) for p in locale.phases))
    layers = next((m.dimensions for m in structure.models if m.id == "groeimodel"), [])
    need("layer", layers, locale.layers)
    need("message", message_keys, locale.messages)
    strays = _missing(locale.messages, message_keys)
    if strays:
        raise DialogueError(
            file, f"message '{strays[0]}'", f"not a message the bot uses (see {MESSAGES_FILE})"
        )
    for q in dialogue:
        strays = _missing(locale.questions[q.id].options, (o.value for o in q.options))
        if strays:
            raise DialogueError(
                file, f"question '{q.id}' option '{strays[0]}'", "not an option of this question"
            )
        words = len(locale.questions[q.id].text.split())
        if words > MAX_QUESTION_WORDS:
            raise DialogueError(
                file,
                f"question '{q.id}'",
                f"{words} words; keep a question to {MAX_QUESTION_WORDS}",
            )
        for option in q.options:
            item = f"question '{q.id}' option '{option.value}'"
            label = option_label(locale, q, option)
            if not label:
                raise DialogueError(file, item, "has no text in this language")
            if len(f"{option.emoji} {label}".strip()) > MAX_BUTTON_CHARS:
                raise DialogueError(
                    file,
                    item,
                    f"button text is over {MAX_BUTTON_CHARS} characters, too long for a phone",
                )


def option_label(locale: Locale, question: ResolvedQuestion, option: Option) -> str:
    """The words on an option's button: the question's own, the scale's, or 'weet ik niet'."""
    own = locale.questions[question.id].options.get(option.value)
    if own:
        return own
    if question.scale:
        scale_label = locale.scales.get(question.scale, {}).get(option.value)
        if scale_label:
            return scale_label
    return locale.messages.get("dont_know", "") if option.dont_know else ""


def load_dialogue(directory: Path | str = CONTENT_DIR) -> Dialogue:
    """Reads scan.yaml, the scoring rules, the tips and every locale, and checks they fit."""
    root = Path(directory)
    structure_file = root / STRUCTURE_FILE
    structure_name = _display(structure_file, root)
    structure = _parse(Structure, _read_yaml(structure_file, root), structure_name)
    questions = _resolve(structure, structure_name)
    scoring_file = root / SCORING_FILE
    scoring_name = _display(scoring_file, root)
    scoring = _parse(Scoring, _read_yaml(scoring_file, root), scoring_name)
    check_scoring(scoring, structure, questions, scoring_name)
    tips_file = root / TIPS_FILE
    tips_name = _display(tips_file, root)
    library = _parse(TipLibrary, _read_yaml(tips_file, root), tips_name)
    check_tips(library, scoring, structure, questions, tips_name)

    messages_file = root / MESSAGES_FILE
    messages_name = _display(messages_file, root)
    message_keys = _parse(MessageKeys, _read_yaml(messages_file, root), messages_name).messages
    twice = next((key for key in message_keys if message_keys.count(key) > 1), None)
    if twice is not None:
        raise DialogueError(messages_name, f"message '{twice}'", "this key is listed twice")

    locale_files = sorted((root / LOCALES_DIR).glob("*.yaml"))
    locales: dict[str, Locale] = {}
    ordered = sorted(locale_files, key=lambda p: p.stem != DEFAULT_LANGUAGE)
    for path in ordered:
        name = _display(path, root)
        locale = _parse(Locale, _read_yaml(path, root), name)
        if locale.language != path.stem:
            raise DialogueError(
                name, "language", f"says '{locale.language}', file is '{path.stem}'"
            )
        _check_locale(locale, message_keys, questions, structure, name)
        _check_mirror_texts(locale, questions, name)
        check_rule_texts(locale, scoring, library, questions, name)
        locales[locale.language] = locale
    if DEFAULT_LANGUAGE not in locales:
        raise DialogueError(
            _display(root / LOCALES_DIR / f"{DEFAULT_LANGUAGE}.yaml", root),
            "file",
            "the Dutch texts are missing",
        )
    return Dialogue(
        structure=structure,
        questions=questions,
        locales=locales,
        scoring=scoring,
        tip_library=library,
    )


@cache
def default_dialogue() -> Dialogue:
    """The questionnaire shipped with the package, loaded once per process."""
    return load_dialogue(CONTENT_DIR)
