"""The benchmark runs end to end with a tiny crowd and prints every table (figures unchecked),
the web channel's included."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.flow import WORKER_TOTAL
from tests.harness import REPO

TINY = [
    "--respondents",
    "3",
    "--delay-ms",
    "5",
    "--max-seconds",
    "60",
    "--think",
    "0.01",
    "0.03",
    "--open",
    "4",
    "--open-wave",
    "2",
    "--stored",
    "2",
    "60",
    "--stored-crowd",
    "3",
    "--restart-crowd",
    "3",
    "--kill-after",
    "0.4",
    "--hr-people",
    "300",
    "--web-addresses",
    "2",
]


def rows_of(output: str, header_start: str) -> list[list[str]]:
    """The rows of the table whose header line starts with `header_start`, split on 2+ spaces."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_benchmark_with_a_tiny_crowd_prints_every_table() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", *TINY],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout

    load = {row[0]: row for row in rows_of(out, "configuration")}
    assert "ours polling sqlite" in load and "reference (PTB example)" in load
    assert "paced: ours polling sqlite" in load, "respondents who read before they tap"
    for name, row in load.items():
        if "not run:" in row[-1]:
            continue
        assert row[1] == row[2] == "3", f"{name}: every respondent finishes the interview"
        assert "-" not in row[3:13], f"{name}: a figure is missing: {row}"
    assert re.search(r"x the reference rate", out)

    memory = rows_of(out, "run")
    names = [
        "open interviews",
        "open, 2 at a time",
        "open, after one finished (chart drawn)",
        "stored: few",
        "stored: many",
    ]
    assert [row[0] for row in memory] == names
    assert [row[1] for row in memory] == ["2", "2", "2", "2", "60"]
    assert [row[2] for row in memory] == ["4", "4", "4", "3", "3"], "everyone opened an interview"

    (restart,) = rows_of(out, "open at kill")
    assert restart[5] == f"{restart[0]}/{restart[0]}", "every open interview goes on"

    (hr,) = rows_of(out, "respondents")
    assert hr[0] == "300"

    (web,) = rows_of(out, "web server")
    assert web[1] == web[2] == "3", "every browser reaches the summary"
    assert web[3] == str(3 * (WORKER_TOTAL + 1)), "consent and every question, each once"
    assert int(web[6]) >= 2 * int(web[3]), "each answer: a post and the page it redirects to"
    assert web[-1] == "0", "no request failed"
