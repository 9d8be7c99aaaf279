"""The HR report's charts as PNG bytes: phases per team, teams on the path, trend, eigen regie.

Pure functions of plain data, like the scan picture (placement/chart.py), and drawn with its
painter, fonts (DejaVu Sans) and Okabe-Ito colours, so HR sees the same visual language as the
people who took the scan. Every word comes from the caller; labels typed by people (team names)
are drawn as plain text, on one line, cut with '…' when they do not fit.

Each chart comes in two sizes (ChartSize): WIDE, 900 px with text of 14 px and more, for a
laptop that shows it at its own width; PHONE, 560 px with text of 18 px and more, for a phone
that shrinks it to the screen (358 CSS px at 390: text of 11.5 px). A value that is hidden or
unknown is drawn as such (dashed, or '–'), never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from placement.chart import (
    BLUE,
    GREEN,
    INK,
    MUTED,
    SCALE_MAX,
    SCALE_MIN,
    TRACK,
    VERMILLION,
    Font,
    Painter,
    text_width,
    truncate,
    wrap,
)

WIDTH_PX = 900

_MARGIN = 24
_GAP = 6.0
# Series colours from Okabe-Ito; orange and sky blue, faint on white, only from the sixth on.
_PALETTE = (BLUE, VERMILLION, GREEN, "#CC79A7", INK, "#E69F00", "#56B4E9")
# A value's cell, from light (the scale's lowest) through Okabe-Ito sky blue to dark blue.
_SHADES = ((0xDC, 0xEA, 0xF5), (0x56, 0xB4, 0xE9), (0x00, 0x4E, 0x7A))


@dataclass(frozen=True)
class ChartSize:
    """A chart's width in pixels and its font sizes: each size is drawn for where it is shown."""

    width: int
    label_px: int
    small_px: int

    @property
    def right(self) -> int:
        return self.width - _MARGIN

    @property
    def label(self) -> Font:
        return Font(self.label_px)

    @property
    def small(self) -> Font:
        return Font(self.small_px)

    @property
    def hidden(self) -> Font:
        return Font(self.small_px, italic=True)

    @property
    def smallest_px(self) -> int:
        """The smallest text on the chart, in the chart's own pixels."""
        return min(self.label_px, self.small_px)


# A laptop shows the chart at its own width (900 CSS px): text of 14 px and more.
WIDE = ChartSize(WIDTH_PX, 16, 14)
# A phone shows it across the screen (358 CSS px at 390): 18 px drawn is 11.5 px shown.
PHONE = ChartSize(560, 20, 18)


@dataclass(frozen=True)
class Series:
    """A label and its values, in the chart's order; None where a value is hidden or unknown."""

    label: str
    values: Sequence[float | None]


def draw_heatmap(
    *,
    columns: Sequence[str],
    rows: Sequence[Series],
    hidden_label: str,
    size: ChartSize = WIDE,
) -> bytes:
    """A grid of phases (1-5): one row per group, one column per layer, a legend below.

    A row's values are in the columns' order; a hidden value is a dashed cell with hidden_label.
    """
    grid = _Grid.layout([row.label for row in rows], columns, footer=48, size=size)
    p = Painter(size.width, grid.height)
    grid.draw_labels(p)
    for r, row in enumerate(rows):
        for c in range(len(columns)):
            value = _known(row.values[c]) if c < len(row.values) else None
            x, y, w, h = grid.cell(r, c)
            if value is None:
                p.box(x, y, w, h, face="white", dashed=True)
                hidden = truncate(hidden_label, size.hidden, w - 8)
                p.text(x + w / 2, y + h / 2, hidden, size.hidden, color=MUTED, ha="center")
                continue
            face = _shade((value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN))
            p.box(x, y, w, h, face=face)
            p.text(
                x + w / 2, y + h / 2, _decimal(value), size.label, color=_ink_on(face), ha="center"
            )
    # The scale: a swatch per whole phase, its number on it.
    y = grid.bottom + 18
    for step in range(SCALE_MIN, SCALE_MAX + 1):
        face = _shade((step - SCALE_MIN) / (SCALE_MAX - SCALE_MIN))
        x = grid.left + (step - SCALE_MIN) * 44
        p.box(x, y, 40, 24, face=face, radius=4)
        p.text(x + 20, y + 12, str(step), size.small, color=_ink_on(face), ha="center")
    return p.png()


