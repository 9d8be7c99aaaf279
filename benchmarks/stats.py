"""Percentiles that stay honest when some taps were never answered before the run ended."""

from __future__ import annotations

import math
import statistics


def percentile(answered: list[float], unanswered: list[float], fraction: float) -> str:
    """The percentile in ms over all taps; '>x' when it falls on a tap still waiting at the end.

    An unanswered tap counts with the time it had waited so far, a lower bound.
    """
    values = [(v, False) for v in answered] + [(v, True) for v in unanswered]
    if not values:
        return "-"
    values.sort()
    value, censored = values[min(len(values) - 1, math.ceil(fraction * len(values)) - 1)]
    shown = f"{value * 1000:.0f}" if value < 10 else f"{value:.0f} s"
    return f">{shown}" if censored else shown


def median_or_dash(values: list[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f}" if values else "-"
