"""The interview in a terminal: numbered choices, the same machine and the same storage."""

from __future__ import annotations

import getpass
from typing import TextIO

from bot.render import Message, Renderer, plain_text
from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, Person

COMMANDS = {"t": "back", "p": "pause", "o": "restart", "g": "my_data", "l": "language", "q": "quit"}


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
        self.conversation, self.renderer = conversation, renderer
        self.stdin, self.stdout = stdin, stdout
        self.person = person or Person("console", getpass.getuser(), "nl")
        self.buttons: list[str] = []
        self.language: str | None = self.person.language

    def run(self) -> None:
        """Runs until the scan ends, the person quits, or input runs out."""
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
            if self.finished(outcome):
                return

    def handle(self, choice: str) -> Outcome | None:
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.conversation.press(self.person, self.buttons[int(choice) - 1])
        action = COMMANDS.get(choice)
        if action == "back":
            return self.conversation.back(self.person)
        if action == "pause":
            return self.conversation.pause(self.person)
        if action == "restart":
            return self.conversation.restart(self.person)
        if action == "my_data":
            return self.conversation.my_data(self.person)
        if action == "language":
            return self.conversation.choose_language(self.person)
        return None

    def show(self, outcome: Outcome) -> None:
        self.language = outcome.language or self.language
        if outcome.answered:
            question, option = outcome.answered
            self.say(plain_text(self.renderer.answered(question, option, self.language)) + "\n")
        for reply in outcome.replies:
            self.print_message(self.renderer.render(reply, self.language))

    def print_message(self, message: Message) -> None:
        self.say("\n" + plain_text(message.text) + "\n")
        self.buttons = []
        for row in message.buttons:
            for button in row:
                self.buttons.append(button.data)
                self.say(f"  {len(self.buttons)}. {button.label}\n")

    def finished(self, outcome: Outcome) -> bool:
        return any(
            r.template == "summary" or r.data.get("key") == "declined" for r in outcome.replies
        )

    def words(self, key: str) -> str:
        return self.renderer.dialogue.locale(self.language).messages[key]

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
