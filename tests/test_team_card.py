"""The team card worth printing: its name, an invitation and a QR code read back to its link.

Also the lead's team management: a name asked for, a new name, a poster (PDF), an ended team.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageOps
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.pictures.qr import team_card_png
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from placement.glyphs import drawable
from storage.models import Team, TeamRound
from tests.fakebotapi import BOT_USER, FakeBotApi, FakeUser
from tests.harness import answer_all, bot_in_this_loop, tap_and_settle
from tests.test_teams import LEAD, finish, members

LINK = re.compile(rf"https://t\.me/{BOT_USER['username']}\?start=([A-Za-z0-9_-]+)")
MM_PER_POINT = 25.4 / 72


def decoded(picture: Image.Image) -> list[str]:
    """Every QR code a phone's reader finds in the picture, as text."""
    return [found.text for found in zxingcpp.read_barcodes(picture)]


def photo_of(message: dict[str, Any]) -> Image.Image:
    return Image.open(io.BytesIO(message["photo"]["content"]))


def ink_above_code(picture: Image.Image) -> float:
    """The share of dark pixels above the QR code: where the name and invitation stand."""
    corners = zxingcpp.read_barcodes(picture)[0].position
    top = min(corners.top_left.y, corners.top_right.y)
    band = ImageOps.grayscale(picture).crop((0, 0, picture.width, top))
    dark = sum(band.histogram()[:128])
    return dark / (band.width * band.height)


async def reply_to(user: FakeUser, api: FakeBotApi, asked: dict[str, Any], text: str) -> None:
    """Types `text` as a reply to the bot's message `asked`, as Telegram sends it."""
    await user.send_raw({"text": text, "reply_to_message": api._as_telegram(asked, user.chat)})
    await api.settle()


async def new_team(api: FakeBotApi, lead: FakeUser, name: str) -> str:
    """The lead sends plain /team, is asked the name, answers by reply: the team's code."""
    await lead.send("/team")
    await api.settle()
    asked = lead.last
    assert "Hoe heet je team?" in asked["plain"]
    assert asked["reply_markup"]["force_reply"] is True  # the phone opens a reply to it
    await reply_to(lead, api, asked, name)
    await lead.wait_for(lambda user: "photo" in user.last)
    match = LINK.search(lead.last["plain"])
    assert match is not None, lead.last
    return match.group(1)


async def test_the_team_card_carries_the_name_and_a_qr_code_that_reads_back_to_the_link(
    api: FakeBotApi, running_bot: Path
) -> None:
    lead = api.user(9400, "Lotte")
    code = await new_team(api, lead, "Zorg Noord")
    card = lead.last
    assert "Team 'Zorg Noord' staat klaar" in card["plain"]
    picture = photo_of(card)
    assert decoded(picture) == [f"https://t.me/{BOT_USER['username']}?start={code}"]
    assert picture.width >= 800 and picture.height > picture.width * 0.9  # words above the code
    assert ink_above_code(picture) > 0.02  # the name and the invitation are printed there
    assert "Andere naam" in " ".join(lead.buttons())

    # The name is on the picture: another name gives another top, the same code.
    link = decoded(picture)[0]
    other = Image.open(io.BytesIO(team_card_png(link, "Keuken", "Doe mee.")))
    assert decoded(other) == [link]
    assert other.crop((0, 0, 1000, 150)).tobytes() != picture.crop((0, 0, 1000, 150)).tobytes()

    # A member who scans it joins the team.
    member = api.user(9401, "Mo")
    await member.send(f"/start {code}")
    await api.settle()
    assert "Je doet mee voor het team 'Zorg Noord'" in member.messages[0]["plain"]
    assert api.rejected == []


async def test_plain_team_asks_a_name_and_other_text_goes_to_the_interview(
    api: FakeBotApi, running_bot: Path
) -> None:
    lead = api.user(9410, "Sam")
    await lead.send("/start")
    await api.settle()
    await lead.send("/team")
    await api.settle()
    asked = lead.last
    await lead.send("Magazijn")  # typed, not as a reply: no team is made of it
    await api.settle()
    assert not any(m.get("photo") for m in lead.messages)
    assert "Hoe heet je team?" not in lead.last["plain"]
    await reply_to(lead, api, asked, "Magazijn")
    assert "Team 'Magazijn' staat klaar" in lead.last["plain"]
    # A reply to another message of the bot is no name either.
    question = next(m for m in lead.messages if (m["reply_markup"] or {}).get("inline_keyboard"))
    assert "photo" not in question  # the scan's first question
    before = sum(1 for m in lead.messages if m.get("photo"))
    await reply_to(lead, api, question, "Kantoor")
    assert sum(1 for m in lead.messages if m.get("photo")) == before
    assert api.rejected == []


