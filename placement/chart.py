"""Draws a respondent's scan picture as PNG bytes: phases per layer on top, eigen regie below.

A pure function of plain data; it knows nothing of `Placement` or the dialogue, so every word on
the picture comes from the caller. Drawn with Pillow: the picture is boxes and words at pixel
positions, and Pillow (~4 MB, ~50 ms a picture) draws them without matplotlib's ~40 MB and
~150 ms, which a bot that draws one per finished scan would carry all day. Thread-safe: each
call has its own image, each thread its own font faces. Deterministic: the same input gives the
same bytes (the font is pinned to the DejaVu Sans that ships with matplotlib, a dependency for
the HR report's plots, and the PNG carries no metadata).

The picture is sized for a phone (800 × 1100 px, text at least 22 px, Okabe-Ito colours):
- top: the Groeimodel as a ladder; one row per layer, five steps from the lowest phase (left) to
  the highest (right), filled up to the layer's phase; an unknown phase is an empty, dashed row
  that says so, never a low phase;
- bottom: the five eigen regie factors as bars on a 1-5 scale, strongest and weakest named.
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH_PX = 800
HEIGHT_PX = 1100
DPI = 100
SCALE_MIN = 1
SCALE_MAX = 5

_FONT = "DejaVu Sans"
_MARGIN = 40
_STEP_GAP = 8.0
_RIGHT = WIDTH_PX - _MARGIN

# Okabe-Ito, safe for the common colour-vision deficiencies; each fill also has a text cue.
_INK = "#1A1A1A"
_MUTED = "#4D4D4D"
_TRACK = "#E3E3E3"
_BLUE = "#0072B2"
_VERMILLION = "#D55E00"
_GREEN = "#009E73"
_OWN_BAND = "#FBE9DD"

# Font sizes in pixels at 800 × 1100.
_TITLE_PX = 34
_PANEL_PX = 28
_LABEL_PX = 26
_SMALL_PX = 22


@dataclass(frozen=True, kw_only=True)
class ChartLayer:
    """One layer of the Groeimodel: its label and its phase (1 = lowest), None when unknown."""

    label: str
    phase: int | None
    own: bool = False


@dataclass(frozen=True, kw_only=True)
class ChartLadder:
    """The top panel: phase names lowest first, the layers in display order."""

    title: str
    phases: Sequence[str]
    layers: Sequence[ChartLayer]
    unknown_label: str


@dataclass(frozen=True, kw_only=True)
class ChartFactor:
    """One eigen regie factor: its label and its score on the 1-5 scale, None when unknown."""

    label: str
    score: float | None
    strongest: bool = False
    weakest: bool = False


@dataclass(frozen=True, kw_only=True)
class ChartFactors:
    """The bottom panel: the factors in display order and the words that mark them."""

    title: str
    factors: Sequence[ChartFactor]
    unknown_label: str
    strongest_label: str
    weakest_label: str


@dataclass(frozen=True)
class _Font:
    """A face of DejaVu Sans at a size in pixels."""

    px: float
    bold: bool = False
    italic: bool = False

    @property
    def file(self) -> Path:
        style = ("Bold" if self.bold else "") + ("Oblique" if self.italic else "")
        return _FONT_DIR / (f"DejaVuSans-{style}.ttf" if style else "DejaVuSans.ttf")


def _font(px: float, *, bold: bool = False, italic: bool = False) -> _Font:
    return _Font(px, bold, italic)


def _validate(ladder: ChartLadder, factors: ChartFactors) -> None:
    if not ladder.phases:
        raise ValueError("the ladder needs at least one phase name")
    for layer in ladder.layers:
        if layer.phase is not None and not 1 <= layer.phase <= len(ladder.phases):
            raise ValueError(
                f"layer {layer.label!r}: phase {layer.phase} is not in 1-{len(ladder.phases)}"
            )
    for factor in factors.factors:
        score = factor.score
        if score is not None and not (math.isfinite(score) and SCALE_MIN <= score <= SCALE_MAX):
            raise ValueError(
                f"factor {factor.label!r}: score {score} is not in {SCALE_MIN}-{SCALE_MAX}"
            )


def _font_dir() -> Path:
    """Matplotlib's copy of DejaVu Sans, found without importing matplotlib (~40 MB)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the chart's font (DejaVu Sans) comes with matplotlib: install it")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


