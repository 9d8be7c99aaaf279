"""The web channel under load: `python -m bot web` on SQLite, a crowd of browsers at once.

    .venv/bin/python -m benchmarks.web [--people 1000] [--addresses 50] [--max-seconds 300]

`python -m benchmarks` runs it too, as its `web` part. The server runs as its own process,
as deployed (one uvicorn worker). Every simulated person opens the landing page, begins, and
answers each question the moment its page arrives (the most a crowd can ask: the server's
capacity), from one of `--addresses` loopback addresses (127.0.0.x: a workplace is many
people behind few addresses). An answer is a form post answered with a redirect (303) that
the browser follows with a GET of the next page, as a browser does: two requests per answer.
Each person keeps their own session cookie and fetches the summary's chart; told to slow
down (429), they wait a second and press again. Printed: answers and requests per second,
the latency of an answer (POST until the next page has arrived), the server's CPU per answer
and its peak memory. Only this machine's loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.process import REPO, cpu_seconds, memory_mb
from benchmarks.table import render

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ANSWER = re.compile(r'<button name="data" value="(a:[^"]+)"')
COOKIE = "scan_session"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    finished: int = 0
    refused: int = 0
    failed: int = 0
    first: float = 0.0
    last: float = 0.0
    statuses: list[int] = field(default_factory=list)  # of failed requests
    resent: int = 0
    requests: int = 0  # every HTTP request, each followed redirect counted as one more
    started: float = 0.0  # of the first request
    ended: float = 0.0  # the last response


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_server(data_dir: Path, port: int) -> asyncio.subprocess.Process:
    env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "PYTHONPATH": str(REPO)}
    env["WEBHOOK_LISTEN"] = "127.0.0.1"
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DATABASE_URL", None)
    log = (data_dir / "web.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "web", env=env, stdout=log, stderr=log
    )
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            await asyncio.sleep(0.1)
    process.kill()
    raise SystemExit(f"the web server did not start: see {data_dir / 'web.log'}")


async def person(http: aiohttp.ClientSession, base: str, tally: Tally, deadline: float) -> None:
    """One browser: the landing page, Begin, then every question answered at once."""
    tally.started = tally.started or time.monotonic()
    tally.requests += 1
    async with http.get(f"{base}/") as response:
        page = await response.text()
        given = response.cookies.get(COOKIE)
        if response.status != 200 or given is None:
            tally.failed += 1
            tally.statuses.append(response.status)
            return
        cookie = given.value
    headers = {"cookie": f"{COOKIE}={cookie}"}
    data = "web:start"
    while time.monotonic() < deadline:
        csrf = CSRF.search(page)
        assert csrf is not None
        started = time.monotonic()
        form = {"csrf": csrf[1], "data": data}
        try:
            # The redirect is followed with a GET carrying the same cookie header.
            async with http.post(f"{base}/knop", data=form, headers=headers) as response:
                body = await response.text()
                status = response.status
                tally.requests += 1 + len(response.history)
                tally.ended = time.monotonic()
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
            # A kept-alive connection the server closed meanwhile: a browser sends it again.
            tally.resent += 1
            continue
        if status == 429:  # "wait a moment": a person would, and then press again
            tally.refused += 1
            await asyncio.sleep(1.0)
            continue
        if status != 200:
            tally.failed += 1
            tally.statuses.append(status)
            return
        page = body
        if data.startswith("a:"):
            now = time.monotonic()
            tally.latencies.append(now - started)
            tally.first = tally.first or started
            tally.last = now
        answers = ANSWER.findall(page)
        if not answers:  # the summary: the browser fetches its chart
            async with http.get(f"{base}/uitslag.png", headers=headers) as response:
                await response.read()
                tally.requests += 1
                tally.ended = time.monotonic()
                if response.status != 200:
                    tally.failed += 1
                    tally.statuses.append(response.status)
                    return
            tally.finished += 1
            return
        data = next((a for a in answers if a == "a:rol:medewerker"), answers[0])


def percentile(values: list[float], fraction: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000:.0f}"


HEADERS = (
    "web server",
    "people",
    "done",
    "answers",
    "s",
    "answers/s",
    "requests",
    "requests/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "server CPU ms/answer",
    "peak MB",
    "slowed (429)",
    "resent",
    "failed",
)


async def run(people: int, addresses: int, max_seconds: float) -> list[object]:
    with tempfile.TemporaryDirectory(prefix="web-bench-") as folder:
        port = free_port()
        server = await start_server(Path(folder), port)
        base = f"http://127.0.0.1:{port}"
        tally = Tally()
        sessions = [
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=4, local_addr=(f"127.0.0.{n + 2}", 0)),
                cookie_jar=aiohttp.DummyCookieJar(),  # each person sends their own cookie
            )
            for n in range(addresses)
        ]
        try:
            cpu_before = cpu_seconds(server.pid)
            deadline = time.monotonic() + max_seconds
            await asyncio.gather(
                *(person(sessions[n % addresses], base, tally, deadline) for n in range(people))
            )
            cpu = cpu_seconds(server.pid) - cpu_before
            peak = memory_mb(server.pid, "VmHWM")
        finally:
            for http in sessions:
                await http.close()
            server.terminate()
            await server.wait()
    answers = len(tally.latencies)
    seconds = max(tally.last - tally.first, 1e-9)
    whole_run = max(tally.ended - tally.started, 1e-9)  # the landing pages and charts too
    return [
        f"python -m bot web, sqlite x1, {addresses} addresses",
        people,
        tally.finished,
        answers,
        f"{seconds:.1f}",
        f"{answers / seconds:.0f}",
        tally.requests,
        f"{tally.requests / whole_run:.0f}",
        percentile(tally.latencies, 0.5),
        percentile(tally.latencies, 0.95),
        percentile(tally.latencies, 0.99),
        f"{cpu * 1000 / max(answers, 1):.2f}",
        f"{peak:.0f}",
        tally.refused,
        tally.resent,
        f"{tally.failed} {sorted(set(tally.statuses))}" if tally.failed else 0,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args(argv)
    row = asyncio.run(run(args.people, args.addresses, args.max_seconds))
    print(render(HEADERS, [row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
