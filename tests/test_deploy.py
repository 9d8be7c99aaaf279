"""Ready to deploy: JSON logs that keep secrets out, the Dockerfile, compose.yaml and the lock.

Fast on purpose: the files are read, not built; one `python -m bot migrate` runs, and only to
check that a wrong LOG_FORMAT is refused before anything starts.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.logs import QUIET_LIBRARIES, JsonFormatter, RedactingFormatter, configure_logging

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:AAHsecretTokenValue-xyz_0123456789"
WEBHOOK_SECRET = "webhook_Secret-42"
# Characters JSON escapes: scrubbing must happen before encoding, or this one slips through.
AWKWARD_SECRET = 'quote"back\\slash\tümlaut'
SECRETS = [TOKEN, WEBHOOK_SECRET, AWKWARD_SECRET]


# --- JSON logs ---------------------------------------------------------------------------------


def _logged_lines(
    formatter: logging.Formatter, emit: Callable[[logging.Logger], None]
) -> list[str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.deploy.json")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def _emit_with_secrets(logger: logging.Logger) -> None:
    logger.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning("two\nlines with %s and %s", WEBHOOK_SECRET, AWKWARD_SECRET)
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage ({AWKWARD_SECRET})")
    except RuntimeError:
        logger.exception("update failed, secret %s", WEBHOOK_SECRET)


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert TOKEN.split(":")[1] not in text  # not even the token's secret half


def test_json_lines_parse_with_the_expected_keys_and_no_secret() -> None:
    lines = _logged_lines(JsonFormatter(SECRETS), _emit_with_secrets)
    assert len(lines) == 3  # one object per line, even for a message with a newline in it
    entries = [json.loads(line) for line in lines]
    for line, entry in zip(lines, entries, strict=True):
        assert {"time", "level", "logger", "message"} <= entry.keys()
        assert entry["logger"] == "tests.deploy.json"
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", entry["time"])
        _assert_no_secret(line)
        _assert_no_secret(json.dumps(entry, ensure_ascii=False))
        _assert_no_secret("".join(str(value) for value in entry.values()))
    assert [entry["level"] for entry in entries] == ["INFO", "WARNING", "ERROR"]
    assert entries[0]["message"] == "calling https://api.telegram.org/bot[redacted]/getMe"
    assert entries[1]["message"] == "two\nlines with [redacted] and [redacted]"
    assert "exc_info" not in entries[0]
    traceback = entries[2]["exc_info"]
    assert traceback.startswith("Traceback (most recent call last):")
    assert "RuntimeError: failed at /bot[redacted]/sendMessage ([redacted])" in traceback
    assert entries[2]["message"] == "update failed, secret [redacted]"


def test_text_lines_stay_as_they_were_and_scrubbed() -> None:
    lines = _logged_lines(RedactingFormatter(SECRETS), _emit_with_secrets)
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO tests\.deploy\.json: ", lines[0])
    assert any(line.startswith("RuntimeError: failed at /bot[redacted]") for line in lines)
    _assert_no_secret("\n".join(lines))


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes the root logger; put it back for the tests after this one."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    library_levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, library_level in library_levels.items():
        logging.getLogger(name).setLevel(library_level)


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(("log_format", "formatter"), [("json", JsonFormatter), ("text", None)])
def test_configure_logging_picks_the_format(
    log_format: str, formatter: type[logging.Formatter] | None
) -> None:
    configure_logging("INFO", secrets=[TOKEN], log_format=log_format)  # type: ignore[arg-type]
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler.formatter, RedactingFormatter)
    assert isinstance(handler.formatter, JsonFormatter) == (formatter is JsonFormatter)
    assert handler.formatter.secrets == [TOKEN]


def test_a_wrong_log_format_is_one_friendly_line(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "PSEUDONYM_KEY")
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        LOG_FORMAT="wrong",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,  # no .env of the repository's
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    complaints = [line for line in done.stderr.splitlines() if "LOG_FORMAT" in line]
    assert len(complaints) == 1, done.stderr
    assert "text" in complaints[0] and "json" in complaints[0]
    assert not (tmp_path / "data").exists()  # refused before touching the database


# --- Dockerfile and compose.yaml ---------------------------------------------------------------


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(ROOT / "Dockerfile")
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    assert instructions[last_from][1].startswith("python:3.11-slim")
    return instructions[last_from:]


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for word, args in _final_stage() if word == "USER"]
    assert users, "the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_dockerfile_installs_from_the_constraints_and_serves_the_webhook() -> None:
    instructions = _instructions(ROOT / "Dockerfile")
    runs = [args for word, args in instructions if word == "RUN"]
    assert any(re.search(r"pip install (-r|-c) constraints\.txt", run) for run in runs)
    final: dict[str, str] = {}
    for word, args in _final_stage():
        final[word] = f"{final[word]}\n{args}" if word in final else args
    assert "/healthz" in final["HEALTHCHECK"] and "urllib" in final["HEALTHCHECK"]
    assert final["EXPOSE"] == "8080"
    assert json.loads(final["CMD"]) == ["python", "-m", "bot", "webhook"]
    assert "DATA_DIR=/data" in final["ENV"]
    assert "/data" in final["VOLUME"]
    assert "chmod 0700 /data" in final["RUN"]


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "data", ".env"} <= ignored


def test_compose_has_postgres_a_migration_and_webhook_workers() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    (database,) = [s for s in services.values() if str(s.get("image", "")).startswith("postgres")]
    assert database["image"] == "postgres:15"
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    volume = database["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]

    def runs(service: dict[str, Any], *command: str) -> bool:
        return service.get("command") == ["python", "-m", "bot", *command]

    (migrate,) = [s for s in services.values() if runs(s, "migrate")]
    workers = [s for s in services.values() if runs(s, "webhook")]
    replicas = sum(s.get("deploy", {}).get("replicas", 1) for s in workers)
    assert replicas >= 2
    for service in [migrate, *workers]:
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    for worker in workers:
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert worker["environment"]["TELEGRAM_BOT_TOKEN"].startswith("${TELEGRAM_BOT_TOKEN:?")
        assert worker["environment"]["WEBHOOK_URL"].startswith("${WEBHOOK_URL:?")


# --- the lock ----------------------------------------------------------------------------------


def _pins(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line)
            assert match, f"{name}: not an exact pin: {line}"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _pyproject() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("constraints.txt", lambda project: project["dependencies"]),
        (
            "constraints-test.txt",
            lambda p: p["dependencies"] + p["optional-dependencies"]["test"],
        ),
    ],
)
def test_every_dependency_is_pinned_within_its_range(
    lock: str, requirements: Callable[[dict[str, Any]], list[str]]
) -> None:
    pins = _pins(lock)
    for text in requirements(_pyproject()):
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in {lock}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {requirement.name}=={pins[name]}, outside {requirement.specifier}"
        )


def test_the_test_lock_agrees_with_the_runtime_lock() -> None:
    runtime, test = _pins("constraints.txt"), _pins("constraints-test.txt")
    assert {name: test.get(name) for name in runtime} == runtime
