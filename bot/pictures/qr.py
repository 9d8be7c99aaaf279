"""QR codes for team links, so a team lead can hang the link on the wall."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pil import PilImage


def qr_png(link: str) -> bytes:
    """The link as a PNG QR code, large enough to scan from a printed page or a screen."""
    image = qrcode.make(link, image_factory=PilImage, box_size=12, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
