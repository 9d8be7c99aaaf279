"""Shared fixtures: the dialogue, a throwaway database, the conversation, a bot on a fake API.

Every test that touches a database runs twice: on SQLite and on PostgreSQL. The PostgreSQL
server is started once for the whole run; each test gets a fresh database of its own.

The markers (registered in pyproject.toml) are set here, at collection: `-m "not slow"` is the
fast subset for day-to-day work, and a guard fails any test of it that starts a process or a
server. A plain `pytest` still runs everything.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy.engine import Engine

from bot.service.conversation import Conversation
from dialogues.loader import Dialogue, default_dialogue
from storage.db import make_engine, sqlite_url
from tests.fakebotapi import FakeBotApi
from tests.flow import TEST_KEY
from tests.harness import bot_in_this_loop
from tests.pgserver import PostgresServer, remove_server, start_server

BACKENDS = ["sqlite", "postgresql"]
# Migrated once; each test's database is a file copy of it, which is much faster than migrating.
TEMPLATE_DATABASE = "migrated_template"
_database_numbers = itertools.count(1)

# Markers. The fixture rules cover most slow tests; the lists below name the rest.
# The real bot against the fake Bot API server: end to end, and slow.
BOT_FIXTURES = {"api", "running_bot"}
# Fixtures that start a server; the fast subset may not request them.
SERVER_FIXTURES = {"postgres", *BOT_FIXTURES}
# Measure speed or memory (in a process of their own).
PERF = {
    "test_benchmark.py::",
    "test_chart.py::test_charts_drawn_one_after_another_do_not_pile_up_in_memory",
}
# Drive the real bot without the `api` fixture: `async with FakeBotApi()`, a bot process, a browser.
E2E = {
    "test_fault_suite.py::",
    "test_webhook_workers.py::",
    "test_web_browser.py::",
    "test_hr_report.py::test_the_html_report_renders_in_chromium",
    "test_hr_chat.py::test_hr_gets_",
    "test_hr_chat.py::test_a_round_not_yet_closed_",
    "test_hr_chat.py::test_someone_without_hr_access_",
    "test_hr_chat.py::test_a_report_too_big_",
}
# Start a process by other means, or took over ~0.5 s in a full run (its --durations).
SLOW = {
    # A process: `python -m bot ...` or a fresh interpreter.
    "test_console.py::",
    "test_deploy.py::test_a_wrong_log_format_is_one_friendly_line",
    "test_hr_report.py::test_the_report_command_",
    "test_hr_report.py::test_the_charts_do_not_load_matplotlib",
    "test_migrations.py::test_the_migrate_command_",
    "test_migrations.py::test_workers_starting_at_once_",
    "test_migrations.py::test_a_start_on_a_database_already_at_the_newest_",
    # A server in this event loop: the web channel's uvicorn.
    "test_web_server.py::",
    # Over ~0.5 s: hypothesis, many people in a database.
    "test_properties.py::",
    "test_interview_machine.py::test_random_sessions_",
    "test_migrations.py::test_results_stored_before_the_tallies_",
    "test_teams.py::test_the_team_gets_its_place_on_the_path_",
    "test_teams.py::test_the_lead_sees_their_own_view_",
    "test_teams.py::test_the_picture_appears_only_at_the_minimum_",
    "test_concurrency.py::test_one_update_delivered_to_every_worker_",
    "test_dialogues.py::test_the_shipped_content_loads_and_starts_with_consent",
}
# Modules whose every database test took over ~0.5 s, on SQLite too.
SLOW_ON_A_DATABASE = {"test_hr_report.py::"}


def _has(item: pytest.Item, fragments: set[str]) -> bool:
    return any(fragment in item.nodeid for fragment in fragments)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        e2e = bool(fixtures & BOT_FIXTURES) or _has(item, E2E)
        perf = _has(item, PERF)
        if e2e:
            item.add_marker(pytest.mark.e2e)
        if perf:
            item.add_marker(pytest.mark.perf)
        on_a_database = callspec is not None and "backend" in callspec.params
        if (
            e2e
            or perf
            or on_postgres
            or fixtures & SERVER_FIXTURES
            or _has(item, SLOW)
            or (on_a_database and _has(item, SLOW_ON_A_DATABASE))
        ):
            item.add_marker(pytest.mark.slow)


def _refuse_in_a_fast_test(node: pytest.Item | Any, what: str) -> None:
    if node.get_closest_marker("slow") is None:
        pytest.fail(
            f"{node.nodeid} {what} but is not marked slow: add it to SLOW in tests/conftest.py",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _fast_tests_start_no_process_or_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keeps `-m "not slow"` fast: its tests may not start a process or a server."""
    if request.node.get_closest_marker("slow") is not None:
        return
    for fixture in sorted(SERVER_FIXTURES & set(request.fixturenames)):
        _refuse_in_a_fast_test(request.node, f"requests the server fixture {fixture!r}")

    def refusing(what: str) -> Callable[..., NoReturn]:
        def refuse(*args: object, **kwargs: object) -> NoReturn:
            _refuse_in_a_fast_test(request.node, what)
            raise AssertionError("unreachable")

        return refuse

    starts_a_process = refusing("starts a process")
    monkeypatch.setattr(subprocess.Popen, "__init__", starts_a_process)
    monkeypatch.setattr(asyncio, "create_subprocess_exec", starts_a_process)
    monkeypatch.setattr(asyncio, "create_subprocess_shell", starts_a_process)
    monkeypatch.setattr(FakeBotApi, "__aenter__", refusing("starts the fake Bot API server"))


@pytest.fixture
def dialogue() -> Dialogue:
    return default_dialogue()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run; missing binaries fail every PostgreSQL test."""
    server = start_server()
    try:
        make_engine(server.create_database(TEMPLATE_DATABASE)).dispose()
        yield server
    finally:
        remove_server(server)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _fresh_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    if backend == "sqlite":
        url = sqlite_url(tmp_path)
        if migrated:
            make_engine(url).dispose()
        yield url
        return
    _refuse_in_a_fast_test(request.node, "uses the PostgreSQL server")
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"test_{next(_database_numbers)}"
    yield server.create_database(name, template=TEMPLATE_DATABASE if migrated else None)
    server.drop_database(name)  # also ends connections the test's engines left open


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on this backend; the bot and the test both open it."""
    yield from _fresh_database(request, backend, tmp_path, migrated=True)


@pytest.fixture
def empty_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[str]:
    """A fresh database on this backend without a single table."""
    yield from _fresh_database(request, backend, tmp_path, migrated=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def conversation(engine: Engine, dialogue: Dialogue) -> Conversation:
    return Conversation(engine, dialogue, TEST_KEY)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def running_bot(api: FakeBotApi, tmp_path: Path, database_url: str) -> AsyncIterator[Path]:
    """The bot in this event loop, polling the fake server; yields its data folder."""
    async for data_dir in bot_in_this_loop(api, tmp_path, database_url=database_url):
        yield data_dir
