"""The HR report shows groups, never a person: not in a cell, not by subtraction, not per wave."""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.service.conversation import Conversation
from bot.service.hr import Hr, hr_data
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from dialogues.loader import Dialogue
from reports.anonymity import hidden_groups, shown_cells
from reports.export import write
from reports.hr import GroupRow, HrReport, build_report, phase_layers
from reports.overview import HrOverview
from reports.table import HEADER
from storage import rounds, tallies
from storage.db import make_engine
from storage.models import (
    Organisation,
    Respondent,
    ResultScore,
    RoleTally,
    Scan,
    Team,
    TeamTally,
    utcnow,
)
from storage.report_queries import Cell, GroupSize
from tests.fakebotapi import FakeBotApi
from tests.harness import REPO, answer_all, bot_in_this_loop, debian_command, tap_and_settle
from tests.test_conversation import answer_current
from tests.test_teams import LEAD, finish

MIN = 5


def people(prefix: int, n: int) -> list[Person]:
    return [Person("telegram", str(48_310_000 + prefix * 1000 + i), "nl") for i in range(n)]


ORGANISATION = "Zorggroep"
ADMIN = Person("telegram", "48309999", "nl")


def close_organisation_round(engine: Engine, name: str = ORGANISATION) -> None:
    """HR closes the organisation's open round, for every team in it."""
    with Session(engine) as session:
        found = session.exec(select(Organisation).where(Organisation.name == name)).one()
        rounds.close_organisation_round(
            session, organisation=found, round_length=timedelta(days=42), now=utcnow()
        )
        session.commit()


def lead_in(conversation: Conversation, name: str = ORGANISATION, lead: Person = LEAD) -> Teams:
    """Sets up the organisation (or finds it) and makes `lead` a lead there, by its lead link.

    The teams the lead makes from then on are the organisation's: only they reach HR.
    """
    teams = Teams(conversation.people, min_group=MIN)
    card = teams.organisation(ADMIN, name).replies[0]
    conversation.start(lead, card.data["organisation"].code)
    return teams


@pytest.fixture
def organisation(conversation: Conversation, engine: Engine) -> dict[str, str]:
    return make_organisation(conversation, engine)


def make_organisation(conversation: Conversation, engine: Engine) -> dict[str, str]:
    """In one organisation, round 1: Groot (6 people), Midden (5), Klein (2); round 2: Groot (3).

    Both organisation rounds are closed: HR sees closed rounds only. Returns the team codes.
    """
    teams = lead_in(conversation)
    codes = {}
    for name, size, prefix in (("Groot", 6, 1), ("Midden", 5, 2), ("Klein", 2, 3)):
        codes[name] = teams.team(LEAD, name).replies[0].data["team"].code
        for n, person in enumerate(people(prefix, size)):
            conversation.start(person, codes[name])
            finish(conversation, person, option_index=(n + prefix) % 4 + 1)
    close_organisation_round(engine)
    for person in people(4, 3):
        conversation.start(person, codes["Groot"])
        finish(conversation, person, option_index=2)
    close_organisation_round(engine)
    return codes


def report_of(engine: Engine, dialogue: Dialogue, **filters: str | int) -> HrReport:
    filters.setdefault("organisation", ORGANISATION)
    with Session(engine) as session:
        return build_report(session, min_group=MIN, **filters)  # type: ignore[arg-type]


def team_cells(report: HrReport, team: str) -> list[Cell]:
    return [c for c in report.cells if c.kind == "team" and c.group == team]


def test_a_small_team_and_the_team_that_would_give_it_away_are_hidden(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue
) -> None:
    report = report_of(engine, dialogue)
    sizes = {(g.kind, g.group, g.wave): g.people for g in report.groups}
    assert sizes[("all", "", 1)] == 13
    assert sizes[("team", "Groot", 1)] == 6
    assert sizes[("team", "Klein", 1)] is None
    # Klein alone would be 'everyone minus Groot minus Midden': so Midden is hidden too.
    assert sizes[("team", "Midden", 1)] is None
    assert team_cells(report, "Klein") == [] and team_cells(report, "Midden") == []
    assert team_cells(report, "Groot")
    assert report.cell("all", "", 1, "groeimodel", "individu") is not None


