"""The HR report as CSV, Excel or one self-contained HTML page with charts."""

from __future__ import annotations

import base64
import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from dialogues.loader import Dialogue
from reports import charts
from reports.charts import ChartSize, Series
from reports.hr import HrReport, phase_layers
from reports.table import HEADER, MEAN, Labels, Value, codebook, day, rows
from storage.models import utcnow

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "csv", "xlsx")
# nl: what Dutch Excel opens as columns (; and a decimal comma); intl: the usual , and point.
DIALECTS = {"nl": (";", ","), "intl": (",", ".")}
DATA_SHEET, CODEBOOK_SHEET = "cijfers", "codeboek"
# Characters per column in Excel, so a header and its usual values fit.
WIDTHS = {"organisatie": 24, "groep": 24, "groep_naam": 28, "model_naam": 36, "dimensie_naam": 34}


def write_csv(report: HrReport, dialogue: Dialogue, out: Path, dialect: str = "nl") -> None:
    """UTF-8 with a BOM, so Excel reads the accents; dates as yyyy-mm-dd in both dialects."""
    delimiter, point = DIALECTS[dialect]

    def shown(value: Value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.2f}".replace(".", point)
        return value.isoformat() if isinstance(value, date) else str(value)

    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows([shown(v) for v in row] for row in rows(report, Labels(dialogue)))


def write_xlsx(report: HrReport, dialogue: Dialogue, out: Path) -> None:
    """A formatted table (bold header, frozen, filtered) and a codebook sheet."""
    from openpyxl import Workbook  # imported here: only this export needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook(write_only=True)  # streams the rows: a large organisation stays quick
    title = dialogue.locale(None).messages["report_title"]
    book.properties.title = f"{title}: {report.organisation}"
    labels = Labels(dialogue)
    bold = Font(bold=True)

    def sheet(title: str, header: tuple[str, ...], widths: list[int]) -> Worksheet:
        found: Worksheet = book.create_sheet(title)
        found.freeze_panes = "A2"
        for n, width in enumerate(widths, start=1):
            found.column_dimensions[get_column_letter(n)].width = width
        found.append([_bold(WriteOnlyCell(found, name), bold) for name in header])
        return found

    def text(found: Worksheet, value: object) -> object:
        if isinstance(value, str) and value.startswith("="):  # openpyxl would make it a formula
            cell = WriteOnlyCell(found, value)
            cell.data_type = "s"
            return cell
        return value

    data = sheet(DATA_SHEET, HEADER, [max(WIDTHS.get(n, 0), len(n) + 4) for n in HEADER])
    count = 0
    for row in rows(report, labels):
        values = [text(data, v) for v in row]
        if isinstance(mean_value := row[MEAN], float):
            mean = WriteOnlyCell(data, mean_value)
            mean.number_format = "0.00"
            values[MEAN] = mean
        data.append(values)
        count += 1
    data.auto_filter.ref = f"A1:{get_column_letter(len(HEADER))}{count + 1}"
    entries = codebook(report, labels)
    book_sheet = sheet(CODEBOOK_SHEET, ("kolom", "code", "betekenis"), [24, 36, 100])
    book_sheet.auto_filter.ref = f"A1:C{len(entries) + 1}"
    for entry in entries:
        book_sheet.append([text(book_sheet, v) for v in entry])
    book.save(out)


def _bold(cell: Any, font: Any) -> Any:
    cell.font = font
    return cell


# Below this viewport width the page shows the phone size; above, the wide one at its width.
PHONE_BELOW_PX = charts.WIDE.width + 40
# Below this viewport width each table row is a card: twelve columns need about 1,100 px.
CARDS_BELOW_PX = 1200


@dataclass(frozen=True)
class Chart:
    """One chart in both sizes, as base64 PNG: the page picks the one that fits the screen."""

    wide: str
    phone: str
    phone_below_px: int = PHONE_BELOW_PX


def write_html(report: HrReport, dialogue: Dialogue, out: Path) -> None:
    locale = dialogue.locale(None)
    words = locale.messages
    layers = phase_layers(dialogue)
    factors = dialogue.model("eigen_regie").dimensions
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    # The heatmap shows the newest round that has figures to show.
    latest = max((c.wave for c in report.cells if c.kind == "team"), default=None)

    def both(draw: Callable[[ChartSize], bytes]) -> Chart:
        return Chart(_base64(draw(charts.WIDE)), _base64(draw(charts.PHONE)))

    page = env.get_template("hr.html.j2").render(
        t=locale,
        report=report,
        layers=layers,
        factors=factors,
        latest=latest,
        dialogue=dialogue,
        heading=words["report_heading"].format(organisation=report.organisation),
        period=_period(report, words),
        dates={wave: _dates(report, wave, words) for wave in report.waves},
        made=_shown_day(utcnow()),
        phone_below_px=PHONE_BELOW_PX,
        cards_below_px=CARDS_BELOW_PX,
        heatmap=both(lambda size: _heatmap(report, layers, words, latest, size))
        if latest
        else None,
        path_grid=both(lambda size: _path_grid(report, dialogue, latest, size)) if latest else None,
        trend=both(lambda size: _trend(report, layers, words, size)) if report.cells else None,
        profile=both(
            lambda size: _profile(report, factors, locale.factors, words["report_wave"], size)
        )
        if report.cells
        else None,
    )
    out.write_text(page, encoding="utf-8")


