"""The code's own checks, run with the tests: ruff (lint and format) and mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ["bot", "dialogues", "statemachine", "storage", "placement", "reports"]

pytestmark = pytest.mark.slow  # each starts a process


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing() -> None:
    checked = run("ruff", "check", ".")
    assert checked.returncode == 0, checked.stdout


def test_the_code_is_formatted() -> None:
    checked = run("ruff", "format", "--check", ".")
    assert checked.returncode == 0, checked.stdout


def test_mypy_finds_nothing() -> None:
    """Strict on the service's lower layers (pyproject's overrides), checked everywhere."""
    checked = run("mypy", *PACKAGES)
    assert checked.returncode == 0, checked.stdout[-3000:]
