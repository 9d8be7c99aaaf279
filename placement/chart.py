"""Draws a respondent's scan picture as PNG bytes: phases per layer on top, eigen regie below.

A pure function of plain data; it knows nothing of `Placement` or the dialogue, so every word on
the picture comes from the caller. Drawn with Pillow: the picture is boxes and words at pixel
positions, and Pillow draws them in ~50 ms with ~4 MB of library, which a bot that draws one per
finished scan carries all day. Thread-safe: each call has its own image, each thread its own
font faces. Deterministic: the same input gives the same bytes (the font, DejaVu Sans, ships in
placement/fonts/, and the PNG carries no metadata). The HR report's charts (reports/charts.py)
draw with the same painter, fonts and colours.

The picture is sized for a phone (800 × 1100 px, text at least 22 px, Okabe-Ito colours):
- top: the Groeimodel as a ladder; one row per layer, five steps from the lowest phase (left) to
  the highest (right), filled up to the layer's phase; an unknown phase is an empty, dashed row
  that says so, never a low phase;
- bottom: the five eigen regie factors as bars on a 1-5 scale, strongest and weakest named.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from placement.glyphs import drawable

WIDTH_PX = 800
HEIGHT_PX = 1100
SCALE_MIN = 1
SCALE_MAX = 5

_MARGIN = 40
_STEP_GAP = 8.0
_RIGHT = WIDTH_PX - _MARGIN

# Okabe-Ito, safe for the common colour-vision deficiencies; each fill also has a text cue.
INK = "#1A1A1A"
MUTED = "#4D4D4D"
TRACK = "#E3E3E3"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
OWN_BAND = "#FBE9DD"

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
    # What a layer's row says on the right ("stap 2 van 5"); None: the phase name. A person's
    # own row should never carry a bare phase name such as 'Onbewust'.
    steps: Sequence[str] | None = None


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
class Font:
    """A face of DejaVu Sans at a size in pixels."""

    px: float
    bold: bool = False
    italic: bool = False

    @property
    def file(self) -> Path:
        style = ("Bold" if self.bold else "") + ("Oblique" if self.italic else "")
        return FONT_DIR / (f"DejaVuSans-{style}.ttf" if style else "DejaVuSans.ttf")


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


# Shipped with the code, so every install draws with the same glyphs (and the same bytes).
FONT_DIR = Path(__file__).parent / "fonts"
# A FreeType face must not be used by two threads at once: each thread loads its own.
_faces = threading.local()


def _face(font: Font) -> ImageFont.FreeTypeFont:
    faces: dict[Font, ImageFont.FreeTypeFont] = _faces.__dict__.setdefault("faces", {})
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


# Pillow keeps a picture's pixels in blocks of up to 16 MB: the scan picture's canvas is one 14 MB
# block. Once glibc has handed one that size back to the system it serves the next from its heap
# and keeps them there (+17 MB after a few pictures). Blocks of 4 MB go back each time.
def text_width(text: str, font: Font) -> float:
    """How wide one line of text is, in pixels at the picture's size (as drawn)."""
    return float(_face(font).getlength(drawable(text))) / _SCALE


def truncate(text: str, font: Font, max_w: float) -> str:
    """One line that fits max_w: whitespace (newlines too) collapsed, cut with '…'."""
    text = " ".join(text.split())
    if text_width(text, font) <= max_w:
        return text
    # Start from a generous estimate so a huge label costs few measurements.
    cut = text[: int(max_w / (font.px * 0.3)) + 1]
    while cut and text_width(cut.rstrip() + "…", font) > max_w:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def wrap(
    text: str, font: Font, max_w: float, max_lines: int, *, split_words: bool = False
) -> list[str]:
    """At most max_lines lines that each fit max_w; the last one cut with '…' if need be.

    With `split_words` a word too long for a line is split over lines with a hyphen.
    """
    words = text.split()
    if split_words:
        words = [part for word in words for part in _split_word(word, font, max_w)]
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, font) > max_w:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :]) + "…"]
    return [truncate(line, font, max_w) for line in lines] or [""]