def _shown_day(moment: datetime | None) -> str:
    found = day(moment)
    return found.strftime("%d-%m-%Y") if found else "?"


def _dates(report: HrReport, wave: int, words: dict[str, str]) -> str:
    start, end = report.round_dates.get(wave, (None, None))
    if start is None and end is None:
        return ""
    return words["report_round_dates"].format(start=_shown_day(start), end=_shown_day(end))


def _period(report: HrReport, words: dict[str, str]) -> str:
    """The rounds the report holds and their dates, for the title: 'Ronde 1–2, van … tot …'."""
    if not report.waves:
        return ""
    first, last = report.waves[0], report.waves[-1]
    rounds = f"{words['report_wave']} {first}" + (f"–{last}" if last != first else "")
    start = report.round_dates.get(first, (None, None))[0]
    end = report.round_dates.get(last, (None, None))[1]
    if start is None and end is None:
        return rounds
    span = words["report_round_dates"].format(start=_shown_day(start), end=_shown_day(end))
    return f"{rounds}, {span}"


def write(
    report: HrReport, dialogue: Dialogue, fmt: str, out: Path, *, dialect: str = "nl"
) -> None:
    if fmt == "csv":
        write_csv(report, dialogue, out, dialect)
    elif fmt == "xlsx":
        write_xlsx(report, dialogue, out)
    else:
        write_html(report, dialogue, out)


def _heatmap(
    report: HrReport, layers: list[str], words: dict[str, str], wave: int, size: ChartSize
) -> bytes:
    """Phases per team (rows) and layer (columns); hidden cells say so."""
    return charts.draw_heatmap(
        columns=[words[f"report_layer_{layer}"] for layer in layers],
        rows=[
            Series(
                g.group or words["report_no_team"],
                [report.cell("team", g.key, g.wave, "groeimodel", layer) for layer in layers],
            )
            for g in report.groups_of("team", wave)
        ],
        hidden_label=words["report_hidden"],
        size=size,
    )


def _path_grid(report: HrReport, dialogue: Dialogue, wave: int, size: ChartSize) -> bytes:
    """How many shown teams stand at each of the 12 positions (rings × steps); ★ is everyone."""
    locale = dialogue.locale(None)
    rings = [band.ring for band in dialogue.scoring.path.rings]
    processes = [p.process for p in dialogue.scoring.path.processes]
    counts = [[0] * len(processes) for _ in rings]
    for group in report.groups_of("team", wave):
        place = report.path(dialogue, "team", group.key, group.wave)
        if group.people is not None and place.ring and place.process:
            counts[rings.index(place.ring)][processes.index(place.process)] += 1
    everyone = report.path(dialogue, "all", "", wave)
    return charts.draw_path_grid(
        columns=[locale.processes[p].name for p in processes],
        rows=[locale.rings[r].name for r in rings],
        counts=counts,
        everyone=(rings.index(everyone.ring), processes.index(everyone.process))
        if everyone.ring and everyone.process
        else None,
        size=size,
    )


def _trend(report: HrReport, layers: list[str], words: dict[str, str], size: ChartSize) -> bytes:
    """The phase of everyone per layer over the rounds; layers without a figure are left out."""
    series = [
        Series(
            words[f"report_layer_{layer}"],
            [report.cell("all", "", wave, "groeimodel", layer) for wave in report.waves],
        )
        for layer in layers
    ]
    return charts.draw_trend(
        waves=report.waves,
        series=[s for s in series if any(v is not None for v in s.values)],
        wave_label=words["report_wave"],
        size=size,
    )


def _profile(
    report: HrReport, factors: list[str], names: dict[str, str], wave_word: str, size: ChartSize
) -> bytes:
    """Eigen regie of everyone: per factor, one bar per round."""
    return charts.draw_profile(
        factors=[names[f] for f in factors],
        waves=[
            Series(
                f"{wave_word} {wave}",
                [report.cell("all", "", wave, "eigen_regie", f) for f in factors],
            )
            for wave in report.waves
        ],
        size=size,
    )


def _base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")
