"""Renders replies from Jinja2 templates into Telegram-HTML text with buttons."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.service.outcome import answer_data, nav_data
from dialogues.loader import Dialogue, ResolvedQuestion, option_label
from dialogues.schema import Locale, Option
from statemachine import Reply

TEMPLATES = Path(__file__).parent / "templates"
# Buttons that are not answers: the words come from the locale, the action from here.
ACTIONS = {
    "back": "back_button",
    "resume": "resume_button",
    "remind": "remind_button",
    "restart": "restart_yes",
    "keep": "restart_no",
    "start_over": "start_over_button",
    "forget": "forget_button",
    "forget_yes": "forget_yes",
    "keep_data": "forget_no",
    "more": "summary_more_button",
}
TELEGRAM_LIMIT = 4096
# Replies that depend on the content only (never on a person), so each is rendered once.
CACHED_TEMPLATES = frozenset({"question"})
CACHE_SIZE = 10_000  # well above every question x position x language x earlier answer
# What the privacy statement promises when no settings say otherwise (see Policy, Settings).
DEFAULT_FACTS = {"idle_days": 30, "retention_months": 12, "min_group": 5}


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Message:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Splits long text between paragraphs, then lines; templates never open a tag across lines."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one endless line: cut it, tags or not (never from a template)
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def and_list(keys: Iterable[str], names: Mapping[str, str], word: str, prefix: str = "") -> str:
    """Names joined the Dutch way: 'A, B en C' (the word for 'and' comes from the locale)."""
    words = [names[f"{prefix}{key}"] for key in keys]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {word} {words[-1]}"


def plain_text(text: str) -> str:
    """Telegram HTML to plain text, for the console."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def channel_dialogue(dialogue: Dialogue, prefix: str) -> Dialogue:
    """The dialogue with each `<prefix><key>` text in place of `<key>`.

    A channel that cannot say "tap" or name a /command (the console, the web) keeps its own
    words for those texts under its prefix in the locales.
    """
    locales = {}
    for code, locale in dialogue.locales.items():
        messages = dict(locale.messages)
        for key, text in locale.messages.items():
            plain_key = key.removeprefix(prefix)
            if key.startswith(prefix) and plain_key in messages:
                messages[plain_key] = text
        locales[code] = locale.model_copy(update={"messages": messages})
    return dataclasses.replace(dialogue, locales=locales)


class Renderer:
    """Turns a Reply into a Message in the person's language."""

    def __init__(
        self,
        dialogue: Dialogue,
        facts: dict[str, int] | None = None,
        templates: Path = TEMPLATES,
    ) -> None:
        self.dialogue = dialogue
        # Numbers the texts promise (retention, group size), filled in from the settings.
        self.facts = {**DEFAULT_FACTS, **(facts or {})}
        # Team links: the front end fills in the bot's own address once it knows it.
        self.deep_link = "?start="
        # A team's page in the browser ("<address>/t/"), when the web pages are public.
        self.web_link: str | None = None
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=True,  # user and content text is always escaped for Telegram's HTML
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._cache: dict[tuple[object, ...], Message] = {}

    def render(self, reply: Reply, language: str | None = None) -> Message:
        if reply.template not in CACHED_TEMPLATES:
            return self._render(reply, language)
        key = (reply.template, language, *_content_key(reply.data))
        return self._cached(key, lambda: self._render(reply, language))

    def _render(self, reply: Reply, language: str | None) -> Message:
        locale = self.dialogue.locale(language)
        data = dict(reply.data)
        if reply.template == "message":  # placeholders: the reply's own values, then the facts
            data["params"] = {**self.facts, **data.get("params", {})}
        text = (
            self.env.get_template(f"{reply.template}.j2")
            .render(
                t=locale,
                facts=self.facts,
                deep_link=self.deep_link,
                web_link=self.web_link,
                label=lambda q, o: option_label(locale, q, o),
                and_list=lambda keys, names, prefix="": and_list(
                    keys, names, locale.messages["list_and"], prefix
                ),
                **data,
            )
            .strip()
        )
        return Message(text=text, buttons=self._buttons(reply, locale))

    def answered(self, question: ResolvedQuestion, option: Option, language: str | None) -> str:
        """The text a question message gets once answered, so the chat reads back well."""
        key = ("answered", language, question.id, option.value)
        return self._cached(key, lambda: Message(self._answered(question, option, language))).text

    def _cached(self, key: tuple[object, ...], make: Callable[[], Message]) -> Message:
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:  # a bound, in case content ever varies freely
                self._cache.clear()
            cached = self._cache[key] = make()
        return cached

    def _answered(self, question: ResolvedQuestion, option: Option, language: str | None) -> str:
        locale = self.dialogue.locale(language)
        return (
            self.env.get_template("answered.j2")
            .render(
                t=locale,
                question=question,
                option=option,
                label=option_label(locale, question, option),
            )
            .strip()
        )

    def _buttons(self, reply: Reply, locale: Locale) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = []
        question: ResolvedQuestion | None = reply.data.get("question")
        if reply.template == "question" and question is not None:
            for option in question.options:
                label = f"{option.emoji} {option_label(locale, question, option)}".strip()
                rows.append((Button(label, answer_data(question.id, option.value)),))
            if reply.data.get("can_go_back"):
                rows.append((Button(locale.messages["back_button"], nav_data("back")),))
        for key, params, data in reply.data.get("buttons") or []:
            rows.append((Button(locale.messages[key].format(**params), data),))
        actions = reply.data.get("actions") or []
        if actions:
            rows.append(tuple(Button(locale.messages[ACTIONS[a]], nav_data(a)) for a in actions))
        return tuple(rows)


def _content_key(data: Mapping[str, object]) -> tuple[object, ...]:
    """The reply's data as a key: a question by its id, everything else as it is."""
    return tuple(
        (name, value.id if isinstance(value, ResolvedQuestion) else value)
        for name, value in sorted(data.items())
    )
