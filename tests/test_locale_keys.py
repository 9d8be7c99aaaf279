"""Every text the code or a template asks for exists in the locale: none fails at run time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.render import ACTIONS
from bot.telegram.application import COMMANDS
from dialogues.loader import CONTENT_DIR, MESSAGES_FILE, Dialogue, default_dialogue

REPO = Path(__file__).resolve().parent.parent
SOURCES = [*REPO.glob("bot/**/*.py"), *REPO.glob("reports/*.py"), *REPO.glob("statemachine/*.py")]
TEMPLATES = [
    *REPO.glob("bot/templates/*.j2"),
    *REPO.glob("bot/web/templates/*.j2"),
    *REPO.glob("reports/templates/*.j2"),
]
IN_CODE = re.compile(r"""\bmessage\(\s*"(\w+)"|messages\[\s*"(\w+)"\s*\]|"key":\s*"(\w+)\"""")
IN_TEMPLATES = re.compile(r"""t\.messages\.(\w+)|t\.messages\[\s*["'](\w+)["']\s*\]""")


def used_keys() -> set[str]:
    keys = {f"cmd_{command}" for command in COMMANDS} | set(ACTIONS.values())
    for path, pattern in [(p, IN_CODE) for p in SOURCES] + [(p, IN_TEMPLATES) for p in TEMPLATES]:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            keys.update(group for group in match.groups() if group)
    return keys


def test_the_scan_finds_the_keys_it_should() -> None:
    keys = used_keys()
    assert {
        "not_understood",
        "welcome_back",
        "team_round_open",
        "cmd_verwijder",
        "report_title",
    } <= keys


def test_every_used_text_is_a_listed_message() -> None:
    listed = yaml.safe_load((CONTENT_DIR / MESSAGES_FILE).read_text(encoding="utf-8"))
    missing = sorted(used_keys() - set(listed["messages"]))
    assert missing == [], f"{MESSAGES_FILE} lacks: {missing}"


@pytest.mark.parametrize("language", sorted(default_dialogue().locales))
def test_every_used_text_exists(dialogue: Dialogue, language: str) -> None:
    missing = sorted(used_keys() - set(dialogue.locales[language].messages))
    assert missing == [], f"locales/{language}.yaml lacks messages: {missing}"
