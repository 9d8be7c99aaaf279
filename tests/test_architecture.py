"""The layer rules, read from the import statements: channels depend on the service, never back.

channels (bot.telegram, bot.console, bot.web) -> bot.service -> statemachine, placement,
storage, dialogues, reports. No module imports a library's private module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = (
    "bot",
    "dialogues",
    "statemachine",
    "storage",
    "placement",
    "reports",
    "benchmarks",
    "tests",
)
CHANNEL_LIBRARIES = ("telegram", "starlette", "aiohttp", "uvicorn")
CHANNELS = ("bot.telegram", "bot.console", "bot.web")
# What each layer may import of ours; everything not named is off limits.
ALLOWED = {
    "bot.service": ("bot.service", "dialogues", "statemachine", "storage", "placement", "reports"),
    "statemachine": ("statemachine", "dialogues"),
    "placement": ("placement", "dialogues"),
    "dialogues": ("dialogues",),
    "storage": ("storage",),
    "reports": ("reports", "storage", "placement", "dialogues", "statemachine"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[str]:
    """Every module an import statement in the file names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and package:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.append(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.append(node.module)
    return found


# Command-line entry points wire layers together, as `bot.app` does for the bot.
ENTRY_POINTS = ("dialogues.__main__", "storage.migrations.env")


def python_files(*packages: str) -> list[Path]:
    """The package's files (a folder's, or the one module's)."""
    found: list[Path] = []
    for package in packages:
        folder, module = REPO / package, REPO / f"{package}.py"
        found += folder.rglob("*.py") if folder.is_dir() else [module] if module.exists() else []
    return sorted(found)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_lies_below_it(layer: str) -> None:
    wrong = [
        f"{module_name(path)} imports {name}"
        for path in python_files(layer.replace(".", "/"))
        if module_name(path) not in ENTRY_POINTS
        for name in imports_of(path)
        if within(name, OURS) and not within(name, ALLOWED[layer])
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_channel_library_below_the_channels(layer: str) -> None:
    wrong = [
        f"{module_name(path)} imports {name}"
        for path in python_files(layer.replace(".", "/"))
        for name in imports_of(path)
        if within(name, CHANNEL_LIBRARIES)
    ]
    assert wrong == []


def test_one_channel_never_imports_another() -> None:
    wrong = [
        f"{module_name(path)} imports {name}"
        for channel in CHANNELS
        for path in python_files(channel.replace(".", "/"))
        for name in imports_of(path)
        if within(name, CHANNELS) and not within(name, (channel,))
    ]
    assert wrong == []


def test_no_module_imports_a_private_module_of_a_library() -> None:
    wrong = [
        f"{module_name(path)} imports {name}"
        for path in python_files(*OURS)
        for name in imports_of(path)
        if not within(name, OURS)
        and name != "__future__"
        and any(part.startswith("_") for part in name.split("."))
    ]
    assert wrong == []


def test_the_rules_see_a_breach() -> None:
    """The checks read real imports: the Telegram channel does import telegram."""
    names = {name for path in python_files("bot/telegram") for name in imports_of(path)}
    assert "telegram" in names
    assert "bot.service.conversation" in names
    assert python_files("bot/console"), "a channel that is one module is read too"
