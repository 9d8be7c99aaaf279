"""The team's poster as a PDF to print: the name, an invitation, the QR code and the link.

Text stays text in the PDF (DejaVu Sans, shipped in placement/fonts), so it prints sharp at
any size and can be searched; the QR code is drawn with whole pixels per module.
"""

from __future__ import annotations

from fpdf import FPDF

from bot.pictures.qr import qr_image
from placement.chart import FONT_DIR
from placement.glyphs import drawable

# Paper in millimetres (portrait), and the sizes that scale with it.
SIZES = {"A4": (210.0, 297.0), "A6": (105.0, 148.0)}


def team_poster_pdf(link: str, title: str, invitation: str, link_label: str, size: str) -> bytes:
    """One page of `size` (A4 or A6) with the team's name, invitation, QR code and link."""
    width, height = SIZES[size]
    scale = width / SIZES["A4"][0]  # an A6 is the A4 at half the size
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(15 * scale, 15 * scale, 15 * scale)
    pdf.set_creator("leercultuurscan")
    pdf.set_title(drawable(title))
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    inner = width - 30 * scale
    pdf.set_y(25 * scale)
    pdf.set_font("DejaVu", "B", 40 * scale)
    pdf.multi_cell(inner, 17 * scale, drawable(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6 * scale)
    pdf.set_font("DejaVu", "", 20 * scale)
    pdf.multi_cell(inner, 9 * scale, drawable(invitation), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8 * scale)
    side = min(130 * scale, height - pdf.get_y() - 40 * scale)
    pdf.image(qr_image(link, box_size=8), x=(width - side) / 2, y=pdf.get_y(), w=side, h=side)
    pdf.set_y(pdf.get_y() + side + 6 * scale)
    pdf.set_font("DejaVu", "", 11 * scale)
    pdf.multi_cell(inner, 6 * scale, f"{link_label} {link}", align="C")
    return bytes(pdf.output())
