"""The HR report as one long table for analysts: a row per group, round and measure.

Shared by the CSV and the Excel export, so both hold the same columns and the same values.
Numbers are numbers; a figure that is not shown is empty, with `verborgen` = 1 beside it, so
a hidden figure is never printed and never mistaken for a zero. A hidden group has one row
(no measure, no size). No row holds a person: groups only, as the report itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialogues.loader import Dialogue
from reports.hr import HrReport, phase_layers
from storage.names import clean_name
from storage.report_queries import Cell, GroupId

# A cell starting with one of these is read as a formula by Excel and LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Dates are the day in the Netherlands, where the rounds are run.
DAY_ZONE = ZoneInfo("Europe/Amsterdam")
KINDS = ("all", "team", "role")

Value = str | int | float | date | None


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "tekst", "geheel getal", "getal", "datum"
    key: str  # the message key that explains the column (report_col_<name>)


COLUMNS = tuple(
    Column(name, kind, f"report_col_{name}")
    for name, kind in (
        ("organisatie_id", "geheel getal"),
        ("organisatie", "tekst"),
        ("ronde", "geheel getal"),
        ("ronde_start", "datum"),
        ("ronde_einde", "datum"),
        ("groep_soort", "tekst"),
        ("groep", "tekst"),
        ("groep_naam", "tekst"),
        ("team_id", "geheel getal"),
        ("team_ronde_gesloten", "datum"),
        ("mensen", "geheel getal"),
        ("model", "tekst"),
        ("model_naam", "tekst"),
        ("dimensie", "tekst"),
        ("dimensie_naam", "tekst"),
        ("gemiddelde", "getal"),
        ("verborgen", "geheel getal"),
    )
)
HEADER = tuple(c.name for c in COLUMNS)
MEAN = HEADER.index("gemiddelde")


def as_text(value: str) -> str:
    """A name as a spreadsheet shows it: hidden characters gone, never a formula."""
    shown = clean_name(value)
    return f"'{shown}" if shown.startswith(FORMULA_STARTS) else shown


def day(moment: datetime | None) -> date | None:
    return moment.astimezone(DAY_ZONE).date() if moment else None


class Labels:
    """Words beside the codes, from the dialogue's texts (Dutch, as the report)."""

    def __init__(self, dialogue: Dialogue) -> None:
        t = dialogue.locale(None)
        words = t.messages
        self.kinds = {kind: words[f"report_kind_{kind}"] for kind in KINDS}
        self.roles = dict(t.questions["rol"].options)
        self.everyone, self.no_team = words["report_everyone"], words["report_no_team"]
        dims: dict[str, dict[str, str]] = {
            "groeimodel": {
                layer: words[f"report_layer_{layer}"] for layer in phase_layers(dialogue)
            },
            "eigen_regie": dict(t.factors),
            "leerstructuur": {p: named.name for p, named in t.processes.items()},
            "randvoorwaarden": {p: named.name for p, named in t.preconditions.items()},
            "leeromgeving": {layer: t.layers[layer] for layer in ("taken", "omgeving")},
        }
        self.dimensions = dims
        self.words = words

    def group(self, kind: str, group: str) -> str:
        if kind == "all":
            return self.everyone
        if kind == "role":
            return self.roles.get(group, group)
        return as_text(group) if group else self.no_team

    def model(self, model: str) -> str:
        return self.words.get(f"report_model_{model}", model)

    def dimension(self, model: str, dimension: str) -> str:
        found = self.dimensions.get(model, {}).get(dimension)
        return found or self.words.get(f"report_dim_{model}_{dimension}", dimension)


def measures(report: HrReport) -> list[tuple[str, str]]:
    """Every measure the report has a figure for, in a fixed order."""
    return sorted({(c.model, c.dimension) for c in report.cells})


def rows(report: HrReport, labels: Labels) -> Iterator[tuple[Value, ...]]:
    """The table's rows, in HEADER's order; hidden figures are None with verborgen = 1."""
    by_group: dict[tuple[str, GroupId, int], dict[tuple[str, str], Cell]] = {}
    for c in report.cells:  # once, rather than every cell for every group
        by_group.setdefault((c.kind, c.key, c.wave), {})[(c.model, c.dimension)] = c
    every = measures(report)
    model_names = {m: labels.model(m) for m, _ in every}
    dim_names = {(m, d): labels.dimension(m, d) for m, d in every}
    order = {kind: n for n, kind in enumerate(KINDS)}
    for group in sorted(report.groups, key=lambda g: (g.wave, order[g.kind])):
        start, end = report.round_dates.get(group.wave, (None, None))
        team_closed = report.team_closed.get((group.team_id, group.wave)) if group.team_id else None
        first: tuple[Value, ...] = (
            report.organisation_id,
            as_text(report.organisation),
            group.wave,
            day(start),
            day(end),
            group.kind,
            as_text(group.group),
            labels.group(group.kind, group.group),
            group.team_id,
            day(team_closed),
            group.people,
        )
        if group.people is None:
            yield *first, None, None, None, None, None, 1
            continue
        cells = by_group.get((group.kind, group.key, group.wave), {})
        for model, dimension in every:
            found = cells.get((model, dimension))
            mean = found.mean if found else None
            names = (model, model_names[model], dimension, dim_names[(model, dimension)])
            yield *first, *names, mean, 0 if mean is not None else 1


def codebook(report: HrReport, labels: Labels) -> list[tuple[str, str, str]]:
    """(column, code, meaning): first every column, then every code and its label."""
    words = labels.words
    book = [(c.name, "", f"{words[c.key]} ({c.kind})") for c in COLUMNS]
    book.append(("", "", words["report_codebook_min_group"].format(min_group=report.min_group)))
    book += [("groep_soort", kind, name) for kind, name in labels.kinds.items()]
    book += [("groep", role, name) for role, name in labels.roles.items()]
    book += [("groep", "", f"{labels.everyone} / {labels.no_team}")]
    every = measures(report)
    book += [("model", m, labels.model(m)) for m in dict.fromkeys(m for m, _ in every)]
    book += [("dimensie", f"{m}.{d}", labels.dimension(m, d)) for m, d in every]
    book += [("verborgen", "0", words["report_code_shown"])]
    book += [("verborgen", "1", words["report_code_hidden"])]
    return book