def draw_path_grid(
    *,
    columns: Sequence[str],
    rows: Sequence[str],
    counts: Sequence[Sequence[int]],
    everyone: tuple[int, int] | None,
    size: ChartSize = WIDE,
) -> bytes:
    """How many groups stand at each place (rows × columns); everyone's place is marked ★.

    `everyone` is (row, column) of everyone's place, or None when it is unknown.
    """
    grid = _Grid.layout(rows, columns, footer=0, size=size)
    p = Painter(size.width, grid.height)
    grid.draw_labels(p)
    most = max((n for line in counts for n in line), default=0)
    for r in range(len(rows)):
        for c in range(len(columns)):
            count = counts[r][c] if r < len(counts) and c < len(counts[r]) else 0
            x, y, w, h = grid.cell(r, c)
            here = everyone == (r, c)
            if here:  # a vermillion ring around the cell
                p.box(x - 3, y - 3, w + 6, h + 6, face=VERMILLION, radius=8)
            face = _shade(count / most) if count else TRACK
            p.box(x, y, w, h, face=face)
            words = f"{count} ★" if here else str(count)
            bold = Font(size.label.px, bold=here)
            p.text(x + w / 2, y + h / 2, words, bold, color=_ink_on(face), ha="center")
    return p.png()


def draw_trend(
    *,
    waves: Sequence[int],
    series: Sequence[Series],
    wave_label: str,
    size: ChartSize = WIDE,
) -> bytes:
    """One line per series over the waves on the 1-5 scale; a legend above, the waves below.

    A series' values are in the waves' order; a line joins the known ones.
    """
    legend = _Legend.layout([s.label for s in series], size)
    top = _MARGIN + legend.height + 16
    plot_h = 220.0
    left, right = _MARGIN + 24, size.right - 8
    height = math.ceil(top + plot_h + 12 + size.small.px * 1.3 + 6 + size.small.px * 1.3 + _MARGIN)
    p = Painter(size.width, height)
    legend.draw(p, _MARGIN, lambda x, y, i: _marker(p, i, x + 11, y, 6, _colour(i), line=True))

    def y_of(value: float) -> float:
        value = min(max(value, SCALE_MIN), SCALE_MAX)
        return top + plot_h * (SCALE_MAX - value) / (SCALE_MAX - SCALE_MIN)

    for step in range(SCALE_MIN, SCALE_MAX + 1):
        p.line((left, y_of(step)), (right, y_of(step)), TRACK, width=1.5)
        p.text(left - 10, y_of(step), str(step), size.small, color=MUTED, ha="right")
    pad = 40.0
    spacing = (right - left - 2 * pad) / (len(waves) - 1) if len(waves) > 1 else 0.0

    def x_of(index: int) -> float:
        return left + pad + index * spacing if len(waves) > 1 else (left + right) / 2

    # Label every wave, or every n-th when there are too many to read.
    widest = max((text_width(str(w), size.small) for w in waves), default=0.0)
    every = max(1, math.ceil((widest + 12) / spacing)) if spacing else 1
    ticks_y = top + plot_h + 12
    for i, wave in enumerate(waves):
        if i % every == 0:
            p.text(x_of(i), ticks_y, str(wave), size.small, color=MUTED, ha="center", va="top")
    label = truncate(wave_label, size.small, right - left)
    p.text(
        (left + right) / 2,
        ticks_y + size.small.px * 1.3 + 6,
        label,
        size.small,
        color=MUTED,
        ha="center",
        va="top",
    )
    # Series side by side around each wave, so equal values do not hide each other.
    shift = min(13.0, spacing * 0.5 / max(len(series) - 1, 1)) if spacing else 13.0
    for i, line in enumerate(series):
        dodge = (i - (len(series) - 1) / 2) * shift
        points = [
            (x_of(n) + dodge, y_of(value))
            for n, raw in enumerate(line.values[: len(waves)])
            if (value := _known(raw)) is not None
        ]
        if len(points) > 1:
            p.polyline(points, _colour(i), width=3)
        for x, y in points:
            _marker(p, i, x, y, 6, _colour(i))
    return p.png()