def test_a_wave_below_the_minimum_shows_nothing_not_even_a_total(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue
) -> None:
    report = report_of(engine, dialogue)
    assert [c for c in report.cells if c.wave == 2] == []
    wave_two = [g for g in report.groups if g.wave == 2]
    assert {(g.kind, g.group) for g in wave_two} >= {("all", ""), ("team", "Groot")}
    assert all(g.people is None for g in wave_two)


def test_filtering_never_reveals_what_the_full_report_hides(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue
) -> None:
    for team in ("Klein", "Midden"):
        only = report_of(engine, dialogue, team=team)
        assert team_cells(only, team) == []
    assert team_cells(report_of(engine, dialogue, team="Groot", wave=1), "Groot")


def test_complementary_suppression_keeps_the_hidden_part_at_least_the_minimum() -> None:
    sizes = [GroupSize("team", name, 1, n) for name, n in (("a", 9), ("b", 6), ("c", 2))]
    assert hidden_groups(sizes, MIN) == {("c", 1), ("b", 1)}
    sizes = [GroupSize("team", name, 1, n) for name, n in (("a", 9), ("b", 6), ("c", 5))]
    assert hidden_groups(sizes, MIN) == set()
    sizes = [GroupSize("team", name, 1, n) for name, n in (("a", 9), ("c", 2), ("d", 3))]
    assert hidden_groups(sizes, MIN) == {("c", 1), ("d", 1)}  # together 5: nothing to add


def test_a_cell_few_people_could_answer_is_not_given_away_by_the_total() -> None:
    def cell(group: str, known: int) -> Cell:
        return Cell("team", group, 1, "groeimodel", "hr", 6, known, 3.0 if known >= MIN else None)

    total = [Cell("all", "", 1, "groeimodel", "hr", 12, 9, 3.0)]
    assert shown_cells([cell("a", 6), cell("b", 3)], set(), total, MIN) == []
    total = [Cell("all", "", 1, "groeimodel", "hr", 12, 12, 3.0)]
    assert shown_cells([cell("a", 6), cell("b", 6)], set(), total, MIN) == [
        cell("a", 6),
        cell("b", 6),
    ]
    # A hidden group's cells are never shown, and what they leave out is judged as hidden.
    assert shown_cells([cell("a", 6), cell("b", 6)], {("b", 1)}, total, MIN) == [cell("a", 6)]
    total = [Cell("all", "", 1, "groeimodel", "hr", 14, 14, 3.0)]  # 2 more in no group
    assert shown_cells([cell("a", 6), cell("b", 6)], set(), total, MIN) == [cell("b", 6)]


