"""The benchmark: load on our bot and on the reference bot, then the other targets of issue 6.

    .venv/bin/python -m benchmarks [--respondents 1000] [--delay-ms 50] [--max-seconds 60]

Every bot runs as its own process against a local Bot API server with a round-trip delay;
simulated respondents all start at once and tap the next answer as soon as it arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from benchmarks.load import REFERENCE_BOT, Config, LoadResult, run_load
from benchmarks.table import render

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
    "note",
)


def configurations() -> list[Config]:
    """Our bot in each configuration this branch can run, and the reference bot."""
    return [
        Config("ours polling sqlite"),
        Config("reference (PTB example)", bot=list(REFERENCE_BOT)),
    ]


def load_row(result: LoadResult) -> list[object]:
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
        result.note,
    ]


async def run(args: argparse.Namespace, work_dir: Path) -> None:
    print(
        f"Load: {args.respondents} respondents at once, {args.delay_ms:g} ms round trip, "
        f"at most {args.max_seconds:g} s per configuration",
        flush=True,
    )
    results = []
    for config in configurations():
        results.append(
            await run_load(
                config,
                respondents=args.respondents,
                delay_ms=args.delay_ms,
                max_seconds=args.max_seconds,
                work_dir=work_dir,
            )
        )
        print(f"  {config.name}: {results[-1].rate:.1f} presses/s", flush=True)
    print()
    print(render(LOAD_HEADERS, [load_row(r) for r in results]))
    reference = next((r for r in results if r.config.startswith("reference")), None)
    if reference and reference.rate:
        print()
        for result in results:
            if result is not reference and result.rate:
                print(f"{result.config}: {result.rate / reference.rate:.1f}x the reference rate")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--max-seconds", type=float, default=60)
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