_FONT_DIR = _font_dir()
# A FreeType face must not be used by two threads at once: each thread loads its own.
_faces = threading.local()


def _face(font: _Font) -> ImageFont.FreeTypeFont:
    faces: dict[_Font, ImageFont.FreeTypeFont] = _faces.__dict__.setdefault("faces", {})
    face = faces.get(font)
    if face is None:
        face = faces[font] = ImageFont.truetype(str(font.file), size=font.px * _SCALE)
    return face


# Pillow's anchors: horizontal l/m/r, vertical a(scender)/m(iddle)/d(escender).
_HORIZONTAL = {"left": "l", "center": "m", "right": "r"}
_VERTICAL = {"top": "a", "center": "m", "bottom": "d"}
_LINE_SPACING = 1.2
_DASH = (6, 4)  # pixels drawn, pixels skipped
# Drawn at twice the size and scaled down: Pillow's shapes have no anti-aliasing of their own.
_SCALE = 2
# Pillow keeps a picture's pixels in blocks of up to 16 MB: this canvas is one 14 MB block. Once
# glibc has handed one that size back to the system it serves the next from its heap and keeps
# them there (+17 MB after a few pictures). Blocks of 4 MB go back each time (PILLOW_BLOCK_SIZE,
# if set, is the operator's choice).
if "PILLOW_BLOCK_SIZE" not in os.environ:
    Image.core.set_block_size(4 * 1024 * 1024)