def test_people_in_no_team_count_in_the_hidden_remainder() -> None:
    """Leads in their own team (and anyone in no team) are everyone minus the shown teams."""
    sizes = [GroupSize("team", name, 1, n) for name, n in (("a", 9), ("b", 6))]
    assert hidden_groups(sizes, MIN, everyone={1: 15}) == set()
    # Two leads answered too: everyone minus a and b would be those two.
    assert hidden_groups(sizes, MIN, everyone={1: 17}) == {("b", 1)}
    assert hidden_groups(sizes, MIN, everyone={1: 20}) == set()  # five outside: a group


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_exports_hold_no_identity_and_no_hidden_figures(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"report.{fmt}"
    write(report_of(engine, dialogue), dialogue, fmt, out)
    if fmt == "xlsx":
        sheet = load_workbook(out).active
        assert sheet is not None
        lines = [
            [str(v) if v is not None else "" for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif fmt == "csv":
        lines = list(csv.reader(out.open(encoding="utf-8-sig"), delimiter=";"))
    else:
        page = out.read_text(encoding="utf-8")
        assert page.count("data:image/png;base64,") >= 2  # the charts, inside the one file
        lines = [[re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,", page)]]
    text = "\n".join(";".join(line) for line in lines)
    with Session(engine) as session:
        pseudonyms = [r.pseudonym for r in session.exec(select(Respondent))]
    for person in people(1, 6) + people(3, 2):
        assert person.external_id not in text
    assert not any(p in text or p[:8] in text for p in pseudonyms)
    assert not any(code in text for code in organisation.values())
    if fmt != "html":
        assert tuple(lines[0]) == HEADER
        at = {name: n for n, name in enumerate(HEADER)}
        klein = [line for line in lines if line[at["groep"]] == "Klein"]
        assert klein and all(line[at["mensen"]] == line[at["gemiddelde"]] == "" for line in klein)
        assert all(line[at["verborgen"]] == "1" for line in klein)
        with Session(engine) as session:
            ids = {team.name: str(team.id) for team in session.exec(select(Team))}
        teams = [line for line in lines[1:] if line[at["groep_soort"]] == "team"]
        assert teams and all(line[at["team_id"]] == ids[line[at["groep"]]] for line in teams)
        assert all(
            line[at["team_id"]] == "" for line in lines[1:] if line[at["groep_soort"]] != "team"
        )
    else:
        assert "Klein" in text and "verborgen" in text


HTML = ("--format", "html", "--out")


def test_the_report_command_writes_a_file_and_shows_progress(
    organisation: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "hr.html"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", *("--organisation", ORGANISATION), *HTML, str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "report: done" in done.stderr
    page = out.read_text(encoding="utf-8")
    assert "<h1>Zorggroep: uitslag van de leercultuurscan voor HR</h1>" in page
    title = page.split("<title>")[1].split("</title>")[0]  # organisation, rounds, dates
    assert re.fullmatch(
        r"Zorggroep: uitslag van de leercultuurscan voor HR – Ronde 1–2, "
        r"van \d\d-\d\d-\d{4} tot en met \d\d-\d\d-\d{4}",
        title,
    ), title
    assert "Groot" in page and "Midden" in page  # the organisation's teams, from that database


async def test_only_hr_gets_the_overview_in_the_bot(
    organisation: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    async with FakeBotApi() as api:
        hr, worker = api.user(4400, "Hanna"), api.user(4500, "Wim")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, hr_telegram_ids="4400, 77")
        async for _ in bot:
            await worker.send("/hr")
            await api.settle()
            await hr.send("/hr")
            await api.settle()
    assert "alleen voor HR" in worker.last["plain"]
    overview = hr.messages[-2]["plain"]
    assert "Zorggroep: overzicht voor HR, ronde 1: 13 mensen" in overview
    assert "Ronde 3 van de organisatie loopt nog" in hr.last["plain"]
    assert (
        "Teams met cijfers: 1. Verborgen (te klein, of om een klein team te beschermen): 2."
        in overview
    )
    assert api.rejected == []


@pytest.fixture(scope="session")
def chromium() -> str:
    return installed_chromium()


def installed_chromium() -> str:
    """Debian's Chromium, installed once when it is missing and this machine allows it."""
    found = debian_command("chromium", "chromium")
    if found is None:
        pytest.skip("Chromium is not installed and cannot be installed here (needs root and apt)")
    return found


def test_the_html_report_renders_in_chromium(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue, tmp_path: Path, chromium: str
) -> None:
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    write(report_of(engine, dialogue), dialogue, "html", page)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,3200",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with Image.open(shot) as image:
        assert image.size == (1280, 3200)
        pixels = numpy.asarray(image.convert("RGB"), dtype=int)
    ink = int((pixels.sum(axis=2) < 600).sum())
    colour = int((pixels.max(axis=2) - pixels.min(axis=2) > 80).sum())
    assert ink > 20_000  # the tables and their text were drawn
    assert colour > 5_000  # and so were the charts


def test_perception_gaps_compare_workers_view_with_the_layers_own_view(
    conversation: Conversation, engine: Engine, dialogue: Dialogue, tmp_path: Path
) -> None:
    code = lead_in(conversation).team(LEAD, "Alle").replies[0].data["team"].code
    for person in people(5, 6):  # workers who see their leads low
        conversation.start(person, code)
        answers = {"rol": "medewerker", "fase_leiding": "selectie", "fase_individu": "actie"}
        finish_with(conversation, person, answers)
    for person in people(6, 5):  # leads who see themselves high
        conversation.start(person, code)
        # ...on the same item the workers answered: their own learning is another question
        own = {"rol": "leidinggevende", "fase_zelf_leiding": "toepassing", "fase_individu": "actie"}
        finish_with(conversation, person, own)
    close_organisation_round(engine)
    report = report_of(engine, dialogue)
    gaps = {layer: (out, own) for layer, out, own in report.perception(1)}
    assert gaps["leidinggevende"] == (2.0, 4.0)
    assert gaps["hr"][1] is None  # no HR people answered: nothing to compare
    # Workers put themselves at 3 and their lead at 2, everything else at 1 (first option).
    found = report.imbalance(dialogue, 1)
    assert found is not None and found.gap == 2.0
    assert found.ahead == ("individu",) and set(found.behind) == {"collegas", "hr", "directie"}
    page = tmp_path / "report.html"
    write(report, dialogue, "html", page)
    assert "Uit balans: medewerkers zien gemiddeld 2,0 stappen verschil" in page.read_text()


def finish_with(conversation: Conversation, person: Person, chosen: dict[str, str]) -> None:
    """Finishes a scan with these answers, the first option everywhere else."""
    conversation.start(person, None)
    while (reply := conversation.current(person).replies[-1]).template == "question":
        question = reply.data["question"]
        value = chosen.get(question.id, question.options[0].value)
        conversation.answer(person, question.id, value)


async def test_an_admin_sets_up_an_organisation_and_its_report_holds_only_its_teams(
    organisation: dict[str, str], tmp_path: Path, dialogue: Dialogue, database_url: str
) -> None:
    async with FakeBotApi() as api:
        admin, lead, other = api.user(4600, "Ada"), api.user(4700, "Lars"), api.user(4800, "Ole")
        members = [api.user(4900 + n, f"M{n}") for n in range(MIN)]
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, admin_telegram_ids="4600")
        async for _ in bot:
            await other.send("/organisatie Zorggroep Noord")  # not an admin
            await api.settle()
            assert "alleen voor beheerders" in other.last["plain"]
            await admin.send("/organisatie Zorggroep Noord")
            await api.settle()
            card = admin.last
            assert card["photo"]["file"]  # the lead link as a QR code
            assert "Organisatie 'Zorggroep Noord' staat klaar" in card["plain"]
            code = card["plain"].split("?start=")[1].split()[0]

            await lead.send(f"/start {code}")
            await api.settle()
            assert "Je bent nu leidinggevende bij 'Zorggroep Noord'" in lead.messages[0]["plain"]
            await lead.send("/team Keuken")
            await api.settle()
            team_code = lead.last["plain"].split("?start=")[1].split()[0]
            for member in members:
                await member.send(f"/start {team_code}")
                await api.settle()
                await answer_all(api, member, pick=2)
    engine = make_engine(database_url)
    assert report_of(engine, dialogue, organisation="Zorggroep Noord").groups == []  # open
    close_organisation_round(engine, "Zorggroep Noord")
    zorggroep = report_of(engine, dialogue)
    scoped = report_of(engine, dialogue, organisation="Zorggroep Noord")
    sizes = {(g.kind, g.group, g.wave): g.people for g in scoped.groups}
    assert sizes[("all", "", 1)] == MIN  # only the organisation's own people
    assert {g.group for g in scoped.groups if g.kind == "team"} == {"Keuken"}
    # No figure spans two organisations: each report holds its own teams only.
    assert "Keuken" not in {g.group for g in zorggroep.groups if g.kind == "team"}
    assert "Groot" in {g.group for g in zorggroep.groups if g.kind == "team"}
    with pytest.raises(LookupError):
        report_of(engine, dialogue, organisation="Bestaat Niet")
    assert api.rejected == []


UNKNOWN = ("--organisation", "Nergens")


def test_the_report_command_names_an_unknown_organisation(
    tmp_path: Path, database_url: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--out", str(tmp_path / "r.html"), *UNKNOWN],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": database_url},
        timeout=60,
    )
    assert done.returncode == 2
    assert "no organisation named Nergens" in done.stderr


def test_the_report_command_needs_an_organisation(tmp_path: Path) -> None:
    """No report of the whole database: no figure spans two organisations."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", *HTML, str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": "sqlite:///unused.db"},
        timeout=60,
    )
    assert done.returncode == 2
    assert "report needs --organisation NAME" in done.stderr
    assert not (tmp_path / "r.html").exists()


async def test_an_admin_hands_out_hr_access_by_a_one_time_link_and_takes_it_back(
    organisation: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    async with FakeBotApi() as api:
        admin, hanna, wim = api.user(4600, "Ada"), api.user(4601, "Hanna"), api.user(4602, "Wim")
        bot = bot_in_this_loop(api, tmp_path, database_url=database_url, admin_telegram_ids="4600")
        async for _ in bot:
            await hanna.send("/hrtoegang Zorggroep")  # only admins hand out access
            await api.settle()
            assert "alleen voor beheerders" in hanna.last["plain"]
            await admin.send("/hrtoegang")  # for which organisation?
            await api.settle()
            assert "Voor welke organisatie" in admin.last["plain"]
            await admin.send("/hrtoegang Zorggroep")
            await api.settle()
            assert admin.last["photo"]["file"]
            code = admin.last["plain"].split("?start=")[1].split()[0]

            before = len(hanna.messages)
            await hanna.send(f"/start {code}")
            await api.settle()
            assert "Je mag nu het HR-overzicht zien" in hanna.messages[before]["plain"]
            await hanna.send("/hr")
            await api.settle()
            assert "Zorggroep: overzicht voor HR, ronde 1: 13 mensen" in hanna.messages[-2]["plain"]
            await wim.send(f"/start {code}")  # the link works once
            await api.settle()
            await wim.send("/hr")
            await api.settle()
            assert "alleen voor HR" in wim.last["plain"]
            await hanna.send("/mijngegevens")
            await api.settle()
            assert "Je mag het HR-overzicht zien" in "\n".join(
                m["plain"] for m in hanna.messages[-3:]
            )

            await admin.send("/hrtoegang intrekken")
            await api.settle()
            await tap_and_settle(api, admin, "✅ Ja, neem alles terug")  # asked first
            assert "1 mensen hebben geen HR-toegang via een link meer" in admin.last["plain"]
            await hanna.send("/hr")
            await api.settle()
            assert "alleen voor HR" in hanna.last["plain"]
            await admin.send("/hr")  # admins are HR too
            await api.settle()
            assert "overzicht voor HR" in admin.messages[-2]["plain"]
    assert api.rejected == []


def tally_rows(engine: Engine) -> set[tuple[object, ...]]:
    with Session(engine) as session:
        rows = [*session.exec(select(TeamTally)), *session.exec(select(RoleTally))]
        return {
            (
                type(r).__name__,
                *(v if not isinstance(v, float) else round(v, 6) for v in r.model_dump().values()),
            )
            for r in rows
            if r.people != 0
        }


def finish_again(conversation: Conversation, person: Person, option_index: int) -> None:
    """/opnieuw after a finished scan, then every question: the same team and wave again."""
    conversation.restart(person, confirmed=True)
    while conversation.current(person).replies[-1].template == "question":
        answer_current(conversation, option_index=option_index, person=person)


def test_closed_rounds_stay_as_they_were_while_people_finish_leave_and_pad(
    organisation: dict[str, str], conversation: Conversation, engine: Engine
) -> None:
    frozen = tally_rows(engine)
    with Session(engine) as session:
        tallies.rebuild(session)  # a recount of the closed rounds, in the order they closed
        session.commit()
    assert tally_rows(engine) == frozen and frozen
    midden, klein = people(2, 5), people(3, 2)
    finish_again(conversation, midden[0], option_index=4)  # round 3, twice: counts once
    finish_again(conversation, midden[0], option_index=2)
    finish_again(conversation, midden[1], option_index=1)
    conversation.forget(midden[1], confirmed=True)  # leaves: the closed round keeps them
    finish_again(conversation, klein[0], option_index=3)  # round 3 in Klein ...
    conversation.start(klein[0], organisation["Midden"])  # ... and in Midden as well
    finish(conversation, klein[0], option_index=3)
    conversation.start(LEAD, organisation["Groot"])  # the lead in their own team, twice
    finish(conversation, LEAD, option_index=4)
    finish_again(conversation, LEAD, option_index=1)
    conversation.forget(people(1, 6)[0], confirmed=True)  # one of team Groot leaves
    assert tally_rows(engine) == frozen  # nothing shown before can be compared to find them
    close_organisation_round(engine)  # round 3 closes: counted once, as it stands now
    ids = {name: team_id(engine, code) for name, code in organisation.items()}
    with Session(engine) as session:
        in_teams = session.exec(
            select(TeamTally.team_id, TeamTally.wave, TeamTally.people).where(
                TeamTally.model == "groeimodel", TeamTally.dimension == "individu"
            )
        ).all()
        in_roles = session.exec(
            select(RoleTally.wave, func.sum(RoleTally.people))
            .where(RoleTally.model == "groeimodel", RoleTally.dimension == "individu")
            .group_by(RoleTally.wave)
        ).all()
    people_in = {(team, wave): n for team, wave, n in in_teams if n}
    assert people_in[(ids["Midden"], 1)] == 5  # as closed: the one who left is still counted
    assert people_in[(ids["Klein"], 1)] == 2
    assert people_in[(ids["Groot"], 1)] == 6
    assert people_in[(ids["Groot"], 2)] == 3
    # Round 3: the one in two teams counts in the team that closed first (Midden), once; the
    # one who left is gone; the lead's own scans never count in their own team.
    assert people_in[(ids["Midden"], 3)] == 2
    assert (ids["Klein"], 3) not in people_in and (ids["Groot"], 3) not in people_in
    # Everyone as the rounds closed; round 3: Midden's two and the lead (in their role).
    assert dict(in_roles) == {1: 13, 2: 3, 3: 3}


def team_id(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Team.id).where(Team.code == code)).one()
        assert found is not None
        return found


def test_the_report_means_are_the_means_of_the_stored_scores(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue
) -> None:
    report = report_of(engine, dialogue)
    with Session(engine) as session:
        rows = session.exec(
            select(ResultScore.score)
            .join(Scan, col(Scan.id) == ResultScore.scan_id)
            .join(Team, col(Team.id) == Scan.team_id)
            .where(
                Team.name == "Groot",
                Scan.wave == 1,
                ResultScore.model == "groeimodel",
                ResultScore.dimension == "individu",
            )
        ).all()
    known = [score for score in rows if score is not None]
    assert len(rows) == 6
    expected = sum(known) / len(known) if len(known) >= MIN else None
    groot = next(g for g in report.groups_of("team", 1) if g.group == "Groot")
    assert report.cell("team", groot.key, 1, "groeimodel", "individu") == expected


def test_the_html_report_places_everyone_and_each_shown_team_on_the_path(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    report = report_of(engine, dialogue)
    write(report, dialogue, "html", page)
    html_text = page.read_text(encoding="utf-8")
    section = html_text.split("Plek op het pad naar een sterke leercultuur")[1].split("</table>")[0]
    locale = dialogue.locale("nl")
    everyone = report.path(dialogue, "all", "", 1)
    assert everyone.position is not None
    assert locale.rings[everyone.ring].name in section  # type: ignore[index]
    assert html.escape(locale.positions[everyone.position]) in section
    assert "<td>Groot</td>" in section
    assert "Klein" not in section and "Midden" not in section  # hidden teams have no place
    assert "Aantal teams per plek op het pad" in html_text
    header = html_text.split("<table>")[1].split("</tr>")[0]
    assert header.count("<th>Leidinggevende</th>") == 1  # each layer has one column


HOSTILE_TEAMS = (
    "$\\frac{$",
    "<script>alert(1)</script>",
    ("مرحبا بالعالم " * 20)[:250] + ("שלום עולם " * 30)[:250],
    '=HYPERLINK("http://x?"&A1,"klik")',
    "zero\u200bwidth\u200d\u200c\u2060\ufeff\u202e",
)


def hostile_report(dialogue: Dialogue) -> HrReport:
    """Two rounds of everyone and of teams with names typed to break things; one team hidden."""
    measures = [
        *(("groeimodel", layer) for layer in phase_layers(dialogue)),
        *(("eigen_regie", f) for f in dialogue.model("eigen_regie").dimensions),
        *(("leerstructuur", p.process) for p in dialogue.scoring.path.processes),
    ]
    report = HrReport(min_group=MIN)
    for wave in (1, 2):
        shown = [("all", "", 40), *(("team", name, 6) for name in HOSTILE_TEAMS[1:])]
        report.groups += [GroupRow(kind, group, wave, people) for kind, group, people in shown]
        report.groups.append(GroupRow("team", HOSTILE_TEAMS[0], wave, None))
        report.cells += [
            Cell(kind, group, wave, model, dimension, people, people, 1 + (n + m + wave) % 9 / 2)
            for n, (kind, group, people) in enumerate(shown)
            for m, (model, dimension) in enumerate(measures)
        ]
    return report


def test_hostile_team_names_give_a_report_whose_charts_are_pngs(
    dialogue: Dialogue, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    write(hostile_report(dialogue), dialogue, "html", out)
    page = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4  # path grid, phases per team, eigen regie, trend
    for data in images:
        with Image.open(io.BytesIO(base64.b64decode(data, validate=True))) as image:
            assert image.format == "PNG"
            image.load()
            assert image.width >= 800
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


# Imports what serves the report and the chat's pictures, draws one of each, and names any
# plotting library that came along: the bot has one chart stack, Pillow.
NO_MATPLOTLIB = """
import sys
from placement.chart import ChartFactor, ChartFactors, ChartLadder, ChartLayer, draw_scan_chart
from reports import charts, export, hr

draw_scan_chart(
    ladder=ChartLadder(
        title="Leren", phases=["a", "b"], layers=[ChartLayer(label="Jij", phase=2, own=True)],
        unknown_label="?",
    ),
    factors=ChartFactors(
        title="Regie", factors=[ChartFactor(label="Weten", score=3.5)], unknown_label="?",
        strongest_label="", weakest_label="",
    ),
    title="Jouw leercultuurscan",
)
charts.draw_profile(factors=["Weten"], waves=[charts.Series("Ronde 1", [3.5])])
print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
"""


def test_the_charts_do_not_load_matplotlib() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NO_MATPLOTLIB],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


# Attacks: HR (or anyone with two looks) subtracting figures to isolate one person ----------


def figures(report: HrReport) -> tuple[list[GroupRow], list[Cell]]:
    """Everything a report shows, in a fixed order: two looks compare equal or they differ."""
    return sorted(report.groups, key=repr), sorted(report.cells, key=repr)


def test_live_differencing_attack_figures_move_only_when_the_organisation_round_closes(
    organisation: dict[str, str], conversation: Conversation, engine: Engine, dialogue: Dialogue
) -> None:
    """HR looks before and after each finish, and after a /verwijder: nothing moves.

    Live figures would give each person away: the difference of two looks is their answers.
    """
    before = figures(report_of(engine, dialogue))
    newcomers = people(7, MIN)
    for person in newcomers:  # round 3 of the organisation is open
        conversation.start(person, organisation["Groot"])
        finish(conversation, person, option_index=4)
        assert figures(report_of(engine, dialogue)) == before
    # The lead closes the team's round: still the organisation's open round for HR.
    Teams(conversation.people, min_group=MIN).press(
        LEAD, team_data("close_yes", organisation["Groot"])
    )
    late = people(8, 1)[0]
    conversation.start(late, organisation["Groot"])  # Groot's round 4
    finish(conversation, late, option_index=1)
    assert figures(report_of(engine, dialogue)) == before

    close_organisation_round(engine)  # now round 3 shows, frozen
    report = report_of(engine, dialogue)
    closed = figures(report)
    sizes = {(g.kind, g.group, g.wave): g.people for g in report.groups}
    assert sizes[("all", "", 3)] == MIN and sizes[("team", "Groot", 3)] == MIN
    assert report.cell("all", "", 3, "groeimodel", "individu") is not None
    assert ("all", "", 4) not in sizes  # the late one is in the open round
    conversation.forget(newcomers[0], confirmed=True)  # /verwijder after the close
    assert figures(report_of(engine, dialogue)) == closed
    conversation.forget(people(1, 6)[1], confirmed=True)  # and one of round 1
    assert figures(report_of(engine, dialogue)) == closed


def test_organisation_minus_team_attack_no_report_spans_two_organisations(
    organisation: dict[str, str], conversation: Conversation, engine: Engine, dialogue: Dialogue
) -> None:
    """A second organisation of two: 'everyone minus Zorggroep' would be those two people."""
    alone = figures(report_of(engine, dialogue))
    other_lead = Person("telegram", "48319999", "nl")
    card = lead_in(conversation, "Thuiszorg", other_lead).team(other_lead, "Wijk").replies[0]
    wijk = card.data["team"]
    for person in people(9, 2):
        conversation.start(person, wijk.code)
        finish(conversation, person, option_index=2)
    close_organisation_round(engine, "Thuiszorg")

    ours = report_of(engine, dialogue)
    assert figures(ours) == alone  # not a team, a person or a figure of Thuiszorg in it
    assert not [g for g in ours.groups if g.team_id == wijk.id or g.group == "Wijk"]
    assert {g.people for g in ours.groups if g.kind == "all"} == {13, None}
    theirs = report_of(engine, dialogue, organisation="Thuiszorg")
    assert {(g.kind, g.group) for g in theirs.groups} >= {("all", ""), ("team", "Wijk")}
    assert all(g.people is None for g in theirs.groups) and theirs.cells == []
    with Session(engine) as session, pytest.raises(TypeError):
        build_report(session, min_group=MIN)  # type: ignore[call-arg]  # no report of both

    # In the chat: an HR link for Zorggroep shows Zorggroep, whichever name is asked for, and
    # closes no other organisation's round; HR in the settings is asked which one.
    hr = Hr(conversation.people, HrOverview(engine, dialogue, MIN))
    invite = Teams(conversation.people, min_group=MIN).hr_access(ADMIN, ORGANISATION)
    hanna = Person("telegram", "48319998", "nl")
    conversation.start(hanna, invite.replies[0].data["invite"].code)
    shown = hr.overview(hanna, "Thuiszorg", deployment=False).replies[0]
    assert shown.template == "hr_overview" and shown.data["organisation"] == ORGANISATION
    with Session(engine) as session:
        thuiszorg = session.exec(select(Organisation).where(Organisation.name == "Thuiszorg"))
        other = thuiszorg.one()
    refused = hr.press(hanna, hr_data("close_yes", other.id or 0), deployment=False)
    assert refused.replies[0].data["key"] == "hr_only"
    assert report_of(engine, dialogue, organisation="Thuiszorg").waves_closed == 1
    asked = hr.overview(ADMIN, None, deployment=True).replies[0]
    assert asked.data["key"] == "hr_choose_organisation"


def test_role_across_a_team_attack_a_lone_role_in_a_team_is_hidden(
    conversation: Conversation, engine: Engine, dialogue: Dialogue
) -> None:
    """Team Zorg: five workers and one who answered as a lead; team Staf: five leads.

    With both teams and both roles shown, 'leads minus Staf' is the one lead in Zorg, and so
    is 'Zorg minus workers' (all five in Zorg): that crossing of one may not be worked out.
    """
    teams = lead_in(conversation)
    zorg = teams.team(LEAD, "Zorg").replies[0].data["team"].code
    staf = teams.team(LEAD, "Staf").replies[0].data["team"].code
    for n, person in enumerate(people(10, 6)):
        conversation.start(person, zorg)
        finish_with(conversation, person, {"rol": "medewerker" if n < 5 else "leidinggevende"})
    for person in people(11, 5):
        conversation.start(person, staf)
        finish_with(conversation, person, {"rol": "leidinggevende"})
    close_organisation_round(engine)

    report = report_of(engine, dialogue)
    sizes = {(g.kind, g.group): g.people for g in report.groups}
    assert sizes[("all", "")] == 11
    assert sizes[("team", "Zorg")] == 6 and sizes[("team", "Staf")] == 5  # teams still show
    assert sizes[("role", "leidinggevende")] is None
    assert sizes[("role", "medewerker")] is None
    assert [c for c in report.cells if c.kind == "role"] == []
    assert report.perception(1)[0] == ("leidinggevende", None, None)


def test_moved_team_attack_a_round_closed_outside_the_organisation_stays_outside(
    conversation: Conversation, engine: Engine, dialogue: Dialogue
) -> None:
    """Team B closes its round outside the organisation when its lead joins: never in HR's view.

    Counted by the team's organisation now, B's round would show as a team while its people
    are in no role of the organisation: the teams would add up to more than everyone, and the
    one HR person of team A would be 'hr role minus team C'.
    """
    teams = Teams(conversation.people, min_group=MIN)
    numbers = iter(range(48_390_000, 48_391_000))

    def member(code: str, role: str) -> None:
        person = Person("telegram", str(next(numbers)), "nl")
        conversation.start(person, code)
        finish_with(conversation, person, {"rol": role})

    lead_b = Person("telegram", "48389998", "nl")
    code_b = teams.team(lead_b, "B").replies[0].data["team"].code
    for role in ["medewerker"] * 3 + ["hr"] * 2:
        member(code_b, role)
    lead_in(conversation, ORGANISATION, LEAD)
    code_a = teams.team(LEAD, "A").replies[0].data["team"].code
    code_c = teams.team(LEAD, "C").replies[0].data["team"].code
    for role in ["medewerker"] * 5 + ["hr"]:
        member(code_a, role)
    for role in ["hr"] * 5:
        member(code_c, role)
    organisation_code = session_organisation_code(engine)
    conversation.start(lead_b, organisation_code)  # B moves in; its open round closes outside
    close_organisation_round(engine)

    report = report_of(engine, dialogue)
    shown_teams = {g.group for g in report.groups_of("team", 1) if g.people is not None}
    assert "B" not in {g.group for g in report.groups_of("team", 1)}
    everyone = next(g.people for g in report.groups_of("all", 1))
    assert everyone == 11
    assert shown_teams == {"A", "C"}
    assert report.cell("role", "hr", 1, "groeimodel", "individu") is None  # A's lone HR person


def session_organisation_code(engine: Engine) -> str:
    with Session(engine) as session:
        return session.exec(
            select(Organisation.code).where(Organisation.name == ORGANISATION)
        ).one()
