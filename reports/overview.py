"""A short HR overview for the chat: the latest round, everyone together, and team counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialogues.loader import Dialogue
from reports.hr import build_report, phase_layers
from statemachine import Reply


class HrOverview:
    """Builds the overview; who may ask is checked by the caller on every call."""

    def __init__(self, engine: Engine, dialogue: Dialogue, min_group: int) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.min_group = min_group

    def reply(self, organisation: str) -> Reply:
        with Session(self.engine) as session:  # a read: it takes no write lock
            report = build_report(session, min_group=self.min_group, organisation=organisation)
        shown = [g for g in report.groups if g.kind == "all" and g.people is not None]
        if not shown:
            return Reply("message", {"key": "report_no_data", "actions": []})
        everyone = shown[-1]
        wave = everyone.wave
        teams = report.groups_of("team", wave)
        data: dict[str, Any] = {
            "wave": wave,
            "people": everyone.people,
            "phases": {
                layer: report.cell("all", "", wave, "groeimodel", layer)
                for layer in phase_layers(self.dialogue)
            },
            "factors": {
                factor: report.cell("all", "", wave, "eigen_regie", factor)
                for factor in self.dialogue.model("eigen_regie").dimensions
            },
            "teams_shown": sum(1 for g in teams if g.people is not None),
            "teams_hidden": sum(1 for g in teams if g.people is None),
            "min_group": self.min_group,
            "organisation": report.organisation,
        }
        return Reply("hr_overview", data)
