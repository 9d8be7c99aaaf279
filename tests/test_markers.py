"""The markers split the suite: `-m "not slow"` is a fast subset that starts no process or server.

The markers are set in tests/conftest.py; these tests run pytest itself, as a process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.harness import REPO

pytestmark = pytest.mark.slow  # each starts pytest as a process

GUARDED = """
import asyncio
import subprocess
import sys

import pytest

from tests.fakebotapi import FakeBotApi


def test_fast_and_starts_a_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


async def test_fast_and_starts_a_process_from_asyncio():
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await process.wait()


async def test_fast_and_starts_the_fake_bot_api():
    async with FakeBotApi():
        pass


def test_fast_and_starts_nothing():
    assert sum([1, 2]) == 3


@pytest.mark.slow
def test_slow_and_starts_a_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
"""


def pytest_in_a_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_fast_subset_holds_most_tests_and_no_slow_one() -> None:
    done = pytest_in_a_process("--collect-only", "-q", "-m", "not slow")
    assert done.returncode == 0, done.stdout + done.stderr
    fast, everything = map(int, re.findall(r"^(\d+)/(\d+) tests collected", done.stdout, re.M)[0])
    assert 500 <= fast < everything
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(collected) == fast
    slow = ("[postgresql", "test_benchmark.py::", "test_fault_suite.py::", "test_markers.py::")
    assert not [test for test in collected if any(part in test for part in slow)]


def test_the_guard_fails_a_fast_test_that_starts_a_process_or_a_server(tmp_path: Path) -> None:
    tests = tmp_path / "test_guarded.py"
    tests.write_text(GUARDED)
    report = tmp_path / "report.xml"
    done = pytest_in_a_process(
        "-c",
        str(REPO / "pyproject.toml"),
        "--rootdir",
        str(REPO),
        "-p",
        "tests.conftest",
        "--strict-markers",
        f"--junit-xml={report}",
        str(tests),
    )
    assert report.exists(), done.stdout + done.stderr
    cases = list(ET.parse(report).getroot().iter("testcase"))
    outcomes = {case.attrib["name"]: next((c.tag for c in case), "passed") for case in cases}
    assert outcomes == {
        "test_fast_and_starts_a_process": "failure",
        "test_fast_and_starts_a_process_from_asyncio": "failure",
        "test_fast_and_starts_the_fake_bot_api": "failure",
        "test_fast_and_starts_nothing": "passed",
        "test_slow_and_starts_a_process": "passed",
    }
    messages = [failure.attrib["message"] for case in cases for failure in case.iter("failure")]
    assert all("is not marked slow" in message for message in messages), messages
