"""`python -m bot console` as a real process, with typed input, from first question to summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from storage.db import DATABASE_FILE, make_engine
from storage.models import Answer, Result
from tests.flow import BEFORE_ROLE, asked

REPO = Path(__file__).resolve().parent.parent
WORKER_QUESTIONS = asked({"toestemming": "ja", "rol": "medewerker"})


def run_console(
    data_dir: Path, typed: list[str], *args: str, database_url: str | None = None
) -> str:
    """Runs the console; on the SQLite file in `data_dir` unless a database URL is given."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_console_runs_the_whole_scan_to_a_summary(tmp_path: Path, database_url: str) -> None:
    # consent and role: the first option; leervoorkeur: the second; every scale: the fourth
    typed = ["1", "1"] + ["2" if q.id == "leervoorkeur" else "4" for q in WORKER_QUESTIONS[2:]]
    out = run_console(tmp_path, typed, "console", database_url=database_url)
    assert "Doe je mee?" in out
    assert f"Vraag 1 van {BEFORE_ROLE}" in out
    assert "Klaar! Dit is jouw uitslag." in out
    assert "Meer uitleg" in out  # the model part is one tap away (Telegram); here: its button
    assert "Drie tips voor jou:" in out
    with Session(make_engine(database_url)) as session:
        assert len(session.exec(select(Answer)).all()) == len(WORKER_QUESTIONS)
        assert session.exec(select(Result)).one().preference == "participeren"


def test_console_without_a_command_and_token_runs_the_console(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["2"])
    assert "Doe je mee?" in out
    assert "Er zijn geen antwoorden van je bewaard" in out
    assert (tmp_path / DATABASE_FILE).exists()  # no DATABASE_URL: SQLite in DATA_DIR


def test_console_stops_and_continues_where_it_was(tmp_path: Path, database_url: str) -> None:
    first = run_console(tmp_path, ["1", "3", "5", "5"], "console", database_url=database_url)
    assert "Vraag 3 van" in first
    assert first.rstrip().endswith("Tot later! Je antwoorden zijn bewaard.")
    second = run_console(tmp_path, ["t", "p", "1", "q"], "console", database_url=database_url)
    assert "Welkom terug!" in second
    assert "Vraag 4 van" in second and "Vraag 3 van" in second
    assert "Gepauzeerd" in second
    with Session(make_engine(database_url)) as session:
        answers = {a.question_id: a.value for a in session.exec(select(Answer))}
    assert answers["rol"] == "hr" and answers["er_weten_1"] == "klopt_helemaal"


def test_console_explains_input_it_does_not_understand(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["hallo", "99", "", "1", "q"], "console")
    assert out.count("Dat is geen keuze.") == 3
    assert "Wat is jouw rol in het werk?" in out


def test_a_wrong_setting_is_named_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TIME_ZONE": "Mars/Base", "MIN_GROUP_SIZE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "TIME_ZONE: Value error, unknown time zone 'Mars/Base'" in done.stderr
    assert "MIN_GROUP_SIZE: Input should be greater than or equal to 3" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was started
