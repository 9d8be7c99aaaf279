"""The HR report as CSV, Excel or one self-contained HTML page with charts."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from matplotlib.figure import Figure

from dialogues.loader import Dialogue
from reports.hr import HrReport, phase_layers

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "csv", "xlsx")
HEADER = ("groep_soort", "groep", "ronde", "mensen", "model", "dimensie", "gemiddelde")


def rows(report: HrReport) -> Iterator[tuple[str, str, int, str, str, str, str]]:
    """One row per shown cell; hidden groups appear with their size hidden and no figures."""
    for group in report.groups:
        people = str(group.people) if group.people is not None else "verborgen"
        cells = [
            c
            for c in report.cells
            if (c.kind, c.group, c.wave) == (group.kind, group.group, group.wave)
        ]
        if not cells:
            yield group.kind, group.group, group.wave, people, "", "", ""
        for c in sorted(cells, key=lambda c: (c.model, c.dimension)):
            yield group.kind, group.group, group.wave, people, c.model, c.dimension, f"{c.mean:.2f}"


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
    for group_kind, group, wave, people, model, dimension, mean in rows(report):
        sheet.append(
            [group_kind, group, wave, people, model, dimension, float(mean) if mean else None]
        )
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
        heatmap=_png(_heatmap(report, layers, locale.messages, latest)) if latest else None,
        path_grid=_png(_path_grid(report, dialogue, latest)) if latest else None,
        trend=_png(_trend(report, locale.messages)) if report.cells else None,
        profile=_png(_profile(report, factors, locale.factors, locale.messages["report_wave"]))
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


def _heatmap(
    report: HrReport, layers: list[str], words: dict[str, str], wave: int | None
) -> Figure:
    """Phases per team (rows) and layer (columns); hidden cells stay grey and empty."""
    teams = [g for g in report.groups_of("team", wave or 0)]
    figure = Figure(figsize=(8, 1.2 + 0.5 * max(len(teams), 1)), dpi=100)
    axes = figure.subplots()
    values = [
        [report.cell("team", g.group, g.wave, "groeimodel", layer) for layer in layers]
        for g in teams
    ]
    grid = [[v if v is not None else float("nan") for v in row] for row in values] or [
        [float("nan")]
    ]
    image = axes.imshow(grid, cmap="viridis", vmin=1, vmax=5, aspect="auto")
    axes.set_xticks(range(len(layers)), [words[f"report_layer_{layer}"] for layer in layers])
    axes.set_yticks(range(len(teams)), [g.group or words["report_no_team"] for g in teams])
    for y, row in enumerate(values):
        for x, value in enumerate(row):
            text = f"{value:.1f}".replace(".", ",") if value is not None else words["report_hidden"]
            axes.text(x, y, text, ha="center", va="center", color="white" if value else "black")
    figure.colorbar(image, ax=axes)
    figure.tight_layout()
    return figure


def _path_grid(report: HrReport, dialogue: Dialogue, wave: int | None) -> Figure:
    """How many shown teams stand at each of the 12 positions (rings × steps); ★ is everyone."""
    locale = dialogue.locale(None)
    rings = [band.ring for band in dialogue.scoring.path.rings]
    processes = [p.process for p in dialogue.scoring.path.processes]
    counts = [[0] * len(processes) for _ in rings]
    for group in report.groups_of("team", wave or 0):
        place = report.path(dialogue, "team", group.group, group.wave)
        if group.people is not None and place.ring and place.process:
            counts[rings.index(place.ring)][processes.index(place.process)] += 1
    everyone = report.path(dialogue, "all", "", wave or 0)
    figure = Figure(figsize=(8, 3), dpi=100)
    axes = figure.subplots()
    axes.imshow(counts, cmap="Blues", aspect="auto")
    axes.set_xticks(range(len(processes)), [locale.processes[p].name for p in processes])
    axes.set_yticks(range(len(rings)), [locale.rings[r].name for r in rings])
    for y, row in enumerate(counts):
        for x, count in enumerate(row):
            here = (everyone.ring, everyone.process) == (rings[y], processes[x])
            axes.text(x, y, f"{count}{' ★' if here else ''}", ha="center", va="center")
    figure.tight_layout()
    return figure


def _trend(report: HrReport, words: dict[str, str]) -> Figure:
    figure = Figure(figsize=(8, 3), dpi=100)
    axes = figure.subplots()
    for layer in ("individu", "collegas", "leidinggevende", "hr", "directie"):
        points = [
            (wave, mean)
            for wave in report.waves
            if (mean := report.cell("all", "", wave, "groeimodel", layer)) is not None
        ]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", label=words[f"report_layer_{layer}"])
    axes.set_ylim(1, 5)
    axes.set_xticks(report.waves)
    axes.set_xlabel(words["report_wave"])
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def _profile(report: HrReport, factors: list[str], names: dict[str, str], wave_word: str) -> Figure:
    """Eigen regie of everyone, per round: one group of bars per factor."""
    figure = Figure(figsize=(8, 3), dpi=100)
    axes = figure.subplots()
    width = 0.8 / max(len(report.waves), 1)
    for index, wave in enumerate(report.waves):
        means = [report.cell("all", "", wave, "eigen_regie", f) for f in factors]
        xs = [x + index * width for x in range(len(factors))]
        axes.bar(xs, [m or 0 for m in means], width=width, label=f"{wave_word} {wave}")
    axes.set_xticks([x + width * (len(report.waves) - 1) / 2 for x in range(len(factors))])
    axes.set_xticklabels([names[f] for f in factors])
    axes.set_ylim(0, 5)
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")
