"""The benchmark: load on our bot and on the reference bot, then the other targets of issue 6,
and the web channel with the same crowd of people (`benchmarks/web.py`).

    .venv/bin/python -m benchmarks [--respondents 1000] [--delay-ms 50] [--max-seconds 60]

Every bot runs as its own process against a local Bot API server with a round-trip delay;
simulated respondents all start at once and tap the next answer as soon as it arrives (the
most a crowd can ask: the bot's capacity), and in the "paced" rows after reading it for a
random 2-4 s (`--think`), as people do, having opened the invitation within those first 4 s:
the latency a person feels at that rate.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import tempfile
import time
from pathlib import Path

from benchmarks import postgres, web
from benchmarks.load import REFERENCE_BOT, Config, LoadResult, run_load
from benchmarks.profile import summary
from benchmarks.table import render
from benchmarks.targets import hr_report_timing, memory_with_open_interviews, restart

PARTS = ["load", "memory", "restart", "hr", "web"]
WEB_TARGET = 300  # answers per second on this machine's 2 cores, SQLite, 1,000 people

LOAD_HEADERS = (
    "configuration",
    "resp",
    "done",
    "presses",
    "s",
    "presses/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "CPU ms/press med",
    "overall",
    "peak MB",
    "calls/press",
    "gen CPU ms/press",
    "note",
)


def configurations(think: tuple[float, float] = (2.0, 4.0)) -> list[Config]:
    """Our bot in each configuration this branch can run, the reference bot, the paced rows."""
    no_pg = postgres.unavailable()
    no_webhook = webhook_unavailable()
    both = no_pg or no_webhook
    return [
        Config("ours polling sqlite"),
        Config("ours polling postgres", database="postgres", not_run=no_pg),
        Config("ours webhook x1 sqlite", workers=1, not_run=no_webhook),
        Config("ours webhook x2 sqlite", workers=2, not_run=no_webhook),
        Config(
            "ours webhook x1 postgres", workers=1, database="postgres", not_run=no_pg or no_webhook
        ),
        Config(
            "ours webhook x2 postgres", workers=2, database="postgres", not_run=no_pg or no_webhook
        ),
        Config("reference (PTB example)", bot=list(REFERENCE_BOT)),
        Config("paced: ours polling sqlite", think=think),
        Config("paced: ours webhook x2 sqlite", workers=2, think=think, not_run=no_webhook),
        Config(
            "paced: ours webhook x2 postgres",
            workers=2,
            database="postgres",
            think=think,
            not_run=both,
        ),
    ]


def webhook_unavailable() -> str | None:
    """Why `python -m bot webhook` cannot run on this branch, or None when it can."""
    if importlib.util.find_spec("bot.telegram.webhook") is None:
        return "this branch has no `python -m bot webhook`"
    return None


def load_row(result: LoadResult) -> list[object]:
    if result.note.startswith("not run"):
        return [result.config, *["-"] * (len(LOAD_HEADERS) - 2), result.note]
    return [
        result.config,
        result.respondents,
        result.finished,
        result.presses,
        f"{result.seconds:.1f}",
        f"{result.rate:.1f}",
        result.p50,
        result.p95,
        result.p99,
        result.cpu_median_ms,
        result.cpu_overall_ms,
        result.peak_mb,
        result.calls_per_press,
        result.generator_ms,
        result.note,
    ]


async def run_loads(args: argparse.Namespace, work_dir: Path) -> None:
    print(
        f"Load: {args.respondents:,} respondents at once, {args.delay_ms:g} ms round trip, "
        f"at most {args.max_seconds:g} s per configuration",
        flush=True,
    )
    results = []
    profiles: dict[str, Path] = {}
    for config in configurations(tuple(args.think)):
        if args.only and not any(part in config.name for part in args.only):
            continue
        if args.profile and not config.not_run:
            args.profile.mkdir(parents=True, exist_ok=True)
            profiles[config.name] = args.profile / f"{config.name.replace(' ', '-')}.txt"
        results.append(
            await run_load(
                config,
                respondents=args.respondents,
                delay_ms=args.delay_ms,
                max_seconds=args.max_seconds,
                work_dir=work_dir,
                profile=profiles.get(config.name),
            )
        )
        outcome = "not run" if config.not_run else f"{results[-1].rate:.1f} presses/s"
        print(f"  {config.name}: {outcome}", flush=True)
    print()
    print(render(LOAD_HEADERS, [load_row(r) for r in results]))
    reference = next((r for r in results if r.config.startswith("reference")), None)
    if reference and reference.rate:
        print()
        for result in results:
            if result is not reference and result.rate and not result.config.startswith("paced"):
                ratio = result.rate / reference.rate
                print(f"{result.config}: {ratio:.1f}x the reference rate (target 20x)")
    print(flush=True)
    for name, raw in profiles.items():
        if raw.exists():
            print(f"Profile of {name} under load (py-spy, raw samples in {raw})")
            print(summary(raw))
            print(flush=True)


async def run_memory(args: argparse.Namespace, work_dir: Path) -> None:
    print("Memory (0 ms round trip; each person sent /start and consented)", flush=True)
    ours = configurations()[0]
    few, many = args.stored
    waves = [(f"open, {args.open_wave:,} at a time", args.open, few, args.open_wave, False)]
    runs = [
        ("open interviews", args.open, few, 0, False),
        *(waves if args.open_wave else []),
        ("open, after one finished (chart drawn)", args.open, few, 0, True),
        ("stored: few", args.stored_crowd, few, 0, False),
        ("stored: many", args.stored_crowd, many, 0, False),
    ]
    rows = []
    for what, crowd, stored, wave, finished_first in runs:
        result = await memory_with_open_interviews(
            ours,
            open_interviews=crowd,
            stored=stored,
            work_dir=work_dir,
            max_seconds=args.memory_seconds,
            what=what,
            wave=wave,
            finished_first=finished_first,
        )
        rows.append(
            [
                result.what,
                f"{result.stored:,}",
                f"{result.open_interviews:,}",
                f"{result.start_mb:.0f}",
                f"{result.peak_mb:.0f}",
                f"{result.seconds:.0f}",
                result.note,
            ]
        )
        print(f"  {what}: peak {result.peak_mb:.0f} MB", flush=True)
    print()
    headers = ("run", "stored finished", "open", "MB at start", "peak MB", "s", "note")
    print(render(headers, rows))
    print()
    print("target: under 150 MB with 10,000 open; peak not growing with stored respondents")
    print(flush=True)


async def run_restart(args: argparse.Namespace, work_dir: Path) -> None:
    print(
        f"Restart: kill -9 after {args.kill_after:g} s of load from {args.restart_crowd} people",
        flush=True,
    )
    result = await restart(
        configurations()[0],
        respondents=args.restart_crowd,
        delay_ms=args.delay_ms,
        run_before_kill=args.kill_after,
        work_dir=work_dir,
    )
    headers = (
        "open at kill",
        "to first poll s",
        "to first reply s",
        "presses lost",
        "pressed again",
        "resumed",
        "note",
    )
    row = [
        result.open_at_kill,
        f"{result.to_first_poll_s:.2f}",
        f"{result.to_first_reply_s:.2f}",
        result.lost,
        result.pressed_again,
        f"{result.resumed}/{result.checked}",
        result.note,
    ]
    print()
    print(render(headers, [row]))
    print()
    print("target: serving again within 5 s, every open interview resumable")
    print(
        "presses lost: fetched by the killed bot but never answered; a person presses again "
        "after 4 s of silence, at most 5 times"
    )
    print(flush=True)


def run_hr(args: argparse.Namespace, work_dir: Path) -> None:
    print("HR report (SQLite, synthetic finished respondents in teams of 3-15)", flush=True)
    rows = []
    for people in args.hr_people:
        result = hr_report_timing(people, work_dir)
        rows.append(
            [
                f"{result.respondents:,}",
                f"{result.generate_s:.1f}",
                f"{result.report_s:.2f}",
                f"{result.shown:,}",
                f"{result.hidden:,}",
            ]
        )
    print()
    headers = ("respondents", "generate s", "report s (best of 3)", "groups shown", "hidden")
    print(render(headers, rows))
    print()
    print("target: 10,000 within 0.5 s, 100,000 within 3 s")
    print(flush=True)


async def run_web(args: argparse.Namespace) -> None:
    print(
        f"Web: {args.respondents:,} browsers at once from {args.web_addresses} loopback "
        f"addresses, `python -m bot web` on SQLite, at most {args.web_max_seconds:g} s",
        flush=True,
    )
    row = await web.run(args.respondents, args.web_addresses, args.web_max_seconds)
    print()
    print(render(web.HEADERS, [row]))
    print()
    print(
        f"target: at least {WEB_TARGET} answers/s with 1,000 people at once; an answer is a "
        "POST and the GET its redirect leads to"
    )
    print(flush=True)


def machine() -> str:
    """The cores, how busy and how fast the machine is: figures mean little without it."""
    one, five, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, load average {one:.1f} (1 min), {five:.1f} (5 min), "
        f"a fixed Python loop {python_loop_ms():.0f} ms"
    )


def python_loop_ms() -> float:
    """CPU time of the same pure-Python work every run: the same host's speed varies by day."""
    started = time.process_time()
    sum(i * i for i in range(2_000_000))
    return (time.process_time() - started) * 1000