async def test_a_team_is_renamed_and_keeps_its_link(api: FakeBotApi, running_bot: Path) -> None:
    lead = api.user(9420, "Kim")
    code = await new_team(api, lead, "Zorg Noord")
    await tap_and_settle(api, lead, "✏️ Andere naam")
    asked = lead.last
    assert "Hoe moet team 'Zorg Noord' voortaan heten?" in asked["plain"]
    await reply_to(lead, api, asked, "Zorg Zuid")
    await lead.wait_for(lambda user: "photo" in user.last)  # the card is drawn after the words
    assert any("Team 'Zorg Noord' heet nu 'Zorg Zuid'" in m["plain"] for m in lead.messages[-2:])
    assert "Team 'Zorg Zuid' staat klaar" in lead.last["plain"]
    assert decoded(photo_of(lead.last))[0].endswith(f"start={code}")  # the same link

    member = api.user(9421, "Ria")
    await member.send(f"/start {code}")
    await api.settle()
    assert "Je doet mee voor het team 'Zorg Zuid'" in member.messages[0]["plain"]
    assert api.rejected == []


async def test_the_poster_comes_as_a_pdf_in_a4_and_a6(api: FakeBotApi, running_bot: Path) -> None:
    lead = api.user(9430, "Noor")
    code = await new_team(api, lead, "Afdeling Zuid")
    for label, size in (("🖨️ Poster (A4)", (210, 297)), ("🖨️ Kaartje (A6)", (105, 148))):
        card = next(m for m in reversed(lead.messages) if m.get("photo"))
        await lead.tap_on(card["message_id"], label)
        await api.settle(quiet=0.3)
        sent = lead.last
        assert "Een poster van team 'Afdeling Zuid'" in sent["plain"]
        pdf = pdfium.PdfDocument(sent["document"]["content"])
        assert len(pdf) == 1
        page = pdf[0]
        width, height = (round(side * MM_PER_POINT) for side in page.get_size())
        assert (width, height) == size
        text = page.get_textpage().get_text_range()
        assert "Afdeling Zuid" in text and "Doe mee met de leercultuurscan" in text
        drawn = page.render(scale=150 / 72).to_pil()
        dark = sum(ImageOps.grayscale(drawn).histogram()[:128])
        assert dark / (drawn.width * drawn.height) > 0.05  # ink: the code and the words
        assert decoded(drawn) == [f"https://t.me/{BOT_USER['username']}?start={code}"]
    assert api.rejected == []


async def test_ending_a_team_asks_once_and_its_link_then_says_so(
    api: FakeBotApi, running_bot: Path
) -> None:
    lead = api.user(9440, "Bo")
    code = await new_team(api, lead, "Kantoor")
    await tap_and_settle(api, lead, "🗑️ Team opheffen")
    assert "Team 'Kantoor' opheffen?" in lead.last["plain"]
    await tap_and_settle(api, lead, "↩️ Nee")
    assert "team 'Kantoor' blijft bestaan" in lead.last["plain"]
    card = next(m for m in reversed(lead.messages) if m.get("photo"))
    await lead.tap_on(card["message_id"], "🗑️ Team opheffen")
    await api.settle()
    await tap_and_settle(api, lead, "✅ Ja, hef team 'Kantoor' op")
    assert "Team 'Kantoor' is opgeheven" in lead.last["plain"]

    member = api.user(9441, "Jet")
    await member.send(f"/start {code}")
    await api.settle()
    assert "Het team 'Kantoor' is opgeheven" in member.messages[0]["plain"]
    await answer_all(api, member, pick=2)  # the scan itself still works
    await lead.send("/teamresultaat")
    await api.settle()
    assert "Je hebt nog geen team" in lead.last["plain"]
    assert api.rejected == []


def test_an_ended_team_keeps_its_closed_rounds_for_hr(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=3)
    code = teams.team(LEAD, "Werkplaats").replies[0].data["team"].code
    for person in members(3):
        conversation.start(person, code)
        finish(conversation, person, option_index=2)
    teams.press(LEAD, team_data("close_yes", code))
    late = Person("telegram", "870001", "nl")
    conversation.start(late, code)
    finish(conversation, late, option_index=3)
    asked = teams.press(LEAD, team_data("end", code)).replies[0]
    assert asked.data["key"] == "team_end_confirm"  # nothing ended by one tap
    assert teams.press(LEAD, team_data("end_yes", code)).replies[0].data["key"] == "team_ended"
    with Session(engine) as session:
        team = session.exec(select(Team)).one()
        assert team.closed_at is not None and team.round_ends_at is None
        kept = session.exec(select(TeamRound).order_by(TeamRound.wave)).all()
        # Round 1 as it closed; round 2, with the one who finished late, closed on ending.
        assert [(r.wave, r.people) for r in kept] == [(1, 3), (2, 1)]
    # The lead no longer has it, and nothing of it can be changed any more.
    for action in ("show", "close_yes", "rename", "end_yes"):
        assert teams.press(LEAD, team_data(action, code)).replies[0].data["key"] == "not_your_team"
    assert conversation.start(members(5)[4], code).replies[0].data["key"] == "team_link_closed"