class _Painter:
    """Draws in pixel coordinates (x right, y down) on one white 800 × 1100 picture."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH_PX * _SCALE, HEIGHT_PX * _SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)

    def width(self, text: str, font: _Font) -> float:
        return float(_face(font).getlength(text)) / _SCALE

    def truncate(self, text: str, font: _Font, max_w: float) -> str:
        """One line that fits max_w: whitespace (newlines too) collapsed, cut with '…'."""
        text = " ".join(text.split())
        if self.width(text, font) <= max_w:
            return text
        # Start from a generous estimate so a huge label costs few measurements.
        cut = text[: int(max_w / (font.px * 0.3)) + 1]
        while cut and self.width(cut.rstrip() + "…", font) > max_w:
            cut = cut[:-1]
        return cut.rstrip() + "…"

    def wrap(self, text: str, font: _Font, max_w: float, max_lines: int) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if current and self.width(trial, font) > max_w:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :]) + "…"]
        return [self.truncate(line, font, max_w) for line in lines] or [""]

    def text(
        self,
        x: float,
        y: float,
        s: str,
        font: _Font,
        *,
        color: str = _INK,
        ha: str = "left",
        va: str = "center",
    ) -> None:
        """Lines of text; `va` places the block's top, middle or bottom at y."""
        lines = s.split("\n")
        pitch = font.px * _LINE_SPACING
        first = y - {"top": 0.0, "center": 0.5, "bottom": 1.0}[va] * pitch * (len(lines) - 1)
        anchor = _HORIZONTAL[ha] + _VERTICAL[va]
        for n, line in enumerate(lines):
            at = (x * _SCALE, (first + n * pitch) * _SCALE)
            self.draw.text(at, line, font=_face(font), fill=color, anchor=anchor)

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        face: str,
        dashed: bool = False,
        radius: float = 6.0,
    ) -> None:
        """A rounded box; with `dashed`, square with a dashed edge (an empty, unknown bar)."""
        if w <= 0 or h <= 0:
            return
        corners = (x * _SCALE, y * _SCALE, (x + w) * _SCALE, (y + h) * _SCALE)
        if not dashed:
            rounding = min(radius, w / 2, h / 2) * _SCALE
            self.draw.rounded_rectangle(corners, radius=rounding, fill=face)
            return
        self.draw.rectangle(corners, fill=face)
        top_left, top_right, bottom_left = (x, y), (x + w, y), (x, y + h)
        bottom_right = (x + w, y + h)
        for start, end in (
            (top_left, top_right),
            (bottom_left, bottom_right),
            (top_left, bottom_left),
            (top_right, bottom_right),
        ):
            self.dashes(start, end)

    def dashes(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A grey dashed line, 1.5 px wide, from start to end."""
        length = math.dist(start, end)
        on, off = _DASH
        at = 0.0
        while at < length:
            a, b = at / length, min(at + on, length) / length
            self.line(
                (start[0] + (end[0] - start[0]) * a, start[1] + (end[1] - start[1]) * a),
                (start[0] + (end[0] - start[0]) * b, start[1] + (end[1] - start[1]) * b),
                _MUTED,
                width=1.5,
            )
            at += on + off

    def line(
        self, start: tuple[float, float], end: tuple[float, float], color: str, *, width: float
    ) -> None:
        ends = [(start[0] * _SCALE, start[1] * _SCALE), (end[0] * _SCALE, end[1] * _SCALE)]
        self.draw.line(ends, fill=color, width=round(width * _SCALE))

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.reduce(_SCALE).save(buffer, format="PNG")
        return buffer.getvalue()


def _row_label(
    p: _Painter,
    y: float,
    label: str,
    value: str,
    *,
    size: float,
    bold: bool,
    known: bool,
    tail: str = "",
) -> None:
    """The line above a bar: the label on the left, the value (or 'unknown') on the right.

    The tail (a score) is never cut off; the label and the rest of the value are, if need be.
    """
    label, value = " ".join(label.split()), " ".join(value.split())
    value_prop = _font(size, bold=known, italic=not known)
    tail_w = p.width(tail, value_prop) if tail else 0.0
    value_w = min(p.width(value + tail, value_prop), (_RIGHT - _MARGIN) * 0.55)
    value = p.truncate(value, value_prop, value_w - tail_w) + tail if value else tail
    label_prop = _font(size, bold=bold)
    label = p.truncate(label, label_prop, _RIGHT - _MARGIN - value_w - 24)
    p.text(_MARGIN, y, label, label_prop)
    p.text(_RIGHT, y, value, value_prop, color=_INK if known else _MUTED, ha="right")


@dataclass(frozen=True)
class _Row:
    """Where the parts of one row go, relative to its top, for a row pitch in pixels."""

    pitch: float

    @property
    def font(self) -> float:
        return min(_LABEL_PX, self.pitch * 0.34)

    @property
    def label(self) -> float:
        return self.pitch * 0.22

    @property
    def bar(self) -> float:
        return self.pitch * 0.48

    @property
    def bar_h(self) -> float:
        return self.pitch * 0.31


def _draw_header(p: _Painter, names: list[list[str]], top: float, height: float) -> None:
    """The phase names over the ladder's steps, bottom-aligned, lowest phase on the left."""
    step_w = _step_width(len(names))
    for i, lines in enumerate(names):
        x = _MARGIN + i * (step_w + _STEP_GAP) + step_w / 2
        p.text(
            x,
            top + height,
            "\n".join(lines),
            _font(_SMALL_PX),
            color=_MUTED,
            ha="center",
            va="bottom",
        )


def _step_width(steps: int) -> float:
    return (_RIGHT - _MARGIN - _STEP_GAP * (steps - 1)) / steps


def _draw_ladder(p: _Painter, ladder: ChartLadder, top: float, row: _Row) -> None:
    """One row per layer: the label and its phase, then the steps filled up to that phase."""
    steps = len(ladder.phases)
    step_w = _step_width(steps)
    y = top
    for layer in ladder.layers:
        if layer.own:
            p.box(
                _MARGIN - 16,
                y - 7,
                _RIGHT - _MARGIN + 32,
                row.bar + row.bar_h + 14,
                face=_OWN_BAND,
                radius=12,
            )
        _row_label(
            p,
            y + row.label,
            layer.label,
            ladder.phases[layer.phase - 1] if layer.phase is not None else ladder.unknown_label,
            size=row.font,
            bold=layer.own,
            known=layer.phase is not None,
        )
        color = _VERMILLION if layer.own else _BLUE
        for i in range(steps):
            x = _MARGIN + i * (step_w + _STEP_GAP)
            if layer.phase is None:
                p.box(
                    x,
                    y + row.bar,
                    step_w,
                    row.bar_h,
                    face="white",
                    dashed=True,
                )
            else:
                p.box(x, y + row.bar, step_w, row.bar_h, face=color if i < layer.phase else _TRACK)
        y += row.pitch


def _format_score(score: float) -> str:
    text = f"{score:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _draw_factors(p: _Painter, factors: ChartFactors, top: float, row: _Row) -> None:
    """One bar per factor on the 1-5 scale, then the scale's numbers."""
    track_w = _RIGHT - _MARGIN
    unit = track_w / SCALE_MAX
    y = top
    for factor in factors.factors:
        score = factor.score
        tail = ""
        if score is None:
            value, color = factors.unknown_label, _MUTED
        else:
            marks = [
                word
                for word, on in (
                    (factors.strongest_label, factor.strongest),
                    (factors.weakest_label, factor.weakest),
                )
                if on
            ]
            value = " · ".join(marks)
            tail = f" · {_format_score(score)}" if marks else _format_score(score)
            color = _GREEN if factor.strongest else _VERMILLION if factor.weakest else _BLUE
        _row_label(
            p,
            y + row.label,
            factor.label,
            value,
            size=row.font,
            bold=factor.strongest or factor.weakest,
            known=score is not None,
            tail=tail,
        )
        bar_y = y + row.bar
        if score is None:
            p.box(
                _MARGIN,
                bar_y,
                track_w,
                row.bar_h,
                face="white",
                dashed=True,
            )
        else:
            p.box(_MARGIN, bar_y, track_w, row.bar_h, face=_TRACK)
            p.box(_MARGIN, bar_y, unit * score, row.bar_h, face=color)
            for step in range(1, SCALE_MAX):
                x = _MARGIN + unit * step
                p.line((x, bar_y), (x, bar_y + row.bar_h), "white", width=2.5)
        y += row.pitch
    for step in range(SCALE_MIN, SCALE_MAX + 1):
        p.text(
            _MARGIN + unit * step,
            y,
            str(step),
            _font(_SMALL_PX),
            color=_MUTED,
            ha="center" if step < SCALE_MAX else "right",
            va="top",
        )


def draw_scan_chart(*, ladder: ChartLadder, factors: ChartFactors, title: str) -> bytes:
    """Returns the respondent's picture as PNG bytes (800 × 1100 px); all text from the caller.

    Raises ValueError for a phase outside 1..len(ladder.phases) or a score outside 1-5.
    """
    _validate(ladder, factors)
    p = _Painter()
    full_w = _RIGHT - _MARGIN

    title_prop = _font(_TITLE_PX, bold=True)
    title_lines = p.wrap(title, title_prop, full_w, 2)
    panel_prop = _font(_PANEL_PX, bold=True)
    step_w = _step_width(len(ladder.phases))
    header = [p.wrap(name, _font(_SMALL_PX), step_w, 2) for name in ladder.phases]
    header_h = _SMALL_PX * 1.2 * max(len(lines) for lines in header)

    # Top to bottom: title, panel title, phase header, layer rows, panel title, factor rows,
    # scale numbers. The rows share whatever height the rest leaves.
    title_h = _TITLE_PX * 1.25 * len(title_lines)
    panel_h = _PANEL_PX * 1.3
    fixed = 28 + title_h + 24 + panel_h + 12 + header_h + 20 + 20 + panel_h + 16 + _SMALL_PX * 1.3
    fixed += 28
    rows = max(len(ladder.layers) + len(factors.factors), 1)
    row = _Row(pitch=min((HEIGHT_PX - fixed) / rows, 110.0))

    y = 28.0
    p.text(_MARGIN, y, "\n".join(title_lines), title_prop, va="top")
    y += title_h + 24
    p.text(_MARGIN, y, p.truncate(ladder.title, panel_prop, full_w), panel_prop, va="top")
    y += panel_h + 12
    _draw_header(p, header, y, header_h)
    y += header_h + 20
    _draw_ladder(p, ladder, y, row)
    y += row.pitch * len(ladder.layers) + 20
    p.text(_MARGIN, y, p.truncate(factors.title, panel_prop, full_w), panel_prop, va="top")
    y += panel_h + 16
    _draw_factors(p, factors, y, row)
    return p.png()
