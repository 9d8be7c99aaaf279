"""The HR report as CSV, Excel or one self-contained HTML page with charts."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from dialogues.loader import Dialogue
from reports import charts
from reports.charts import Series
from reports.hr import HrReport, phase_layers
from storage.names import clean_name
from storage.report_queries import Cell, GroupId

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "csv", "xlsx")
# groep_id: a team's id, so two teams with one name (in two organisations) stay apart.
HEADER = (
    "groep_soort",
    "groep",
    "groep_id",
    "ronde",
    "mensen",
    "model",
    "dimensie",
    "gemiddelde",
)
# A cell starting with one of these is read as a formula by Excel and LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """A name as a spreadsheet shows it: hidden characters gone, never a formula."""
    shown = clean_name(value)
    return f"'{shown}" if shown.startswith(FORMULA_STARTS) else shown


def rows(report: HrReport) -> Iterator[tuple[str, str, str, int, str, str, str, str]]:
    """One row per shown cell; hidden groups appear with their size hidden and no figures."""
    by_group: dict[tuple[str, GroupId, int], list[Cell]] = {}
    for c in report.cells:  # once, rather than every cell for every group
        by_group.setdefault((c.kind, c.key, c.wave), []).append(c)
    for group in report.groups:
        people = str(group.people) if group.people is not None else "verborgen"
        cells = by_group.get((group.kind, group.key, group.wave), [])
        name = as_text(group.group)
        team_id = str(group.team_id) if group.team_id is not None else ""
        first = (group.kind, name, team_id, group.wave, people)
        if not cells:
            yield *first, "", "", ""
        for c in sorted(cells, key=lambda c: (c.model, c.dimension)):
            yield *first, c.model, c.dimension, f"{c.mean:.2f}"


def write_csv(report: HrReport, out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")  # Dutch Excel opens ; separated files
        writer.writerow(HEADER)
        writer.writerows(rows(report))


def write_xlsx(report: HrReport, out: Path) -> None:
    from openpyxl import Workbook  # imported here: only this export needs it

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cijfers"
    sheet.append(HEADER)
    for group_kind, group, team_id, wave, people, model, dimension, mean in rows(report):
        sheet.append(
            [
                group_kind,
                group,
                int(team_id) if team_id else None,
                wave,
                people,
                model,
                dimension,
                float(mean) if mean else None,
            ]
        )
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl reads any text starting with = as a formula
                cell.data_type = "s"
    book.save(out)


def write_html(report: HrReport, dialogue: Dialogue, out: Path) -> None:
    locale = dialogue.locale(None)
    layers = phase_layers(dialogue)
    factors = dialogue.model("eigen_regie").dimensions
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    # The heatmap shows the newest round that has figures to show.
    latest = max((c.wave for c in report.cells if c.kind == "team"), default=None)
    page = env.get_template("hr.html.j2").render(
        t=locale,
        report=report,
        layers=layers,
        factors=factors,
        latest=latest,
        dialogue=dialogue,
        heatmap=_base64(_heatmap(report, layers, locale.messages, latest)) if latest else None,
        path_grid=_base64(_path_grid(report, dialogue, latest)) if latest else None,
        trend=_base64(_trend(report, layers, locale.messages)) if report.cells else None,
        profile=_base64(_profile(report, factors, locale.factors, locale.messages["report_wave"]))
        if report.cells
        else None,
    )
    out.write_text(page, encoding="utf-8")


def write(report: HrReport, dialogue: Dialogue, fmt: str, out: Path) -> None:
    if fmt == "csv":
        write_csv(report, out)
    elif fmt == "xlsx":
        write_xlsx(report, out)
    else:
        write_html(report, dialogue, out)


def _heatmap(report: HrReport, layers: list[str], words: dict[str, str], wave: int) -> bytes:
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
    )


def _path_grid(report: HrReport, dialogue: Dialogue, wave: int) -> bytes:
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
    )


def _trend(report: HrReport, layers: list[str], words: dict[str, str]) -> bytes:
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
    )


def _profile(report: HrReport, factors: list[str], names: dict[str, str], wave_word: str) -> bytes:
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
    )


def _base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")
