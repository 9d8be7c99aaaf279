"""The HR report's exports as their readers get them: a phone, a laptop, paper, Excel, a script.

The HTML page is laid out by Chromium at 390 and 1280 CSS px; the XLSX is read back with
openpyxl and the CSV with Python's csv module, as an analyst would.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from dialogues.loader import Dialogue
from reports import charts
from reports.export import CODEBOOK_SHEET, DATA_SHEET, PHONE_BELOW_PX, write
from reports.hr import GroupRow, HrReport
from reports.table import DAY_ZONE, HEADER, as_text
from storage.models import Organisation, Team
from storage.report_queries import Cell
from tests.harness import REPO
from tests.test_hr_report import (
    ORGANISATION,
    hostile_report,
    installed_chromium,
    make_organisation,
    report_of,
)

AT = {name: n for n, name in enumerate(HEADER)}
ROUND_ONE = (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 4, 13, 22, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def chromium() -> str:
    return installed_chromium()


@pytest.fixture
def organisation(conversation: Conversation, engine: Engine) -> dict[str, str]:
    return make_organisation(conversation, engine)


def busy_report(dialogue: Dialogue) -> HrReport:
    """The hostile team names, with roles, an organisation and round dates: a full page."""
    report = hostile_report(dialogue)
    report.organisation = "Zorggroep Noord-Oost en Omstreken"
    report.round_dates = {1: ROUND_ONE, 2: (ROUND_ONE[1], datetime(2026, 6, 1, 12, tzinfo=UTC))}
    measures = {(c.model, c.dimension) for c in report.cells}
    for wave in (1, 2):
        for role in ("medewerker", "leidinggevende"):
            report.groups.append(GroupRow("role", role, wave, 20))
            report.cells += [Cell("role", role, wave, m, d, 20, 20, 2.5) for m, d in measures]
    return report


# Lays the report out in a frame of the given width and measures it: what reaches past the
# right edge, and each chart's natural and shown width. A srcdoc frame shares this page's
# origin, so the script may look inside; the frame is the viewport the report's CSS sees.
MEASURE = """<!doctype html><meta charset="utf-8"><body style="margin:0">
<iframe id="report" style="border:0;width:{width}px;height:900px" srcdoc="{page}"></iframe>
<pre id="measured"></pre>
<script>
window.addEventListener("load", () => {{
  const doc = document.getElementById("report").contentDocument;
  const width = doc.documentElement.clientWidth;
  const beyond = [];
  for (const el of doc.body.querySelectorAll("*")) {{
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5))
      beyond.push(el.tagName + ": " + el.textContent.slice(0, 40));
  }}
  const images = [...doc.images].map(i => [i.naturalWidth, i.getBoundingClientRect().width]);
  document.getElementById("measured").textContent = JSON.stringify(
    {{width, scroll: doc.documentElement.scrollWidth, beyond, images}});
}});
</script>"""


def measured(chromium: str, page: Path, width: int, tmp_path: Path) -> dict[str, Any]:
    frame = tmp_path / f"frame{width}.html"
    text = page.read_text(encoding="utf-8")
    frame.write_text(MEASURE.format(width=width, page=html.escape(text)), encoding="utf-8")
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,1000",
            "--dump-dom",
            frame.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = done.stdout.split('<pre id="measured">')[1].split("</pre>")[0]
    result: dict[str, Any] = json.loads(html.unescape(found))
    return result


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 768, 1024, 1280])  # a phone, a tablet, laptops
def test_the_html_report_fits_the_screen_and_its_chart_text_is_readable(
    dialogue: Dialogue, tmp_path: Path, chromium: str, width: int
) -> None:
    page = tmp_path / "report.html"
    write(busy_report(dialogue), dialogue, "html", page)
    found = measured(chromium, page, width, tmp_path)
    assert found["width"] == width  # the report's viewport, as a phone or a laptop has it
    assert found["scroll"] <= width and found["beyond"] == []  # nothing to scroll sideways to
    sizes = {size.width: size for size in (charts.WIDE, charts.PHONE)}
    assert len(found["images"]) == 4
    for natural, shown in found["images"]:
        # The phone gets the phone size, shrunk to the screen; a laptop the wide one, unshrunk.
        assert natural == (charts.PHONE.width if width < PHONE_BELOW_PX else charts.WIDE.width)
        smallest = sizes[natural].smallest_px * shown / natural  # CSS px of the smallest text
        assert smallest >= 11, (natural, shown, smallest)


@pytest.mark.e2e
@pytest.mark.slow
def test_the_html_report_prints_on_a4(dialogue: Dialogue, tmp_path: Path, chromium: str) -> None:
    page, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    write(busy_report(dialogue), dialogue, "html", page)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page\n") + data.count(b"/Type /Page/") + data.count(b"/Type /Page ")
    assert pages >= 2  # each round starts on a page of its own
    text = page.read_text(encoding="utf-8")
    assert "@media print" in text and "break-inside: avoid" in text
    # The print rules, laid out on screen at the paper's width (A4 less 14 mm margins): the
    # headless command line cannot switch to print media, so the rules are switched instead.
    text = re.sub(r"@media screen and \(max-width: \d+px\)", "@media (max-width: 1px)", text)
    paper = tmp_path / "paper.html"
    paper.write_text(text.replace("@media print", "@media screen"), encoding="utf-8")
    found = measured(chromium, paper, round((210 - 2 * 14) / 25.4 * 96), tmp_path)
    assert found["scroll"] <= found["width"] and found["beyond"] == []


def test_the_html_title_names_the_organisation_rounds_and_dates(
    dialogue: Dialogue, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    write(busy_report(dialogue), dialogue, "html", page)
    text = page.read_text(encoding="utf-8")
    title = text.split("<title>")[1].split("</title>")[0]
    assert title == (
        "Zorggroep Noord-Oost en Omstreken: uitslag van de leercultuurscan voor HR"
        " – Ronde 1–2, van 02-03-2026 tot en met 01-06-2026"
    )
    # Each round with its dates; 22:30 UTC on 13 April is 14 April in the Netherlands.
    assert "Ronde 1, van 02-03-2026 tot en met 14-04-2026</h2>" in text


def xlsx_rows(out: Path) -> tuple[Any, list[tuple[Any, ...]]]:
    book = load_workbook(out)
    return book, list(book[DATA_SHEET].iter_rows(values_only=True))


def test_the_xlsx_is_a_formatted_table_with_numbers_labels_ids_dates_and_a_codebook(
    organisation: dict[str, str], engine: Engine, dialogue: Dialogue, tmp_path: Path
) -> None:
    out = tmp_path / "report.xlsx"
    report = report_of(engine, dialogue)
    write(report, dialogue, "xlsx", out)
    book, lines = xlsx_rows(out)
    assert book.sheetnames == [DATA_SHEET, CODEBOOK_SHEET] == ["cijfers", "codeboek"]
    sheet = book[DATA_SHEET]
    assert lines[0] == HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(lines)}"
    for letter, name in zip("ABCDEFGHIJKLMNOPQ", HEADER, strict=True):  # each header fits
        assert (sheet.column_dimensions[letter].width or 0) >= len(name) + 2
    body = [dict(zip(HEADER, line, strict=True)) for line in lines[1:]]

    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == ORGANISATION)).one()
        teams = {t.name: t.id for t in session.exec(select(Team))}
    today = datetime.now(UTC).astimezone(DAY_ZONE).date()
    for row in body:
        assert row["organisatie_id"] == org.id and row["organisatie"] == ORGANISATION
        assert isinstance(row["ronde"], int)
        assert row["ronde_einde"].date() == today  # both rounds closed in this test
        assert isinstance(row["ronde_start"], datetime)
        assert row["mensen"] is None or isinstance(row["mensen"], int)
        assert row["gemiddelde"] is None or isinstance(row["gemiddelde"], int | float)
        # Suppressed: empty, and flagged beside it; a shown figure is never flagged.
        assert row["verborgen"] == (1 if row["gemiddelde"] is None else 0)
        if row["groep_soort"] == "team":
            assert row["team_id"] == teams[row["groep"]]
            assert row["team_ronde_gesloten"].date() == today
        else:
            assert row["team_id"] is None and row["team_ronde_gesloten"] is None
    by_group = {(r["groep_soort"], r["groep"] or "", r["ronde"]): r for r in body}
    assert by_group[("all", "", 1)]["groep_naam"] == "Iedereen"
    assert by_group[("all", "", 1)]["mensen"] == 13
    assert by_group[("team", "Groot", 1)]["mensen"] == 6
    klein = by_group[("team", "Klein", 1)]
    assert klein["mensen"] is None and klein["gemiddelde"] is None and klein["verborgen"] == 1
    assert by_group[("all", "", 1)]["ronde_start"] == datetime.combine(
        org.created_at.astimezone(DAY_ZONE).date(), datetime.min.time()
    )
    # Every shown figure of the report, as a number, with its labels beside its codes.
    groot = next(g for g in report.groups_of("team", 1) if g.group == "Groot")
    phase = next(
        r
        for r in body
        if (r["groep"], r["ronde"], r["model"], r["dimensie"])
        == ("Groot", 1, "groeimodel", "individu")
    )
    assert phase["gemiddelde"] == report.cell("team", groot.key, 1, "groeimodel", "individu")
    assert phase["dimensie_naam"] == "Eigen fase"
    assert phase["model_naam"].startswith("Groeimodel")
    assert sum(1 for r in body if r["gemiddelde"] is not None) == len(report.cells)

    codebook = list(book[CODEBOOK_SHEET].iter_rows(values_only=True))
    assert codebook[0] == ("kolom", "code", "betekenis")
    explained = {line[0] for line in codebook[1:] if line[0] and not line[1]}
    assert explained == set(HEADER)  # every column
    codes = {(line[0], line[1]) for line in codebook[1:] if line[1]}
    assert {("groep_soort", "team"), ("groep", "medewerker"), ("verborgen", "1")} <= codes
    assert {("dimensie", f"{r['model']}.{r['dimensie']}") for r in body if r["model"]} <= codes


def csv_rows(out: Path, delimiter: str) -> list[list[str]]:
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


@pytest.mark.parametrize(("dialect", "delimiter", "point"), [("nl", ";", ","), ("intl", ",", ".")])
def test_the_csv_reads_back_in_both_dialects_with_the_numbers_intact(
    dialogue: Dialogue, tmp_path: Path, dialect: str, delimiter: str, point: str
) -> None:
    report = busy_report(dialogue)
    out = tmp_path / "report.csv"
    write(report, dialogue, "csv", out, dialect=dialect)
    lines = csv_rows(out, delimiter)
    assert tuple(lines[0]) == HEADER
    assert all(len(line) == len(HEADER) for line in lines)  # no name split a row
    means = [line for line in lines[1:] if line[AT["gemiddelde"]]]
    assert len(means) == len(report.cells)
    for line in means:
        text = line[AT["gemiddelde"]]
        other = "," if point == "." else "."
        assert point in text and other not in text
        kind = line[AT["groep_soort"]]
        group = next(  # names are written cleaned, and never as a formula
            g.key for g in report.groups if g.kind == kind and as_text(g.group) == line[AT["groep"]]
        )
        expected = report.cell(
            kind,  # type: ignore[arg-type]
            group,
            int(line[AT["ronde"]]),
            line[AT["model"]],
            line[AT["dimensie"]],
        )
        assert expected is not None
        assert float(text.replace(",", ".")) == round(expected, 2)
        assert line[AT["verborgen"]] == "0"
    hidden = [line for line in lines[1:] if not line[AT["mensen"]]]
    assert hidden and all(line[AT["verborgen"]] == "1" for line in hidden)
    assert {line[AT["ronde_start"]] for line in lines[1:]} == {"2026-03-02", "2026-04-14"}
    assert {line[AT["groep_naam"]] for line in lines[1:] if line[AT["groep"]] == "medewerker"} == {
        "Medewerker"
    }


@pytest.mark.slow
def test_the_report_command_writes_an_international_csv(
    organisation: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "hr.csv"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    command = ["report", "--organisation", ORGANISATION, "--format", "csv", "--dialect", "intl"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command, "--out", str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = csv_rows(out, ",")
    everyone = next(line for line in lines if line[AT["groep_soort"]] == "all")
    assert everyone[AT["mensen"]] == "13" and everyone[AT["organisatie"]] == ORGANISATION
    assert date.fromisoformat(everyone[AT["ronde_einde"]])


@pytest.mark.parametrize("size", [charts.PHONE, charts.WIDE], ids=["phone", "wide"])
def test_team_and_layer_names_are_shown_in_full_on_the_phone_and_the_laptop(
    size: charts.ChartSize,
) -> None:
    """A heatmap's row and column names: whole (a long word split with a hyphen), never '…'."""
    teams = ["Thuiszorg Noord-Oost", "Avonddienst Zuid", "Keuken"]
    layers = ["Eigen fase", "Collega's", "Leidinggevende", "HR", "Directie of managementteam"]

    grid = charts._Grid.layout(teams, layers, footer=0, size=size)

    assert grid.labels == teams
    for name, lines in zip(layers, grid.header, strict=True):
        assert "…" not in "".join(lines)
        assert "".join(line.removesuffix("-") for line in lines).replace(" ", "") == name.replace(
            " ", ""
        )
    assert grid.cell_w >= 90  # room for a value and a hidden cell's word
