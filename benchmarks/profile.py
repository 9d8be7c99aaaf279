"""Samples the bot process with py-spy during a load run and sums where its time went."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

LINE_NUMBER = re.compile(r":\d+\)$")
OWN_CODE = re.compile(r"\((bot|storage|statemachine|placement|dialogues|reports)/")


@contextlib.asynccontextmanager
async def sampled(pid: int, out: Path | None) -> AsyncIterator[None]:
    """Runs `py-spy record` on the process while the block runs (nothing if out is None)."""
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if out is None or py_spy is None:
        yield
        return
    recorder = await asyncio.create_subprocess_exec(
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--rate",
        "100",
        "--format",
        "raw",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        await recorder.wait()


def summary(raw: Path, top: int = 15) -> str:
    """The functions with the most samples, on the stack (inclusive) and at its top (self)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = [LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        leaf[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
            if OWN_CODE.search(frame):
                own[frame] += samples
    if not total:
        return "no samples"
    lines = [f"{total} samples; share of the bot's busy time:", "  on the stack (our code):"]
    below_entry = [(f, n) for f, n in own.most_common() if n < total]  # not main() and such
    lines += [f"    {n * 100 / total:5.1f}%  {f}" for f, n in below_entry[:top]]
    lines.append("  on top of the stack (any code):")
    lines += [f"    {n * 100 / total:5.1f}%  {f}" for f, n in leaf.most_common(top)]
    return "\n".join(lines)
