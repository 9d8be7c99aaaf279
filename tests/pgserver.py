"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, a unix socket only."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

SERVER_USER = "postgres"
# A zone other than UTC: a timestamp that depends on the server's zone shows up as a failure.
SERVER_TIMEZONE = "Europe/Amsterdam"


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries are not installed; the PostgreSQL tests cannot run."""


def postgres_bin_dir() -> Path:
    """The folder with initdb and pg_ctl: PG_BIN, else Debian's newest, else the PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    candidates.append(str(Path(found).parent) if found else "")
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise PostgresMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql "
        "(Debian: apt-get install postgresql) or set PG_BIN"
    )


@dataclass
class PostgresServer:
    """A running server; `url(name)` is the SQLAlchemy URL of one of its databases."""

    root: Path
    bin_dir: Path
    as_user: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SERVER_USER}@/{database}?host={self.socket_dir}"

    def admin(self, sql: str) -> None:
        """Runs one statement outside a transaction (CREATE and DROP DATABASE need that)."""
        with psycopg.connect(host=str(self.socket_dir), user=SERVER_USER, dbname="postgres") as db:
            db.autocommit = True
            db.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its URL."""
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.admin(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.as_user:  # the server refuses to run as root
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "--auth=trust", "-E", "UTF8"
        )
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c fsync=off",  # a throwaway server: durability is not what is tested here
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                f"-c timezone={SERVER_TIMEZONE}",
            ]
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")


def start_server() -> PostgresServer:
    """Starts a fresh server in a new temp folder, owned by `postgres` when we are root."""
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="leercultuurscan-pg-"))
    as_user = None
    if os.geteuid() == 0:
        as_user = SERVER_USER
        user = pwd.getpwnam(SERVER_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
    root.chmod(0o755)  # the tests, as another user, reach the socket
    server = PostgresServer(root, bin_dir, as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {error.stderr}") from error
    return server


def remove_server(server: PostgresServer) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
