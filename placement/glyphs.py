"""Text as the bundled font can draw it: characters it has no glyph for are left out.

DejaVu has no emoji, so a team called "Keuken 🍳" would print a box on a chart, a card or a
page; the name without the emoji reads fine. Regular and bold cover the same characters.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

FONT = Path(__file__).parent / "fonts" / "DejaVuSans.ttf"


@cache
def _codepoints() -> frozenset[int]:
    with TTFont(FONT, lazy=True) as font:
        return frozenset(font.getBestCmap())


def drawable(text: str) -> str:
    """`text` without what the font cannot draw; each line's spaces closed up."""
    known = _codepoints()
    kept = "".join(c for c in text if c == "\n" or (ord(c) in known and _shown(c)))
    return "\n".join(" ".join(line.split()) for line in kept.split("\n"))


def _shown(c: str) -> bool:
    """False for joiners and emoji style selectors: with the emoji gone they only add noise."""
    return unicodedata.category(c) != "Cf" and not "\ufe00" <= c <= "\ufe0f"
