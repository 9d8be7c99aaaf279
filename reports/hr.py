"""The HR report: per team, per role and for everyone, per wave; only figures that are safe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from dialogues.loader import Dialogue
from placement.layers import Imbalance, group_imbalance
from placement.team import GroupPlace, group_place
from reports.anonymity import GroupKey, hidden_groups, hidden_roles_by_crossing, shown_cells
from storage import report_queries, team_queries
from storage.models import as_utc
from storage.report_queries import Cell, GroupId, GroupKind, GroupSize, group_key

ROLE_DIMENSION = "eigen_laag"  # the question that asks from which layer someone answers
# Role values that are also layers others are asked about, and the role of frontline workers.
MANAGING_LAYERS = ("leidinggevende", "hr", "directie")
WORKERS = "medewerker"
Progress = Callable[[str], None]


class UnknownOrganisation(LookupError):
    """The report was asked for an organisation that does not exist."""


@dataclass(frozen=True)
class GroupRow:
    kind: GroupKind
    group: str  # the name shown: a team's name, a role, or "" (everyone, no team)
    wave: int
    people: int | None  # None: fewer than the minimum, or hidden so others stay hidden
    team_id: int | None = None  # a team group's team: two teams may share a name

    @property
    def key(self) -> GroupId:
        """What `HrReport.cell` and `HrReport.path` know the group by."""
        return group_key(self.group, self.team_id)


@dataclass
class HrReport:
    min_group: int
    organisation: str = ""
    waves_closed: int = 0  # the organisation's rounds 1..this are closed; only they show
    organisation_id: int | None = None
    # Per organisation round: (start, end); it starts on its planned first day, else when the
    # one before ended (the first when the organisation was set up), and ends when its last
    # team round closed.
    round_dates: dict[int, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    team_closed: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (team, round)
    groups: list[GroupRow] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    # Cells by (kind, key, wave, model, dimension), rebuilt whenever `cells` is replaced or grows.
    _index: dict[tuple[str, GroupId, int, str, str], Cell] = field(default_factory=dict, repr=False)
    _indexed: tuple[int, int] = field(default=(0, 0), repr=False)

    @property
    def waves(self) -> list[int]:
        return sorted({row.wave for row in self.groups})

    def cell(
        self, kind: GroupKind, group: GroupId, wave: int, model: str, dimension: str
    ) -> float | None:
        """The mean for one cell, or None when it is not shown; `group` is the group's key."""
        if self._indexed != (id(self.cells), len(self.cells)):
            self._index = {(c.kind, c.key, c.wave, c.model, c.dimension): c for c in self.cells}
            self._indexed = (id(self.cells), len(self.cells))
        found = self._index.get((kind, group, wave, model, dimension))
        return found.mean if found else None

    def path(self, dialogue: Dialogue, kind: GroupKind, group: GroupId, wave: int) -> GroupPlace:
        """A group's place on the path, from its shown means (unknown when they are hidden)."""
        measures = [
            *(("eigen_regie", f) for f in dialogue.model("eigen_regie").dimensions),
            *(("leerstructuur", p.process) for p in dialogue.scoring.path.processes),
        ]
        means = {m: self.cell(kind, group, wave, *m) for m in measures}
        return group_place(dialogue, means)

    def perception(self, wave: int) -> list[tuple[str, float | None, float | None]]:
        """Per managing layer: how workers see it, and how that layer rates itself.

        Both on the same item (the mirror: one wording from outside and from inside).
        """
        return [
            (
                layer,
                self.cell("role", WORKERS, wave, "groeimodel", layer),
                self.cell("role", layer, wave, "groeimodel", layer),
            )
            for layer in MANAGING_LAYERS
        ]

    def imbalance(self, dialogue: Dialogue, wave: int) -> Imbalance | None:
        """Imbalance between layers as the workers see them, on their shown group means.

        The team view's rule (placement.layers.group_imbalance), for the organisation: the
        Groeimodel's warning is about the work floor and the layers that steer it.
        """
        rule = dialogue.scoring.phases.imbalance
        layers = [*rule.workfloor, *rule.organisation]
        means = {layer: self.cell("role", WORKERS, wave, "groeimodel", layer) for layer in layers}
        return group_imbalance(rule, means)

    def groups_of(self, kind: GroupKind, wave: int) -> list[GroupRow]:
        return [g for g in self.groups if g.kind == kind and g.wave == wave]