def _split_word(word: str, font: Font, max_w: float) -> list[str]:
    """The word in as few pieces of about equal length as fit max_w, each but the last with '-'.

    Equal pieces read better than a full line and a stub ("Leiding-", "gevende").
    """
    for count in range(1, len(word) + 1):
        size = -(-len(word) // count)
        pieces = [word[i : i + size] for i in range(0, len(word), size)]
        marked = [piece + "-" for piece in pieces[:-1]] + pieces[-1:]
        if all(text_width(piece, font) <= max_w for piece in marked):
            return marked
    return [word]


class Painter:
    """Draws in pixel coordinates (x right, y down) on one white picture, 800 × 1100 unless told."""

    def __init__(self, width: int = WIDTH_PX, height: int = HEIGHT_PX) -> None:
        self.image = Image.new("RGB", (width * _SCALE, height * _SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        font: Font,
        *,
        color: str = INK,
        ha: str = "left",
        va: str = "center",
    ) -> None:
        """Lines of text; `va` places the block's top, middle or bottom at y."""
        lines = drawable(s).split("\n")
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
                MUTED,
                width=1.5,
            )
            at += on + off

    def line(
        self, start: tuple[float, float], end: tuple[float, float], color: str, *, width: float
    ) -> None:
        ends = [(start[0] * _SCALE, start[1] * _SCALE), (end[0] * _SCALE, end[1] * _SCALE)]
        self.draw.line(ends, fill=color, width=round(width * _SCALE))

    def polyline(self, points: Sequence[tuple[float, float]], color: str, *, width: float) -> None:
        """Joined line segments, with rounded joints."""
        scaled = [(x * _SCALE, y * _SCALE) for x, y in points]
        self.draw.line(scaled, fill=color, width=round(width * _SCALE), joint="curve")

    def polygon(self, points: Sequence[tuple[float, float]], color: str) -> None:
        self.draw.polygon([(x * _SCALE, y * _SCALE) for x, y in points], fill=color)

    def circle(self, x: float, y: float, r: float, color: str) -> None:
        self.draw.ellipse(
            ((x - r) * _SCALE, (y - r) * _SCALE, (x + r) * _SCALE, (y + r) * _SCALE), fill=color
        )

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.reduce(_SCALE).save(buffer, format="PNG")
        return buffer.getvalue()


def _row_label(
    p: Painter,
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
    value_prop = Font(size, bold=known, italic=not known)
    tail_w = text_width(tail, value_prop) if tail else 0.0
    value_w = min(text_width(value + tail, value_prop), (_RIGHT - _MARGIN) * 0.55)
    value = truncate(value, value_prop, value_w - tail_w) + tail if value else tail
    label_prop = Font(size, bold=bold)
    label = truncate(label, label_prop, _RIGHT - _MARGIN - value_w - 24)
    p.text(_MARGIN, y, label, label_prop)
    p.text(_RIGHT, y, value, value_prop, color=INK if known else MUTED, ha="right")


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


def _draw_header(p: Painter, names: list[list[str]], top: float, height: float) -> None:
    """The phase names over the ladder's steps, bottom-aligned, lowest phase on the left."""
    step_w = _step_width(len(names))
    for i, lines in enumerate(names):
        x = _MARGIN + i * (step_w + _STEP_GAP) + step_w / 2
        p.text(
            x,
            top + height,
            "\n".join(lines),
            Font(_SMALL_PX),
            color=MUTED,
            ha="center",
            va="bottom",
        )


def _step_width(steps: int) -> float:
    return (_RIGHT - _MARGIN - _STEP_GAP * (steps - 1)) / steps


def _draw_ladder(p: Painter, ladder: ChartLadder, top: float, row: _Row) -> None:
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
                face=OWN_BAND,
                radius=12,
            )
        _row_label(
            p,
            y + row.label,
            layer.label,
            (ladder.steps or ladder.phases)[layer.phase - 1]
            if layer.phase is not None
            else ladder.unknown_label,
            size=row.font,
            bold=layer.own,
            known=layer.phase is not None,
        )
        color = VERMILLION if layer.own else BLUE
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
                p.box(x, y + row.bar, step_w, row.bar_h, face=color if i < layer.phase else TRACK)
        y += row.pitch


def _format_score(score: float) -> str:
    text = f"{score:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _draw_factors(p: Painter, factors: ChartFactors, top: float, row: _Row) -> None:
    """One bar per factor on the 1-5 scale, then the scale's numbers."""
    track_w = _RIGHT - _MARGIN
    unit = track_w / SCALE_MAX
    y = top
    for factor in factors.factors:
        score = factor.score
        tail = ""
        if score is None:
            value, color = factors.unknown_label, MUTED
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
            color = GREEN if factor.strongest else VERMILLION if factor.weakest else BLUE
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
            p.box(_MARGIN, bar_y, track_w, row.bar_h, face=TRACK)
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
            Font(_SMALL_PX),
            color=MUTED,
            ha="center" if step < SCALE_MAX else "right",
            va="top",
        )


def draw_scan_chart(*, ladder: ChartLadder, factors: ChartFactors, title: str) -> bytes:
    """Returns the respondent's picture as PNG bytes (800 × 1100 px); all text from the caller.

    Raises ValueError for a phase outside 1..len(ladder.phases) or a score outside 1-5.
    """
    _validate(ladder, factors)
    p = Painter()
    full_w = _RIGHT - _MARGIN

    title_prop = Font(_TITLE_PX, bold=True)
    title_lines = wrap(title, title_prop, full_w, 2)
    panel_prop = Font(_PANEL_PX, bold=True)
    step_w = _step_width(len(ladder.phases))
    header = [wrap(name, Font(_SMALL_PX), step_w, 2) for name in ladder.phases]
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
    p.text(_MARGIN, y, truncate(ladder.title, panel_prop, full_w), panel_prop, va="top")
    y += panel_h + 12
    _draw_header(p, header, y, header_h)
    y += header_h + 20
    _draw_ladder(p, ladder, y, row)
    y += row.pitch * len(ladder.layers) + 20
    p.text(_MARGIN, y, truncate(factors.title, panel_prop, full_w), panel_prop, va="top")
    y += panel_h + 16
    _draw_factors(p, factors, y, row)
    return p.png()
