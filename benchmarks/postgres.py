"""A throwaway PostgreSQL 15 server for one benchmark run, on a unix socket in a temp folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 5432  # only names the socket file; nothing listens on TCP


def unavailable() -> str | None:
    """Why PostgreSQL cannot run here, or None when it can."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {PG_BIN}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Starts a fresh server and yields a DATABASE_URL for its database; removes it after."""
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            **quiet,
        )
        options = f"-k {sockets} -c listen_addresses='' -p {PORT} -c fsync=on"
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "start"]),
            check=True,
            **quiet,
        )
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    str(sockets),
                    "-p",
                    str(PORT),
                    "-U",
                    "postgres",
                    "bench",
                ]
            ),
            check=True,
            **quiet,
        )
        yield f"postgresql+psycopg://postgres@/bench?host={sockets}&port={PORT}"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            **quiet,
        )
        shutil.rmtree(folder, ignore_errors=True)