async def run(args: argparse.Namespace, work_dir: Path) -> None:
    print(f"Machine: {machine()}", flush=True)
    parts = set(args.parts)
    if "load" in parts:
        await run_loads(args, work_dir)
    if "memory" in parts:
        await run_memory(args, work_dir)
    if "restart" in parts:
        await run_restart(args, work_dir)
    if "hr" in parts:
        run_hr(args, work_dir)
    if "web" in parts:
        await run_web(args)
    print(f"Machine at the end: {machine()}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[2.0, 4.0],
        metavar=("MIN", "MAX"),
        help="seconds a respondent of the paced rows reads before tapping",
    )
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--open", type=int, default=10_000, help="interviews open at once")
    parser.add_argument(
        "--open-wave", type=int, default=500, help="also open them this many at a time (0: not)"
    )
    parser.add_argument(
        "--stored", type=int, nargs=2, default=[100, 100_000], help="few and many stored"
    )
    parser.add_argument("--stored-crowd", type=int, default=1000)
    parser.add_argument("--memory-seconds", type=float, default=400)
    parser.add_argument("--restart-crowd", type=int, default=100)
    parser.add_argument("--kill-after", type=float, default=5)
    parser.add_argument("--hr-people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--web-addresses", type=int, default=50, help="loopback addresses the browsers share"
    )
    parser.add_argument(
        "--web-max-seconds", type=float, default=300, help="at most this long for the web part"
    )
    parser.add_argument(
        "--profile", type=Path, help="sample each bot with py-spy; raw files in this folder"
    )
    parser.add_argument("--only", nargs="+", help="only configurations whose name has this")
    parser.add_argument("--keep", action="store_true", help="keep the data folders and logs")
    args = parser.parse_args()
    if args.keep:
        work_dir = Path(tempfile.mkdtemp(prefix="bench-"))
        print(f"data and logs in {work_dir}")
        asyncio.run(run(args, work_dir))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
