"""Running the real bot against the local Bot API server, in this process or as a process."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.settings import Settings
from bot.telegram.application import build_application, set_up
from bot.telegram.context import App
from bot.telegram.webhook import serve
from storage.db import make_engine
from storage.models import Answer
from tests.fakebotapi import FakeBotApi, FakeUser

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token_for-the-fake-api"


async def polling_application(
    api: FakeBotApi, data_dir: Path, **settings_overrides: Any
) -> AsyncIterator[App]:
    """Runs the bot in this event loop, polling the fake server like it would poll Telegram.

    Hands out the application, so a test can run a timed job now instead of waiting for it.
    """
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        data_dir=data_dir,
        **settings_overrides,
    )
    application = build_application(settings)
    async with application:
        await set_up(application)  # as run_polling's post_init: the command menu, the jobs
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


async def bot_in_this_loop(
    api: FakeBotApi, data_dir: Path, **settings_overrides: Any
) -> AsyncIterator[Path]:
    """Runs the bot in this event loop (polling_application), handing out its data folder."""
    async for _ in polling_application(api, data_dir, **settings_overrides):
        yield data_dir


async def start_bot_process(
    api: FakeBotApi,
    data_dir: Path,
    *,
    log: Path | None = None,
    command: str = "telegram",
    **extra_env: str,
) -> asyncio.subprocess.Process:
    """Starts `python -m bot <command>` as its own process, logging to `log` or `bot_log(data_dir)`.

    A file, not a pipe: a pipe nobody reads fills up and stalls a talkative bot.
    """
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_BASE_FILE_URL": api.base_file_url,
        "DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
        **extra_env,
    }
    with (log or bot_log(data_dir)).open("ab") as log_file:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            env=env,
            cwd=data_dir,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )


async def bot_by_webhook_in_this_loop(
    api: FakeBotApi, data_dir: Path, **settings_overrides: Any
) -> AsyncIterator[Path]:
    """Runs the bot as a webhook worker in this event loop; the fake server posts to it."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    settings = Settings(
        telegram_bot_token=SecretStr(TOKEN),
        telegram_base_url=api.base_url,
        telegram_base_file_url=api.base_file_url,
        data_dir=data_dir,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        port=port,
        **settings_overrides,
    )
    application = build_application(settings)
    serving = asyncio.create_task(serve(application, settings, sockets=[listening]))
    await api.wait_for_webhook()
    yield data_dir
    server = application.bot_data.webhook_server
    assert server is not None
    server.should_exit = True
    await serving


async def start_webhook_worker(
    api: FakeBotApi, data_dir: Path, log: Path, **extra_env: str
) -> tuple[asyncio.subprocess.Process, str]:
    """Starts `python -m bot webhook` on a free port; returns it with the URL it serves."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram"
    process = await start_bot_process(
        api,
        data_dir,
        log=log,
        command="webhook",
        PORT=str(port),
        WEBHOOK_URL=url,
        WEBHOOK_LISTEN="127.0.0.1",
        **extra_env,
    )
    return process, url


async def wait_until_serving(url: str, timeout: float = 30) -> None:
    """Waits until a webhook worker answers its health check."""
    health = url.rsplit("/", 1)[0] + "/healthz"
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as client:
        while True:
            try:
                async with client.get(health) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no webhook worker at {url}")
            await asyncio.sleep(0.1)


def stored_answers(database_url: str) -> list[tuple[str, str]]:
    """Every stored answer as (question, value); an answer stored twice shows twice."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        answers = [(a.question_id, a.value) for a in session.exec(select(Answer))]
    engine.dispose()
    return answers


def everything_stored(database_url: str) -> bytes:
    """All a database holds: SQLite's files as they are, or every PostgreSQL row as text."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [
            row
            for table in inspect(connection).get_table_names()
            for row in connection.execute(text(f'SELECT CAST(t AS text) FROM "{table}" AS t'))
        ]
    engine.dispose()
    return "\n".join(row[0] for row in rows).encode()


def bot_log(data_dir: Path) -> Path:
    return data_dir / "bot.log"


async def tap_and_settle(api: FakeBotApi, user: FakeUser, label: str) -> None:
    await user.tap(label)
    await api.settle()


def shows_summary(user: FakeUser) -> bool:
    """The last message is a summary: its one button asks for 'Meer uitleg', not an answer."""
    rows = user.last.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("callback_data") == "nav:more" for row in rows for b in row)


async def answer_all(api: FakeBotApi, user: FakeUser, pick: int) -> int:
    """Taps the option at index `pick` (clamped, never 'Terug') while the last message asks."""
    taps = 0
    while user.last.get("reply_markup") and not shows_summary(user):
        labels = [b for b in user.buttons() if not b.startswith("⬅️")]
        await tap_and_settle(api, user, labels[min(pick, len(labels) - 2)])
        taps += 1
    return taps


async def start_and_consent(api: FakeBotApi, user: FakeUser) -> None:
    """Sends /start and says yes: the person is at the first counted question (the role)."""
    await user.send("/start")
    await api.settle()
    await tap_and_settle(api, user, "✅ Ja")


def debian_command(command: str, package: str) -> str | None:
    """The path of `command`; installed from Debian's `package` first when it is missing and
    this machine allows it (root with apt-get), as CI's clean machine needs."""
    found = shutil.which(command)
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        install = ["apt-get", "install", "-y", "-q", package]
        if subprocess.run(install, capture_output=True, timeout=600).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
            subprocess.run(install, capture_output=True, timeout=600)
        found = shutil.which(command)
    return found