def draw_profile(
    *, factors: Sequence[str], waves: Sequence[Series], size: ChartSize = WIDE
) -> bytes:
    """Per factor, one bar per wave on the 1-5 scale, its score beside it; a legend above.

    A wave's values are in the factors' order; an unknown one is a dashed bar and '–'.
    """
    legend = _Legend.layout([w.label for w in waves], size)
    bar_h, bar_gap, label_h, block_gap = 16.0, 6.0, 26.0, 14.0
    block = label_h + len(waves) * (bar_h + bar_gap) + block_gap
    top = _MARGIN + legend.height + 16
    height = math.ceil(top + block * len(factors) + size.small.px * 1.3 + _MARGIN)
    p = Painter(size.width, height)
    legend.draw(p, _MARGIN, lambda x, y, i: p.box(x, y - 8, 16, 16, face=_colour(i), radius=3))
    value_w = 52.0
    track_w = size.right - _MARGIN - value_w
    unit = track_w / SCALE_MAX
    y = top
    for f, name in enumerate(factors):
        p.text(
            _MARGIN,
            y + label_h / 2 - 2,
            truncate(name, size.label, size.right - _MARGIN),
            size.label,
        )
        bar_y = y + label_h
        for i, wave in enumerate(waves):
            score = _known(wave.values[f]) if f < len(wave.values) else None
            if score is None:
                p.box(_MARGIN, bar_y, track_w, bar_h, face="white", dashed=True)
                p.text(size.right, bar_y + bar_h / 2, "–", size.label, color=MUTED, ha="right")
            else:
                p.box(_MARGIN, bar_y, track_w, bar_h, face=TRACK, radius=4)
                filled = unit * min(max(score, 0.0), SCALE_MAX)
                p.box(_MARGIN, bar_y, filled, bar_h, face=_colour(i), radius=4)
                for step in range(1, SCALE_MAX):
                    x = _MARGIN + unit * step
                    p.line((x, bar_y), (x, bar_y + bar_h), "white", width=2)
                p.text(size.right, bar_y + bar_h / 2, _decimal(score), size.label, ha="right")
            bar_y += bar_h + bar_gap
        y += block
    for step in range(SCALE_MIN, SCALE_MAX + 1):
        ha = "center" if step < SCALE_MAX else "right"
        p.text(
            _MARGIN + unit * step,
            y - block_gap + 4,
            str(step),
            size.small,
            color=MUTED,
            ha=ha,
            va="top",
        )
    return p.png()


@dataclass(frozen=True)
class _Grid:
    """Where a grid's parts go: row labels, column names on top, cells.

    Wide, a row's label is on its left. Narrow (a phone), a label beside the cells would leave
    room for a few letters only: each label gets a line of its own above its row's cells, and
    the cells the whole width.
    """

    labels: list[str]
    header: list[list[str]]
    left: float
    cell_w: float
    header_h: float
    rows: int
    footer: float
    size: ChartSize
    stacked: bool

    _TOP = float(_MARGIN)
    _PITCH = 46.0
    _CELL_H = 38.0
    _HEADER_LINES = 3

    @classmethod
    def layout(
        cls, rows: Sequence[str], columns: Sequence[str], *, footer: float, size: ChartSize
    ) -> _Grid:
        stacked = size.width < WIDE.width
        label_max = size.right - _MARGIN if stacked else size.width * 0.25
        labels = [truncate(label, size.label, label_max) for label in rows]
        label_w = max((text_width(label, size.label) for label in labels), default=0.0)
        left = float(_MARGIN) if stacked else _MARGIN + max(label_w, 60.0) + 14
        cell_w = (size.right - left - _GAP * (len(columns) - 1)) / max(len(columns), 1)
        header = [
            wrap(name, size.small, cell_w, cls._HEADER_LINES, split_words=True) for name in columns
        ]
        lines = max((len(h) for h in header), default=1)
        header_h = size.small.px * 1.25 * lines
        return cls(labels, header, left, cell_w, header_h, len(rows), footer, size, stacked)

    @property
    def label_h(self) -> float:
        """Room for a row's label above its cells (stacked only)."""
        return self.size.label.px * 1.4 if self.stacked else 0.0

    @property
    def pitch(self) -> float:
        return self._PITCH + self.label_h

    @property
    def first_row(self) -> float:
        return self._TOP + self.header_h + 10

    @property
    def bottom(self) -> float:
        return self.first_row + self.pitch * self.rows

    @property
    def height(self) -> int:
        return math.ceil(self.bottom + self.footer + _MARGIN)

    def cell(self, row: int, column: int) -> tuple[float, float, float, float]:
        """x, y, width and height of one cell."""
        x = self.left + column * (self.cell_w + _GAP)
        return x, self.first_row + row * self.pitch + self.label_h, self.cell_w, self._CELL_H

    def draw_labels(self, p: Painter) -> None:
        for c, lines in enumerate(self.header):
            x = self.left + c * (self.cell_w + _GAP) + self.cell_w / 2
            bottom = self.first_row - 8
            small = self.size.small
            p.text(x, bottom, "\n".join(lines), small, color=MUTED, ha="center", va="bottom")
        for r, label in enumerate(self.labels):
            top = self.first_row + r * self.pitch
            if self.stacked:
                p.text(_MARGIN, top + self.label_h / 2 - 4, label, self.size.label)
            else:
                p.text(_MARGIN, top + self._CELL_H / 2, label, self.size.label)


