"""Typed schema of the questionnaire: structure (scan.yaml) and words (locales/*.yaml)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = str  # lower_snake_case, checked by the loader
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]  # never empty


class Strict(BaseModel):
    """Base for content models: unknown keys are an authoring mistake, not something to ignore."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """One of the seed documents a model is taken from."""

    id: Identifier
    citation: str
    seed: str | None = Field(
        default=None, description="file name in shared/seeds that holds the document"
    )


class SourceModel(Strict):
    """A model from the sources that questions measure, e.g. eigen regie with its five factors."""

    id: Identifier
    name: str
    source: Identifier
    dimensions: list[Identifier] = Field(min_length=1)


class Option(Strict):
    """One answer a respondent can tap."""

    value: Identifier
    emoji: str = ""
    score: int | None = Field(
        default=None, description="position on the scale; empty for 'weet ik niet' and choices"
    )
    dont_know: bool = False
    ends_interview: bool = False


class Scale(Strict):
    """A reusable list of options, lowest first, 'weet ik niet' last."""

    id: Identifier
    options: list[Option] = Field(min_length=2)


class Question(Strict):
    """One question: what it measures, where that comes from and how it is answered."""

    id: Identifier
    model: Identifier
    measures: Identifier
    kind: Literal["consent", "choice", "scale", "phase"]
    scale: Identifier | None = None
    options: list[Option] | None = None
    skippable: bool = False
    when: dict[Identifier, list[Identifier]] | None = Field(
        default=None, description="only asked when an earlier answer is one of these values"
    )
    mirror: Identifier | None = Field(
        default=None,
        description="the same layer seen from the other side: its options must read the same",
    )


class Block(Strict):
    """A group of questions shown under one short heading."""

    id: Identifier
    questions: list[Question] = Field(min_length=1)


class Structure(Strict):
    """Everything in scan.yaml."""

    sources: list[Source]
    models: list[SourceModel]
    scales: list[Scale]
    blocks: list[Block]


class QuestionText(Strict):
    text: Text
    hint: Text | None = None
    options: dict[Identifier, Text] = Field(default_factory=dict)


class BlockText(Strict):
    title: Text
    intro: Text | None = None


class Named(Strict):
    """A short name with one plain sentence that explains it."""

    name: Text
    text: Text


class MessageKeys(Strict):
    """Everything in messages.yaml: the key of every message the code and templates use."""

    messages: list[str] = Field(min_length=1)


class Locale(Strict):
    """Everything in one locales/<code>.yaml: the words for one language."""

    language: str
    name: str
    scales: dict[Identifier, dict[Identifier, Text]]
    blocks: dict[Identifier, BlockText]
    questions: dict[Identifier, QuestionText]
    factors: dict[Identifier, Text]
    phases: dict[int, Text]
    layers: dict[Identifier, Text]
    own_layers: dict[Identifier, Text] = Field(description="a layer seen by someone in it")
    seen_layers: dict[Identifier, Text] = Field(
        default_factory=dict, description="a layer's name when a given question placed it"
    )
    tips: dict[Identifier, Text]
    rings: dict[Identifier, Named]
    processes: dict[Identifier, Named]
    positions: dict[Identifier, Text] = Field(description="the guiding question of each position")
    verdicts: dict[Identifier, Named]
    core_questions: dict[Identifier, Text]
    preconditions: dict[Identifier, Named]
    imbalance: dict[Identifier, Text]
    preferences: dict[Identifier, Named]
    llo: dict[Identifier, Named]
    moments: dict[Identifier, Text]
    kit: dict[Identifier, dict[Identifier, Text]] = Field(
        description="the conversation kit: agenda steps and discussion questions per topic"
    )
    messages: dict[Identifier, Text]
