"""The conversation kit as one printable A4 page: the team's picture, agenda and questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

from bot.pictures.charts import team_chart
from dialogues.schema import Locale
from placement.glyphs import drawable

FONTS = Path(__file__).resolve().parents[2] / "placement" / "fonts"
MARGIN, WIDTH = 18, 174  # mm: an A4 page and the width between its margins
PICTURE, GUTTER = 80, 6  # mm: the team picture (portrait) and the space beside it


def _plain(text: str) -> str:
    """One line of what the page font can draw: emoji are for the chat, the page has words."""
    return " ".join(drawable(text).split())


def kit_pdf(data: dict[str, Any], locale: Locale) -> bytes:
    """Draws a 'team_kit' reply's data on one A4 page, with lines to write the actions on."""
    words, texts, kit = locale.messages, locale.kit, data["kit"]
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN, 16, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(_plain(words["kit_title"].format(team=data["team"].name, wave=data["wave"])))
    pdf.add_page()

    def heading(text: str, width: float, size: float = 12) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, size * 0.5, _plain(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    def line(text: str, width: float, indent: float = 0) -> None:
        pdf.set_font("DejaVu", "", 10.5)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, 5.2, _plain(text), new_x="LMARGIN", new_y="NEXT")

    heading(words["kit_title"].format(team=data["team"].name, wave=data["wave"]), WIDTH, 15)
    line(words["kit_intro"].format(minutes=kit.minutes), WIDTH)
    pdf.ln(3)
    # The picture on the left, the agenda and the questions beside it.
    top = pdf.get_y()
    placed = pdf.image(team_chart(data["picture"], locale), x=pdf.l_margin, y=top, w=PICTURE)
    pdf.set_left_margin(pdf.l_margin + PICTURE + GUTTER)
    pdf.set_y(top)
    column = WIDTH - PICTURE - GUTTER
    heading(words["kit_agenda"], column)
    for step, minutes in kit.agenda:
        line(f"{words['kit_minutes'].format(minutes=minutes)}: {texts['agenda'][step]}", column, 2)
        pdf.ln(0.8)
    pdf.ln(3)
    heading(words["kit_questions"], column)
    for number, (topic, key) in enumerate(kit.questions, start=1):
        line(f"{number}. {texts[topic][key]}", column, 2)
        pdf.ln(1.5)
    pdf.set_left_margin(MARGIN)
    pdf.set_y(max(pdf.get_y(), top + placed.rendered_height) + 4)
    if kit.llo:
        heading(words["kit_llo"], WIDTH)
        for question in texts["llo"].values():
            line(f"- {question}", WIDTH, 2)
        pdf.ln(3)
    heading(words["kit_actions"], WIDTH)
    pdf.set_draw_color(170, 170, 170)
    for _ in range(6):  # room to write the chosen actions: what, who, when
        pdf.ln(8)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + WIDTH, pdf.get_y())
    return bytes(pdf.output())