@dataclass(frozen=True)
class _Legend:
    """Swatches with their labels, flowed into lines across the chart's width."""

    lines: list[list[tuple[int, float, str]]]  # (series index, x offset, label) per line
    size: ChartSize

    _LINE_H = 26.0
    _SWATCH_W = 22.0

    @classmethod
    def layout(cls, labels: Sequence[str], size: ChartSize) -> _Legend:
        room = size.right - _MARGIN
        lines: list[list[tuple[int, float, str]]] = [[]]
        x = 0.0
        for i, label in enumerate(labels):
            text = truncate(label, size.small, room * 0.45)
            w = cls._SWATCH_W + 6 + text_width(text, size.small)
            if lines[-1] and x + w > room:
                lines.append([])
                x = 0.0
            lines[-1].append((i, x, text))
            x += w + 22
        return cls([line for line in lines if line], size)

    @property
    def height(self) -> float:
        return self._LINE_H * len(self.lines)

    def draw(self, p: Painter, top: float, swatch: Callable[[float, float, int], None]) -> None:
        for n, line in enumerate(self.lines):
            y = top + n * self._LINE_H + self._LINE_H / 2
            for i, x, text in line:
                swatch(_MARGIN + x, y, i)
                p.text(_MARGIN + x + self._SWATCH_W + 6, y, text, self.size.small)


def _marker(
    p: Painter, index: int, x: float, y: float, r: float, color: str, *, line: bool = False
) -> None:
    """A series' point: its own shape as well as its own colour; in the plot on a white halo."""
    if line:  # in the legend: a short stretch of the line through the marker
        p.line((x - 11, y), (x + 11, y), color, width=3)
    for size, fill in ((r, color),) if line else ((r + 2, "white"), (r, color)):
        shape = index % 5
        if shape == 0:
            p.circle(x, y, size, fill)
        elif shape == 1:
            p.polygon(
                [
                    (x - size, y - size),
                    (x + size, y - size),
                    (x + size, y + size),
                    (x - size, y + size),
                ],
                fill,
            )
        elif shape == 2:
            d = size * 1.35
            p.polygon([(x, y - d), (x + d, y), (x, y + d), (x - d, y)], fill)
        elif shape == 3:
            d = size * 1.3
            p.polygon([(x, y - d), (x + d, y + d * 0.75), (x - d, y + d * 0.75)], fill)
        else:
            d = size * 1.3
            p.polygon([(x, y + d), (x + d, y - d * 0.75), (x - d, y - d * 0.75)], fill)


def _colour(index: int) -> str:
    return _PALETTE[index % len(_PALETTE)]


def _known(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _decimal(value: float) -> str:
    """One decimal with a Dutch comma, as in the report's tables."""
    return f"{value:.1f}".replace(".", ",")


def _shade(share: float) -> str:
    """A colour from light (share 0) to dark blue (share 1)."""
    at = min(max(share, 0.0), 1.0) * (len(_SHADES) - 1)
    n = min(int(at), len(_SHADES) - 2)
    low, high = _SHADES[n], _SHADES[n + 1]
    r, g, b = (round(lo + (hi - lo) * (at - n)) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02X}{g:02X}{b:02X}"


def _ink_on(face: str) -> str:
    """White or ink, whichever contrasts more with the face (WCAG's relative luminance)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(face[i : i + 2], 16)) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    ink = 0.0103  # #1A1A1A
    return "white" if 1.05 / (luminance + 0.05) > (luminance + 0.05) / (ink + 0.05) else INK
