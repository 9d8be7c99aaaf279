"""`python -m bot console` as a real process, with typed input, from first question to summary."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.console import Console
from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, answer_data, message
from dialogues.loader import Dialogue, default_dialogue
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
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TIME_ZONE": "Mars/Base",
        "MIN_GROUP_SIZE": "1",
        "PUBLIC_URL": "scan.example.org",
    }
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
    assert "PUBLIC_URL: Value error, 'scan.example.org' is no web address" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was started


PROMPT = re.compile(r"\n> [^\n]*?\): ")
NUMBERED_FROM_ONE = re.compile(r"^  1\. ", re.MULTILINE)
SLASH_COMMAND = re.compile(r"(?<![\w.])/[a-z]")
TELEGRAM_WORDS = {"nl": re.compile(r"\b[Tt]ik"), "en": re.compile(r"\b[Tt]ap")}
# Every letter the console offers, walked in turn: t, g (and "Nee, bewaar"), p, s, o (no,
# then yes), l, and after a deletion and a decline s again; q at the end.
WALK = [
    "1", "1", "4",  # consent, role, the first statement: at question 3
    "t", "4",  # back to question 2 and on again
    "g", "1", "2",  # my data, delete?, no: the question comes back
    "p", "s",  # pause, then start: welcome back and the same question
    "o", "2",  # start over?, no: the same question
    "o", "1",  # start over?, yes: the role question, answers wiped
    "g", "1", "1",  # my data, delete, yes: everything gone
    "1",  # no list on the screen: not a choice
    "s", "2",  # a new start, and this time no
    "s", "1",  # and yes after all
    "q",
]  # fmt: skip


def screens(out: str) -> list[str]:
    """The output between two prompts: what the person sees after each thing they typed."""
    return PROMPT.split(out)


def assert_speaks_console(out: str, language: str) -> None:
    assert not SLASH_COMMAND.findall(out), SLASH_COMMAND.findall(out)
    assert not TELEGRAM_WORDS[language].findall(out)
    for screen in screens(out):
        assert len(NUMBERED_FROM_ONE.findall(screen)) <= 1, screen


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_letter_of_the_console_leads_somewhere(tmp_path: Path, language: str) -> None:
    words = default_dialogue().locale(language).messages
    typed = (["l", "2"] if language == "en" else []) + WALK
    out = run_console(tmp_path, typed, "console")
    assert_speaks_console(out, language)
    shown = screens(out)[(2 if language == "en" else 0) :]
    question = {"nl": "Vraag {n} van", "en": "Question {n} of"}[language]
    assert question.format(n=3) in shown[3]
    assert question.format(n=2) in shown[4]  # t: back
    assert words["forget_confirm"] in shown[7]
    assert words["kept"] in shown[8] and question.format(n=3) in shown[8]  # no dead end
    assert words["resume_button"] in shown[9]  # p
    assert words["console_welcome_back"] in shown[10] and question.format(n=3) in shown[10]
    assert f"  o. {words['start_over_button']}" in shown[10]  # a letter, not a second list
    assert words["restart_confirm"] in shown[11]
    assert words["not_restarted"] in shown[12] and question.format(n=3) in shown[12]
    assert words["restarted"] in shown[14] and question.format(n=1) in shown[14]
    assert words["console_forgotten"] in shown[17]
    assert words["console_invalid"] in shown[18]
    # Deleting everything deleted the language choice too: the console's own language again.
    dutch = default_dialogue().locale("nl").messages
    assert dutch["console_declined"] in shown[20]
    assert "Vraag 1 van" in shown[22]
    assert out.rstrip().endswith(dutch["console_bye"])


def test_the_language_letter_switches_and_switches_back(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["1", "l", "2", "l", "1", "q"], "console")
    assert_speaks_console(out, "nl")
    shown = screens(out)
    assert "Which language" in shown[2]
    assert "What is your role at work?" in shown[3]
    assert "Wat is jouw rol in het werk?" in shown[5]


def test_after_the_summary_the_console_offers_another_scan(tmp_path: Path) -> None:
    typed = ["1", "1"] + ["2" if q.id == "leervoorkeur" else "4" for q in WORKER_QUESTIONS[2:]]
    out = run_console(tmp_path, [*typed, "1", "s", "o", "1", "q"], "console")
    assert_speaks_console(out, "nl")
    shown = screens(out)
    assert "Klaar! Dit is jouw uitslag." in shown[len(typed)]
    more = shown[len(typed) + 1]  # 1: 'Meer uitleg', the model part and the thanks
    assert "📖 Meer uitleg bij je uitslag" in more
    assert "Typ dan o." in more  # not "Stuur /opnieuw"
    assert "Je hebt de scan al afgerond" in shown[-4]  # s: the summary again
    assert "Wil je opnieuw beginnen?" in shown[-3]
    assert f"Vraag 1 van {BEFORE_ROLE}" in shown[-2]  # a fresh scan


def test_buttons_above_the_list_get_letters_not_a_second_list(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    screen = io.StringIO()
    console = Console(conversation, Renderer(dialogue), io.StringIO(), screen)
    consent = dialogue.questions[0]
    yes = next(o.value for o in consent.options if not o.ends_interview)
    conversation.start(console.person)
    question = conversation.press(console.person, answer_data(consent.id, yes)).replies[-1]
    console.show(Outcome(replies=[message("forget_offer", "forget"), question]))
    shown = screen.getvalue()
    assert len(NUMBERED_FROM_ONE.findall(shown)) == 1
    assert "  a. 🗑️ Wis mijn gegevens" in shown
    pressed = console.handle("a")
    assert pressed is not None and pressed.replies[0].data["key"] == "forget_confirm"