def phase_layers(dialogue: Dialogue) -> list[str]:
    """The layers a phase is asked for, each once, in the order the interview asks them."""
    return list(dict.fromkeys(q.measures for q in dialogue.questions if q.kind == "phase"))


def role_question(dialogue: Dialogue) -> str:
    return next(q.id for q in dialogue.questions if q.measures == ROLE_DIMENSION)


def build_report(
    session: Session,
    *,
    min_group: int,
    organisation: str,
    team: str | None = None,
    wave: int | None = None,
    progress: Progress = lambda _step: None,
) -> HrReport:
    """Collects one organisation's closed rounds, hides what must stay hidden, then filters.

    One rule for every scope: small groups are hidden, then as many more as it takes so that
    no shown figure minus others (another team, a role, everyone) leaves fewer than the
    minimum; the figures are frozen with their rounds, so two moments never differ by one
    person; and no figure spans two organisations. The filters come last: hiding is decided
    over the whole, so a filtered report never shows what the full one hides.
    """
    found = team_queries.organisation_named(session, name=organisation)
    if found is None:
        raise UnknownOrganisation(organisation)
    organisation_id = found.id or 0
    report = HrReport(
        min_group=min_group,
        organisation=found.name,
        waves_closed=found.wave - 1,
        organisation_id=organisation_id,
    )
    closings = report_queries.round_closings(session, organisation_id=organisation_id)
    report.team_closed = {(team_id, wave): closed for team_id, wave, closed in closings}
    starts = report_queries.planned_starts(session, organisation_id=organisation_id)
    report.round_dates = _round_dates(found.created_at, found.wave - 1, closings, starts)
    progress("roles and totals")
    role_cells, totals = report_queries.role_and_total_cells(
        session, min_group=min_group, organisation_id=organisation_id
    )
    report.cells.extend(c for c in totals if c.mean is not None)
    sizes = {
        kind: report_queries.group_sizes(session, kind=kind, organisation_id=organisation_id)
        for kind in ("all", "team", "role")
    }
    everyone = {size.wave: size.people for size in sizes["all"]}
    report.groups.extend(_rows(sizes["all"], min_group, hidden=set()))
    progress("teams")
    team_cells = report_queries.team_cells(
        session, min_group=min_group, organisation_id=organisation_id
    )
    hidden = hidden_groups(sizes["team"], min_group, everyone)
    hidden |= hidden_groups(sizes["role"], min_group, everyone)
    crossings = report_queries.crossings(session, organisation_id=organisation_id)
    hidden = hidden_roles_by_crossing(sizes["team"], sizes["role"], crossings, hidden, min_group)
    for kind, group_cells in (("team", team_cells), ("role", role_cells)):
        report.groups.extend(_rows(sizes[kind], min_group, hidden))
        report.cells.extend(shown_cells(group_cells, hidden, totals, min_group))
    if team is not None:  # by name: every team of that name, each its own group
        report.groups = [g for g in report.groups if g.kind != "team" or g.group == team]
        report.cells = [c for c in report.cells if c.kind != "team" or c.group == team]
    if wave is not None:
        report.groups = [g for g in report.groups if g.wave == wave]
        report.cells = [c for c in report.cells if c.wave == wave]
    return report


def _rows(sizes: list[GroupSize], min_group: int, hidden: set[GroupKey]) -> list[GroupRow]:
    return [
        GroupRow(
            s.kind,
            s.group,
            s.wave,
            None if s.people < min_group or (s.key, s.wave) in hidden else s.people,
            s.team_id,
        )
        for s in sorted(sizes, key=lambda s: (s.wave, s.group, s.team_id or 0))
    ]


def _round_dates(
    created: datetime,
    closed_rounds: int,
    closings: list[tuple[int, int, datetime]],
    planned_starts: dict[int, datetime],
) -> dict[int, tuple[datetime | None, datetime | None]]:
    ends: dict[int, datetime] = {}
    for _team, wave, closed in closings:
        ends[wave] = max(closed, ends.get(wave, closed))
    dates: dict[int, tuple[datetime | None, datetime | None]] = {}
    start: datetime | None = as_utc(created)
    for wave in range(1, closed_rounds + 1):
        dates[wave] = (planned_starts.get(wave, start), ends.get(wave))
        start = ends.get(wave)
    return dates
