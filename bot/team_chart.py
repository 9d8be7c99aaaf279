"""The team's picture as a PNG: average phase per layer and eigen regie, for a phone screen."""

from __future__ import annotations

from typing import Any

from dialogues.schema import Locale
from placement.chart import ChartFactor, ChartFactors, ChartLadder, ChartLayer, draw_scan_chart


def team_chart(data: dict[str, Any], locale: Locale) -> bytes:
    """Draws a 'team_result' reply's data: each layer at its average phase, rounded."""
    words = locale.messages
    layers = [
        ChartLayer(
            label=words[f"report_layer_{layer}"],
            phase=round(row["mean"]) if row["mean"] is not None else None,
        )
        for layer, row in data["phases"].items()
    ]
    factors = [
        ChartFactor(label=locale.factors[factor], score=mean)
        for factor, mean in data["factors"].items()
    ]
    return draw_scan_chart(
        ladder=ChartLadder(
            title=words["team_chart_phases"],
            phases=[locale.phases[p] for p in sorted(locale.phases)],
            layers=layers,
            unknown_label=words["phase_unknown"],
        ),
        factors=ChartFactors(
            title=words["team_chart_factors"],
            factors=factors,
            unknown_label=words["phase_unknown"],
            strongest_label="",
            weakest_label="",
        ),
        title=words["team_chart_title"].format(team=data["team"].name, wave=data["team"].wave),
    )
