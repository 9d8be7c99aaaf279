"""Pages: an Outcome's replies as HTML, each message's buttons one POST form.

The replies render through the same Renderer as Telegram's and the console's; their text is
Telegram's small HTML subset (b, i, code, a), which is HTML too, so it goes in as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.render import Button, Renderer
from bot.service.outcome import Outcome, answer_data
from dialogues.schema import Locale

TEMPLATES = Path(__file__).parent / "templates"
# Messages after which the scan is not open: no resume code to show, a Begin button instead.
CLOSED_KEYS = frozenset({"forgotten", "no_data", "declined", "not_started"})


@dataclass(frozen=True)
class Shown:
    """One message on a page: its HTML and its buttons (rows), `chosen` the earlier answer."""

    html: Markup
    rows: tuple[tuple[Button, ...], ...]
    question: bool = False
    chosen: str | None = None


@dataclass
class Screen:
    """Everything one page of the interview shows."""

    language: str
    messages: list[Shown] = field(default_factory=list)
    answered: str | None = None
    chart: bool = False
    code: str | None = None
    status: int = 200


class Pages:
    """Renders the web templates around the Renderer's messages."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # the templates ship with the code: no stat() per page
        )

    def locale(self, language: str | None) -> Locale:
        return self.renderer.dialogue.locale(language)

    def screen(self, outcome: Outcome, language: str | None) -> Screen:
        """The outcome as a screen: replies rendered, the previous answer above them."""
        language = outcome.language or language or None
        screen = Screen(language=self.locale(language).language)
        if outcome.answered:
            question, option = outcome.answered
            answered = self.renderer.answered(question, option, language)
            screen.answered = Markup(answered.split("\n")[-1])  # "Your answer: 🙂 Agree"
        for reply in outcome.replies:
            message = self.renderer.render(reply, language)
            asked = reply.data.get("question") if reply.template == "question" else None
            previous = reply.data.get("previous_answer")
            chosen = answer_data(asked.id, previous) if asked and previous else None
            screen.messages.append(
                Shown(Markup(message.text), message.buttons, asked is not None, chosen)
            )
            screen.chart = screen.chart or reply.template == "summary"
        return screen

    def page(self, template: str, language: str | None, **values: Any) -> str:
        """A whole page in the person's language."""
        locale = self.locale(language)
        others = [
            (code, other.name)
            for code, other in self.renderer.dialogue.locales.items()
            if code != locale.language
        ]
        return self.env.get_template(template).render(
            t=locale, lang=locale.language, other_languages=others, **values
        )


def is_closed(outcome: Outcome) -> bool:
    """True when the outcome leaves no open scan on the screen (deleted, declined, none)."""
    return any(reply.data.get("key") in CLOSED_KEYS for reply in outcome.replies)
