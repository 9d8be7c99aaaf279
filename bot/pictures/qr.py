"""QR codes for links, and the team card: a picture worth printing and hanging on the wall."""

from __future__ import annotations

import io
import textwrap

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.image.pil import PilImage

from placement.chart import FONT_DIR
from placement.glyphs import drawable

# The card is a portrait A6 at about 240 dpi: sharp on paper, small enough for a chat.
CARD_WIDTH = 1000
MARGIN = 70
TITLE_PX = 64
INVITE_PX = 38
INK = (30, 30, 30)
QR_SIDE = 640


def qr_image(link: str, box_size: int = 12) -> Image.Image:
    """The link as a black-on-white QR code with its quiet zone (medium error correction)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
    )
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(image_factory=PilImage).get_image()
    return image.convert("RGB")


def qr_png(link: str) -> bytes:
    """The link as a PNG QR code, large enough to scan from a printed page or a screen."""
    return _png(qr_image(link))


def _lines(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The text broken into lines that fit `width` pixels (a long word is cut, not lost)."""
    chars = len(text)
    while chars > 1:
        lines = textwrap.wrap(text, chars, break_long_words=True) or [""]
        if all(font.getlength(line) <= width for line in lines):
            return lines
        chars -= 1
    return [text]


def team_card_png(link: str, title: str, invitation: str) -> bytes:
    """The team card: the team's name, one line of invitation, and the link's QR code."""
    title_font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), TITLE_PX)
    invite_font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), INVITE_PX)
    inner = CARD_WIDTH - 2 * MARGIN
    titles = _lines(drawable(title), title_font, inner)[:3]  # 64 characters fit in three
    invites = _lines(drawable(invitation), invite_font, inner)[:3]
    # Whole pixels per module, as large as fits about two thirds of the card's width.
    modules = qr_image(link, box_size=1).width
    code = qr_image(link, box_size=max(1, QR_SIDE // modules))
    side = code.width
    title_h, invite_h = int(TITLE_PX * 1.25), int(INVITE_PX * 1.35)
    height = MARGIN + len(titles) * title_h + 30 + len(invites) * invite_h + 20 + side + MARGIN
    card = Image.new("RGB", (CARD_WIDTH, height), "white")
    draw = ImageDraw.Draw(card)
    y = MARGIN
    for line in titles:
        draw.text((CARD_WIDTH / 2, y), line, font=title_font, fill=INK, anchor="ma")
        y += title_h
    y += 30
    for line in invites:
        draw.text((CARD_WIDTH / 2, y), line, font=invite_font, fill=INK, anchor="ma")
        y += invite_h
    card.paste(code, ((CARD_WIDTH - side) // 2, y + 20))
    return _png(card)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
