"""The interview in a terminal: numbered choices, the same machine and the same storage.

The console speaks console: choices are numbers, everything else is a letter, and no text
says "tap" or names a /command. A locale text `console_<key>` stands in for `<key>` here.
Each screen has one numbered list at most (the last message's buttons); buttons of earlier
messages on the same screen get letters. The console never ends by itself: after the
summary, a decline or a deletion the letters still work, and q (or the end of input) quits.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import TextIO

from bot.render import Button, Message, Renderer, channel_dialogue, plain_text
from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, Person, nav_data
from dialogues.loader import Dialogue

CONSOLE_PREFIX = "console_"
# Letters for commands: t(erug), p(auze), o(pnieuw), g(egevens), l(anguage/taal), s(tart), q(uit).
COMMANDS = {
    "t": "back",
    "p": "pause",
    "o": "restart",
    "g": "my_data",
    "l": "language",
    "s": "start",
    "q": "quit",
}
# Buttons that do what a command letter does show that letter instead of a number.
BUTTON_LETTERS = {nav_data("back"): "t", nav_data("start_over"): "o"}
# Letters for other buttons that share a screen with the numbered list: never a command's.
SPARE_LETTERS = [c for c in "abcdefhijkmnruvwxyz" if c not in COMMANDS]


def console_dialogue(dialogue: Dialogue) -> Dialogue:
    """The dialogue with each `console_<key>` text in place of `<key>`."""
    return channel_dialogue(dialogue, CONSOLE_PREFIX)


class Console:
    """Reads numbers and letters from a terminal and prints the interview as plain text."""

    def __init__(
        self,
        conversation: Conversation,
        renderer: Renderer,
        stdin: TextIO,
        stdout: TextIO,
        person: Person | None = None,
    ) -> None:
        self.conversation = conversation
        self.renderer = Renderer(console_dialogue(renderer.dialogue), renderer.facts)
        self.stdin, self.stdout = stdin, stdout
        self.person = person or Person("console", getpass.getuser(), "nl")
        self.numbered: list[str] = []  # button data by number, from 1
        self.lettered: dict[str, str] = {}  # button data by letter, besides the commands
        self.language: str | None = self.person.language
        self.actions: dict[str, Callable[[Person], Outcome]] = {
            "back": conversation.back,
            "pause": conversation.pause,
            "restart": conversation.restart,
            "my_data": conversation.my_data,
            "language": conversation.choose_language,
            "start": conversation.start,
        }

    def run(self) -> None:
        """Runs until the person quits or input runs out; the answers are stored as they go."""
        self.show(self.conversation.start(self.person))
        while True:
            self.say(f"\n> {self.words('console_prompt')} ({self.words('console_keys')}): ")
            line = self.stdin.readline()
            if not line:  # end of input: the answers are already stored
                self.say("\n" + self.words("console_bye") + "\n")
                return
            choice = line.strip().lower()
            if choice == "q":
                self.conversation.pause(self.person)
                self.say(self.words("console_bye") + "\n")
                return
            outcome = self.handle(choice)
            if outcome is None:
                self.say(self.words("console_invalid") + "\n")
                continue
            self.show(outcome)

    def handle(self, choice: str) -> Outcome | None:
        if choice.isdigit() and 1 <= int(choice) <= len(self.numbered):
            return self.conversation.press(self.person, self.numbered[int(choice) - 1])
        if choice in self.lettered:
            return self.conversation.press(self.person, self.lettered[choice])
        action = self.actions.get(COMMANDS.get(choice, ""))
        return action(self.person) if action else None

    def show(self, outcome: Outcome) -> None:
        """Prints one screen: the replies, one numbered list at most, letters for the rest."""
        self.language = outcome.language or self.language
        if outcome.answered:
            question, option = outcome.answered
            self.say(plain_text(self.renderer.answered(question, option, self.language)) + "\n")
        messages = [self.renderer.render(reply, self.language) for reply in outcome.replies]
        last_with_buttons = max((i for i, m in enumerate(messages) if m.buttons), default=-1)
        self.numbered, self.lettered = [], {}
        spare = iter(SPARE_LETTERS)
        for index, message in enumerate(messages):
            self.say("\n" + plain_text(message.text) + "\n")
            for button in _buttons(message):
                if button.data in BUTTON_LETTERS:
                    self.say(f"  {BUTTON_LETTERS[button.data]}. {button.label}\n")
                elif index == last_with_buttons:
                    self.numbered.append(button.data)
                    self.say(f"  {len(self.numbered)}. {button.label}\n")
                else:
                    letter = next(spare)
                    self.lettered[letter] = button.data
                    self.say(f"  {letter}. {button.label}\n")

    def words(self, key: str) -> str:
        return self.renderer.dialogue.locale(self.language).messages[key]

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _buttons(message: Message) -> list[Button]:
    return [button for row in message.buttons for button in row]
