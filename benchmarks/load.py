"""One load run: a bot process, the local Bot API, and a crowd tapping through the interview."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.botapi import LeanBotApi
from benchmarks.postgres import throwaway_postgres
from benchmarks.process import BotGroup, BotProcess, free_port, start_bot
from benchmarks.profile import sampled
from benchmarks.respondents import Crowd
from benchmarks.stats import median_or_dash, percentile

OUR_BOT = ["bot", "telegram"]
OUR_WEBHOOK = ["bot", "webhook"]
WEBHOOK_SECRET = "bench-secret_0123456789"
REFERENCE_BOT = ["benchmarks.reference_bot"]
SAMPLE_EVERY = 0.5  # seconds between looks at the bot's CPU time
# A CPU sample closes once this many presses were answered: /proc counts in 10 ms ticks.
MIN_SAMPLE_PRESSES = 20


@dataclass
class Config:
    """What runs: which bot, on which database, how updates reach it."""

    name: str
    bot: list[str] = field(default_factory=lambda: list(OUR_BOT))
    env: dict[str, str] = field(default_factory=dict)
    database: str = "sqlite"  # or "postgres": a throwaway server for this run
    workers: int = 0  # webhook worker processes; 0: one process polling
    think: tuple[float, float] | None = None  # respondents read this long (s) before tapping
    not_run: str | None = None  # the reason, when this configuration cannot run here


@dataclass
class LoadResult:
    config: str
    respondents: int
    finished: int = 0
    presses: int = 0
    seconds: float = 0.0
    p50: str = "-"
    p95: str = "-"
    p99: str = "-"
    cpu_median_ms: str = "-"
    cpu_overall_ms: str = "-"
    peak_mb: str = "-"
    calls_per_press: str = "-"
    generator_ms: str = "-"
    note: str = ""

    @property
    def rate(self) -> float:
        return self.presses / self.seconds if self.seconds else 0.0


class BotDied(RuntimeError):
    pass


async def wait_until_polling(api: LeanBotApi, bot: BotProcess, log: Path, timeout: float) -> None:
    """Waits for the bot's first getUpdates; raises with the log's tail if it dies first."""
    waiter = asyncio.ensure_future(api.first_poll.wait())
    exited = asyncio.ensure_future(bot.process.wait())
    done, _ = await asyncio.wait({waiter, exited}, timeout=timeout, return_when="FIRST_COMPLETED")
    waiter.cancel()
    exited.cancel()
    if waiter not in done:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise BotDied(f"bot did not start polling:\n{tail}")


async def wait_until_serving(api: LeanBotApi, bot: BotProcess, log: Path, webhooks: int) -> None:
    """Polling: waits for the first getUpdates. Webhook: waits until `webhooks` were set."""
    if not webhooks:
        await wait_until_polling(api, bot, log, timeout=60)
        return
    deadline = time.monotonic() + 60
    while api.webhooks_set < webhooks:
        if bot.process.returncode is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise BotDied(f"webhook worker did not start:\n{tail}")
        await asyncio.sleep(0.05)


async def start_group(
    config: Config, api: LeanBotApi, data_dir: Path, env: dict[str, str]
) -> BotGroup:
    """Starts the bot's processes one after another, each once the one before serves."""
    if not config.workers:
        bot = await start_bot(config.bot, api.base_url, data_dir, data_dir / "bot.log", **env)
        await wait_until_serving(api, bot, data_dir / "bot.log", 0)
        return BotGroup([bot])
    ports = [free_port() for _ in range(config.workers)]
    api.deliver_to([f"http://127.0.0.1:{p}/telegram" for p in ports], WEBHOOK_SECRET)
    members = []
    for n, port in enumerate(ports, start=1):
        worker_env = {
            **env,
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "PORT": str(port),
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        log = data_dir / f"worker{n}.log"
        bot = await start_bot(OUR_WEBHOOK, api.base_url, data_dir, log, **worker_env)
        members.append(bot)
        await wait_until_serving(api, bot, log, n)
    return BotGroup(members)


async def run_load(
    config: Config,
    *,
    respondents: int,
    delay_ms: float,
    max_seconds: float,
    work_dir: Path,
    stop_after_taps: int | None = None,
    profile: Path | None = None,
) -> LoadResult:
    """Runs the crowd against a fresh bot process until all finished or time is up."""
    result = LoadResult(config.name, respondents)
    if config.not_run:
        result.note = f"not run: {config.not_run}"
        return result
    data_dir = work_dir / config.name.replace(" ", "-").replace("/", "-")
    data_dir.mkdir(parents=True, exist_ok=True)
    with database_for(config) as database_env:
        async with LeanBotApi(delay_ms) as api:
            crowd = Crowd(api, respondents, stop_after_taps=stop_after_taps, think=config.think)
            bots = await start_group(config, api, data_dir, {**config.env, **database_env})
            try:
                await asyncio.sleep(1.0)  # start-up calls (command menu, first tidy) are not load
                api.reset_counts()
                async with sampled(bots.pid, profile):
                    await drive(crowd, bots, result, max_seconds)
                outbound = sum(api.calls.values()) - api.calls["getupdates"]
                outbound -= api.calls["webhook_post"]
                if result.presses:
                    result.calls_per_press = f"{outbound / result.presses:.2f}"
                result.peak_mb = f"{bots.peak_mb():.0f}"
            finally:
                await bots.stop()
    return result


@contextlib.contextmanager
def database_for(config: Config) -> Iterator[dict[str, str]]:
    """The environment that points the bot at its database: SQLite in its data folder or PG."""
    if config.database == "postgres":
        with throwaway_postgres() as url:
            yield {"DATABASE_URL": url}
    else:
        yield {}


async def drive(crowd: Crowd, bot: BotGroup, result: LoadResult, max_seconds: float) -> None:
    """Starts the crowd and samples the bot's CPU until everyone settled or time is up."""
    cpu_start, own_start = bot.cpu(), time.process_time()
    crowd.start()
    samples: list[float] = []
    last_cpu, last_seen = cpu_start, 0
    deadline = crowd.started_at + max_seconds
    while time.monotonic() < deadline and not crowd.all_settled:
        await asyncio.sleep(SAMPLE_EVERY)
        if bot.exited is not None:
            raise BotDied(f"bot exited with {bot.exited} under load")
        cpu, seen = bot.cpu(), crowd.replies_seen
        if seen - last_seen >= MIN_SAMPLE_PRESSES:
            samples.append((cpu - last_cpu) * 1000 / (seen - last_seen))
            last_cpu, last_seen = cpu, seen
    now = time.monotonic()
    cpu_total = bot.cpu() - cpu_start
    result.presses = crowd.replies_seen
    result.finished = crowd.finished
    cut_off = not crowd.all_settled
    result.seconds = (now if cut_off else crowd.last_reply_at) - crowd.started_at
    if cut_off:
        result.note = f"stopped after {max_seconds:.0f} s"
    waiting = crowd.waiting_times(now) if cut_off else []
    result.p50 = percentile(crowd.latencies, waiting, 0.50)
    result.p95 = percentile(crowd.latencies, waiting, 0.95)
    result.p99 = percentile(crowd.latencies, waiting, 0.99)
    result.cpu_median_ms = median_or_dash(samples)
    if result.presses:
        result.cpu_overall_ms = f"{cpu_total * 1000 / result.presses:.2f}"
        result.generator_ms = f"{(time.process_time() - own_start) * 1000 / result.presses:.2f}"