def test_a_name_is_asked_for_and_a_taken_name_is_refused(conversation: Conversation) -> None:
    teams = Teams(conversation.people, min_group=3)
    asked = teams.team(LEAD, None).replies
    assert [(r.data["key"], r.data.get("answer_by_reply")) for r in asked] == [
        ("team_ask_name", True)
    ]
    assert teams.overview(LEAD).replies[0].data["key"] == "no_team"  # nothing made yet
    teams.team(LEAD, "Noord")
    teams.team(LEAD, "Zuid")
    refused = teams.rename(LEAD, "Zuid", "noord").replies[0]
    assert refused.data["key"] == "team_name_taken"
    renamed = teams.rename(LEAD, "Zuid", "West").replies
    assert [r.data.get("key", r.template) for r in renamed] == ["team_renamed_by_lead", "team_card"]
    assert teams.rename(members(1)[0], "West", "Oost").replies[0].data["key"] == "not_your_team"


async def test_a_team_is_handed_over_by_a_one_time_link(api: FakeBotApi, running_bot: Path) -> None:
    old = api.user(9450, "Ans")
    code = await new_team(api, old, "Receptie")
    await tap_and_settle(api, old, "🤝 Team overdragen")
    offer = old.last["plain"]
    assert "Team 'Receptie' overdragen" in offer
    found = LINK.search(offer)
    assert found is not None and found.group(1) != code  # not the team's own link
    handover = found.group(1)

    new = api.user(9451, "Dirk")
    await new.send(f"/start {handover}")
    await api.settle()
    assert "Je bent nu de leidinggevende van team 'Receptie'" in new.messages[0]["plain"]
    await new.send("/teamresultaat")
    await api.settle()
    assert "Team 'Receptie', ronde 1 loopt" in new.last["plain"]
    await old.send("/teamresultaat")  # the old lead lost the team
    await api.settle()
    assert "Je hebt nog geen team" in old.last["plain"]

    third = api.user(9452, "Els")  # the link worked once
    await third.send(f"/start {handover}")
    await api.settle()
    assert "Deze teamcode kennen we niet" in third.messages[0]["plain"]
    assert api.rejected == []


def test_emoji_in_a_team_name_are_left_out_of_pictures_and_pages_not_drawn_as_boxes() -> None:
    link, invitation = "https://t.me/scanbot?start=abc123", "Doe mee met de scan 👋"
    # The card of "Keuken 🍳" is the card of "Keuken": no box where the emoji was.
    with_emoji = team_card_png(link, "Keuken 🍳 👩‍🍳", invitation)
    assert with_emoji == team_card_png(link, "Keuken", "Doe mee met de scan")
    assert drawable("👩‍🍳 Koks ✔️") == "Koks ✔"  # a joined emoji goes whole; DejaVu has ✔
    assert drawable("Café\nZuid  🌷") == "Café\nZuid"


async def test_with_public_web_pages_the_card_offers_the_browser_and_its_code_opens_the_page(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """A phone without Telegram can join: the QR code opens the team's web page (which offers
    Telegram too), and the caption gives both links."""
    lead = api.user(9480, "Lotte")
    web = "https://scan.example.org"
    async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url, public_url=web):
        await lead.send("/team Zorg West")
        await lead.wait_for(lambda user: "photo" in user.last)
        card = lead.last
        found = LINK.search(card["plain"])
        assert found is not None
        code = found.group(1)
        assert f"Geen Telegram? Meedoen kan ook in de browser:\n{web}/t/{code}" in card["plain"]
        assert decoded(photo_of(card)) == [f"{web}/t/{code}"]
        await tap_and_settle(api, lead, "🖨️ Poster (A4)")
        drawn = pdfium.PdfDocument(lead.last["document"]["content"])[0].render(scale=2).to_pil()
        assert decoded(drawn) == [f"{web}/t/{code}"]
    assert api.rejected == []


def test_the_web_pages_address_comes_from_public_url_else_from_the_webhook() -> None:
    from bot.settings import Settings

    webhook = "https://scan.example.org/telegram"
    assert Settings(webhook_url=webhook).web_address == "https://scan.example.org"
    assert Settings(webhook_url=webhook, public_url="https://web.example.org/").web_address == (
        "https://web.example.org"
    )
    assert Settings().web_address is None  # polling only: no card offers the browser
