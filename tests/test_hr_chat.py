"""HR gets the organisation's report as files in the chat, and nobody else gets any."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bot.service import hr
from bot.service.conversation import Conversation
from bot.service.hr import report_filename
from bot.service.outcome import Person
from storage.models import utcnow
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.harness import bot_in_this_loop, tap_and_settle
from tests.test_hr_report import (
    close_organisation_round,
    lead_in,
    organisation,  # noqa: F401 (a fixture)
    people,
)
from tests.test_teams import finish

REPORT_BUTTON = "📄 Rapport als bestand"
OTHER_LEAD = Person("telegram", "48319998", "nl")


def documents(user: FakeUser) -> list[dict[str, Any]]:
    return [m for m in user.messages if "document" in m]


def cells(content: bytes) -> set[str]:
    """Every filled cell of every sheet, as text."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }


def other_organisation(conversation: Conversation, engine: Engine) -> None:
    """'Anders', with its own team 'Keuken' of five people and a closed round."""
    teams = lead_in(conversation, "Anders", lead=OTHER_LEAD)
    code = teams.team(OTHER_LEAD, "Keuken").replies[0].data["team"].code
    for n, person in enumerate(people(7, 5)):
        conversation.start(person, code)
        finish(conversation, person, option_index=n % 4 + 1)
    close_organisation_round(engine, "Anders")


async def hr_link(api: FakeBotApi, admin: FakeUser, name: str) -> str:
    await admin.send(f"/hrtoegang {name}")
    await api.settle()
    return str(admin.last["plain"].split("?start=")[1].split()[0])


async def test_hr_gets_the_report_as_html_and_excel_of_their_own_organisation_only(
    organisation: dict[str, str],  # noqa: F811
    conversation: Conversation,
    engine: Engine,
    tmp_path: Path,
    database_url: str,
) -> None:
    other_organisation(conversation, engine)
    async with FakeBotApi() as api:
        admin, hanna = api.user(4600, "Ada"), api.user(4601, "Hanna")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, admin_telegram_ids="4600")
        async for _ in bot:
            code = await hr_link(api, admin, "Zorggroep")
            await hanna.send(f"/start {code}")
            await api.settle()
            await hanna.send("/hr")
            await api.settle()
            await tap_and_settle(api, hanna, REPORT_BUTTON)
            html, xlsx = documents(hanna)
            # Access taken back: the button she still has sends nothing any more.
            await admin.send("/hrtoegang intrekken")
            await api.settle()
            await tap_and_settle(api, admin, "✅ Ja, neem alles terug")
            await tap_and_settle(api, hanna, REPORT_BUTTON)
            assert "alleen voor HR" in hanna.last["plain"]
            assert len(documents(hanna)) == 2
    day = utcnow().date().isoformat()
    assert html["document"]["file"] == f"leercultuurscan-zorggroep-{day}.html"
    assert xlsx["document"]["file"] == f"leercultuurscan-zorggroep-{day}.xlsx"
    assert "Rapport van 'Zorggroep'" in html["plain"]
    assert "Excel" in xlsx["plain"]
    page = html["document"]["content"].decode("utf-8")
    assert "Groot" in page and "Keuken" not in page and "Anders" not in page
    table = cells(xlsx["document"]["content"])
    assert {"Groot", "Midden"} <= table  # the organisation's shown teams
    assert "Keuken" not in table and "Anders" not in table  # nothing of the other one
    # Klein (2 people) is hidden: its name may be listed, its figures never are.
    assert api.rejected == []


async def test_a_round_not_yet_closed_gives_a_message_not_an_empty_file(
    conversation: Conversation, engine: Engine, tmp_path: Path, database_url: str
) -> None:
    teams = lead_in(conversation, "Nieuw", lead=OTHER_LEAD)
    code = teams.team(OTHER_LEAD, "Balie").replies[0].data["team"].code
    for person in people(8, 5):
        conversation.start(person, code)
        finish(conversation, person, option_index=2)
    async with FakeBotApi() as api:
        hr = api.user(4400, "Hanna")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, hr_telegram_ids="4400")
        async for _ in bot:
            await hr.send("/hr")
            await api.settle()
            await tap_and_settle(api, hr, REPORT_BUTTON)
    assert documents(hr) == []
    assert "Er is nog geen ronde van 'Nieuw' gesloten" in hr.last["plain"]
    assert api.rejected == []


async def test_someone_without_hr_access_gets_no_report(
    organisation: dict[str, str],  # noqa: F811
    tmp_path: Path,
    database_url: str,
) -> None:
    """A tap made up by hand (the button's data guessed) is refused like /hr."""
    async with FakeBotApi() as api:
        hr, wim = api.user(4400, "Hanna"), api.user(4500, "Wim")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, hr_telegram_ids="4400")
        async for _ in bot:
            await hr.send("/hr")
            await api.settle()
            await wim.send("/hr")
            await api.settle()
            # Wim copies HR's message with its buttons into his own chat, and taps.
            with_buttons = hr.last
            wim.messages.append({**with_buttons, "message_id": api.next_message_id()})
            await tap_and_settle(api, wim, REPORT_BUTTON)
    assert documents(wim) == []
    assert "alleen voor HR" in wim.last["plain"]
    assert api.rejected == []


async def test_a_report_too_big_for_telegram_points_to_the_command_line(
    organisation: dict[str, str],  # noqa: F811
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The upload limit is lowered here, so that a small report goes over it."""
    monkeypatch.setattr(hr, "MAX_DOCUMENT_BYTES", 1000)
    async with FakeBotApi() as api:
        hanna = api.user(4400, "Hanna")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, hr_telegram_ids="4400")
        async for _ in bot:
            await hanna.send("/hr")
            await api.settle()
            await tap_and_settle(api, hanna, REPORT_BUTTON)
    assert documents(hanna) == []
    assert "te groot om hier te sturen" in hanna.last["plain"]
    assert "python -m bot report" in hanna.last["plain"]
    assert api.rejected == []


def test_the_file_name_keeps_plain_letters_only() -> None:
    day = "2026-12-04"
    assert report_filename("Zorggroep Noord", day, "xlsx") == (
        "leercultuurscan-zorggroep-noord-2026-12-04.xlsx"
    )
    assert report_filename("Café ../../etc/passwd <b>", day, "html") == (
        "leercultuurscan-cafe-etc-passwd-b-2026-12-04.html"
    )
    assert report_filename("日本", day, "html") == "leercultuurscan-organisatie-2026-12-04.html"
