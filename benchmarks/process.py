"""A bot as its own process, with its whole-process CPU time and memory read from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token_for-the-local-api"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of the process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


@dataclass
class BotProcess:
    """A running bot: our `python -m bot telegram` or the reference bot."""

    process: asyncio.subprocess.Process

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        return memory_mb(self.pid, "VmRSS")

    def peak_mb(self) -> float:
        return memory_mb(self.pid, "VmHWM")

    async def kill(self) -> None:
        """Kills it at once, the way a crashed machine stops."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """Asks it to stop, and kills it if it does not within 20 s."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            await self.kill()


async def start_bot(
    module_args: list[str], base_url: str, data_dir: Path, log: Path, **extra_env: str
) -> BotProcess:
    """Starts `python -m <module_args>` against the local Bot API, logging to a file."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "TELEGRAM_BASE_FILE_URL": base_url.replace("/bot", "/file/bot"),
        "DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
        **extra_env,
    }
    with log.open("ab") as log_file:  # a file, not a pipe: a full pipe stalls the bot
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *module_args,
            env=env,
            cwd=data_dir,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
    return BotProcess(process)


@dataclass
class BotGroup:
    """One bot served by one or more processes (webhook workers behind a load balancer)."""

    members: list[BotProcess]

    @property
    def pid(self) -> int:
        return self.members[0].pid

    def cpu(self) -> float:
        return sum(member.cpu() for member in self.members)

    def rss_mb(self) -> float:
        return sum(member.rss_mb() for member in self.members)

    def peak_mb(self) -> float:
        """The largest peak of any one process: each must fit on its machine."""
        return max(member.peak_mb() for member in self.members)

    @property
    def exited(self) -> int | None:
        codes = [m.process.returncode for m in self.members if m.process.returncode is not None]
        return codes[0] if codes else None

    async def kill(self) -> None:
        for member in self.members:
            await member.kill()

    async def stop(self) -> None:
        await asyncio.gather(*(member.stop() for member in self.members))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
