"""Pictures for the chat: a respondent's placement and a team's averages, as phone-sized PNGs."""

from __future__ import annotations

from typing import Any

from dialogues.schema import Locale
from placement import Placement
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
            unknown_label=words["chart_unknown"],
        ),
        factors=ChartFactors(
            title=words["team_chart_factors"],
            factors=factors,
            unknown_label=words["chart_unknown"],
            strongest_label="",
            weakest_label="",
        ),
        title=words["team_chart_title"].format(team=data["team"].name, wave=data["wave"]),
    )


def summary_chart(placement: Placement, locale: Locale) -> bytes:
    """Draws where the respondent stands: the phase per layer, and the five factors."""
    words = locale.messages
    layers = [
        ChartLayer(label=locale.layers[layer], phase=phase, own=layer == placement.own_layer)
        for layer, phase in placement.phases.items()
    ]
    regie = placement.regie  # marks every strong and weak factor; about equal marks none
    factors = [
        ChartFactor(
            label=locale.factors[factor],
            score=score,
            strongest=regie is not None and factor in regie.strong,
            weakest=regie is not None and factor in regie.weak,
        )
        for factor, score in placement.factors.items()
    ]
    return draw_scan_chart(
        ladder=ChartLadder(
            title=words["chart_phases"],
            phases=[locale.phases[p] for p in sorted(locale.phases)],
            layers=layers,
            unknown_label=words["phase_unknown"],
            steps=[words["chart_step"].format(n=p) for p in sorted(locale.phases)],
        ),
        factors=ChartFactors(
            title=words["chart_factors"],
            factors=factors,
            unknown_label=words["phase_unknown"],
            strongest_label=words["chart_strongest"],
            weakest_label=words["chart_weakest"],
        ),
        title=words["chart_title"],
    )
