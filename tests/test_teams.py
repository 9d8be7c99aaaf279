"""Team links and the team's picture: shared by a lead, never showing one person's answers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams, team_data
from dialogues.loader import Dialogue
from storage.models import CodeAttempt, Scan
from tests.fakebotapi import BOT_USER, FakeBotApi, FakeUser
from tests.harness import answer_all, tap_and_settle
from tests.test_conversation import answer_current
from tests.test_kit import read_pdf

LEAD = Person("telegram", "900001", "nl")
LINK = re.compile(rf"https://t\.me/{BOT_USER['username']}\?start=([A-Za-z0-9_-]+)")


OPEN_AGAIN = "0 mensen hebben de scan al af"  # the new round's count, the last reply of a close


def finish(
    conversation: Conversation, person: Person, option_index: int, role: str | None = None
) -> None:
    conversation.start(person, None)
    while (asked := conversation.current(person).replies[-1]).template == "question":
        question = asked.data["question"].id
        if question == "rol" and role:
            conversation.answer(person, "rol", role)
        else:  # consent is the first option: yes
            index = 0 if question == "toestemming" else option_index
            answer_current(conversation, option_index=index, person=person)


def members(n: int) -> list[Person]:
    return [Person("telegram", str(800_000 + i), "nl") for i in range(n)]


def new_team(teams: Teams, name: str = "Magazijn") -> str:
    card = teams.team(LEAD, name).replies[0]
    assert card.template == "team_card"
    return card.data["team"].code


def test_team_codes_are_long_random_and_distinct(conversation: Conversation) -> None:
    teams = Teams(conversation.people, min_group=5)
    codes = {new_team(teams, f"Team {n}") for n in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{12}", code) for code in codes)


def test_a_link_counts_a_person_in_the_team(conversation: Conversation, engine: Engine) -> None:
    code = new_team(Teams(conversation.people, min_group=5))
    outcome = conversation.start(members(1)[0], code)
    assert outcome.replies[0].data == {
        "key": "team_joined",
        "actions": [],
        "params": {"team": "Magazijn"},
    }
    with Session(engine) as session:
        scan = session.exec(select(Scan)).one()
        assert scan.team_id is not None and scan.wave == 1


def test_guessing_codes_is_slowed_down_and_forgotten_later(
    conversation: Conversation, engine: Engine
) -> None:
    code = new_team(Teams(conversation.people, min_group=5))
    guesser = members(1)[0]
    keys = [conversation.start(guesser, f"raad{n}").replies[0].data["key"] for n in range(6)]
    assert keys == ["code_unknown"] * 5 + ["code_wait"]
    assert conversation.start(guesser, code).replies[0].data["key"] == "code_wait"
    with Session(engine) as session:
        for attempt in session.exec(select(CodeAttempt)):
            attempt.tried_at -= timedelta(minutes=16)
            session.add(attempt)
        session.commit()
    conversation.tidy()
    assert conversation.start(guesser, code).replies[0].data["key"] == "team_joined"


def close(teams: Teams, code: str) -> None:
    """The lead closes the team's open round, confirmed."""
    teams.press(LEAD, team_data("close_yes", code))


def test_the_picture_appears_for_a_closed_round_of_at_least_the_minimum(
    conversation: Conversation,
) -> None:
    teams = Teams(conversation.people, min_group=5)
    code = new_team(teams)
    people = members(5)
    for n, person in enumerate(people[:4]):
        conversation.start(person, code)
        finish(conversation, person, option_index=n % 2 + 2)
    waiting = teams.overview(LEAD).replies[0]
    assert waiting.data["key"] == "team_round_open" and waiting.data["params"]["finished"] == 4
    conversation.start(people[4], code)
    finish(conversation, people[4], option_index=4)
    still_open = teams.overview(LEAD).replies
    assert [r.data.get("key") for r in still_open] == ["team_round_open"]  # five, but open
    assert still_open[0].data["params"]["finished"] == 5

    close(teams, code)
    result = teams.overview(LEAD).replies[0]
    assert result.template == "team_result" and result.data["finished"] == 5
    own = result.data["phases"]["individu"]
    assert sum(own["counts"]) + own["unknown"] == 5
    assert own["mean"] is not None and 1 <= own["mean"] <= 5


def test_only_the_lead_sees_the_team(conversation: Conversation) -> None:
    teams = Teams(conversation.people, min_group=3)
    code = new_team(teams)
    outsider = members(1)[0]
    assert teams.overview(outsider).replies[0].data["key"] == "no_team"
    for data in (team_data("show", code), team_data("close", code), team_data("close_yes", code)):
        assert teams.press(outsider, data).replies[0].data["key"] == "not_your_team"


def test_closing_a_round_asks_first_freezes_the_picture_and_asks_members_again(
    conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=3)
    code = new_team(teams)
    people = members(3)
    for person in people:
        conversation.start(person, code)
        finish(conversation, person, option_index=3)
    asked = teams.press(LEAD, team_data("close", code)).replies
    assert asked[0].data["key"] == "team_close_confirm"  # nothing closed by one tap
    assert [b[2] for b in asked[0].data["buttons"]] == [
        team_data("close_yes", code),
        team_data("show", code),
    ]
    assert teams.overview(LEAD).replies[0].data["key"] == "team_round_open"
    closed = teams.press(LEAD, team_data("close_yes", code)).replies
    assert [r.data.get("key", r.template) for r in closed] == [
        "team_round_closed",
        "team_result",
        "team_kit",
        "team_round_open",
    ]
    assert closed[-1].data["params"]["finished"] == 0 and closed[-1].data["params"]["wave"] == 2
    again = conversation.start(people[0], code)  # the same link, the new round
    assert [r.template for r in again.replies][-2:] == ["welcome", "question"]
    with Session(engine) as session:
        assert sorted(s.wave or 0 for s in session.exec(select(Scan))) == [1, 1, 1, 2]


async def test_a_lead_shares_a_link_and_sees_the_team_at_five(
    api: FakeBotApi, running_bot: Path
) -> None:
    lead = api.user(9100, "Lotte")
    await lead.send("/team Zorg Noord")
    await api.settle()
    card = lead.last
    assert card["photo"]["file"]  # the QR code
    assert "Team 'Zorg Noord' staat klaar" in card["plain"]
    match = LINK.search(card["plain"])
    assert match is not None
    code = match.group(1)

    people: list[FakeUser] = [api.user(9200 + n, f"M{n}") for n in range(5)]
    for n, person in enumerate(people[:4]):
        await person.send(f"/start {code}")
        await api.settle()
        assert "Je doet mee voor het team 'Zorg Noord'" in person.messages[0]["plain"]
        await answer_all(api, person, pick=n % 3 + 1)
    await lead.send("/teamresultaat")
    await api.settle()
    assert "4 mensen hebben de scan al af" in lead.last["plain"]
    assert "Ikzelf" not in lead.last["plain"]

    await people[4].send(f"/start {code}")
    await api.settle()
    await answer_all(api, people[4], pick=2)
    await lead.send("/teamresultaat")
    await api.settle()
    assert "5 mensen hebben de scan al af" in lead.last["plain"]  # open: the count only
    await tap_and_settle(api, lead, "🔒 Ronde 1 nu sluiten")
    assert "Ronde 1 van team 'Zorg Noord' nu sluiten?" in lead.last["plain"]
    before = len(lead.messages)
    await lead.tap("✅ Ja, sluit ronde 1")
    # Several messages answer this tap, with pictures drawn between them: on a busy machine
    # a short quiet spell is not the end of the reply; the open round's count comes last.
    await lead.wait_for(lambda u: OPEN_AGAIN in u.last.get("plain", ""), timeout=30)
    await api.settle()
    after = lead.messages[before:]
    texts = [m["plain"] for m in after]
    assert any("Ronde 1 van team 'Zorg Noord' is gesloten" in t for t in texts), texts
    result = next(t for t in texts if "Teamuitslag" in t)
    assert any(m.get("photo") for m in after)  # the team's picture comes with it
    assert "Teamuitslag 'Zorg Noord', ronde 1" in result
    assert "5 mensen deden mee." in result
    assert "Jullie plek op het pad naar een sterke leercultuur" in result
    assert "De vraag die jullie nu verder helpt:" in result
    interventions = result.split("Drie dingen die jij nu voor je team kunt doen:")[1]
    assert [line[:2] for line in interventions.strip().splitlines()] == ["1.", "2.", "3."]
    kit = next(t for t in texts if "Praat erover: werkoverleg over ronde 1" in t)
    questions = kit.split("Drie vragen voor het gesprek:")[1].strip().splitlines()
    assert len(questions) == 3 and all(q.startswith("• ") and q.endswith("?") for q in questions)
    assert "Neem 20 minuten" in kit
    sheet = next(m for m in after if m.get("document"))  # the same kit as a page to print
    assert sheet["document"]["file"] == "werkoverleg-Zorg-Noord-ronde-1.pdf"
    pages, printed, ink = read_pdf(sheet["document"]["content"])
    assert pages == 1 and "Zorg Noord" in printed and ink > 0.02

    await people[0].send("/teamresultaat")  # a member is no lead
    await api.settle()
    assert "Je hebt nog geen team" in people[0].last["plain"]
    assert "ronde 2 loopt" in lead.last["plain"]
    count = len(lead.messages)
    await lead.send("/teamresultaat")
    await lead.wait_for(lambda u: len(u.messages) > count and OPEN_AGAIN in u.last["plain"], 30)
    await api.settle()
    assert "Teamuitslag 'Zorg Noord', ronde 1" in "".join(m["plain"] for m in lead.messages[-5:])
    assert OPEN_AGAIN in lead.last["plain"]
    assert api.rejected == []


def test_the_lead_sees_their_own_view_beside_the_team_and_the_last_round(
    conversation: Conversation,
) -> None:
    teams = Teams(conversation.people, min_group=3)
    code = new_team(teams)
    conversation.start(LEAD, code)
    finish(conversation, LEAD, option_index=4, role="directie")  # not as lead: no self-rating
    for person in members(3):
        conversation.start(person, code)
        finish(conversation, person, option_index=1)
    close(teams, code)
    assert teams.overview(LEAD).replies[0].data["lead_self"] is None
    conversation.restart(LEAD, confirmed=True)
    finish(conversation, LEAD, option_index=4, role="leidinggevende")  # rates themselves 5
    first = teams.overview(LEAD).replies[0].data
    assert first["lead_self"] == 5.0  # the same item the team rated them on
    assert first["team_on_lead"] is not None and first["team_on_lead"] < 5.0
    assert first["phases"]["individu"]["before"] is None

    close(teams, code)  # round 2 closes empty: too small to compare with
    for person in members(3):
        conversation.start(person, code)
        finish(conversation, person, option_index=3)
    close(teams, code)
    third = teams.overview(LEAD).replies[0].data
    assert third["wave"] == 3
    before = third["phases"]["individu"]["before"]
    assert before is not None and before < third["phases"]["individu"]["mean"]
    assert third["phases"]["individu"]["before_wave"] == 1


def test_the_team_gets_its_place_on_the_path_and_three_interventions_for_its_lead(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    teams = Teams(conversation.people, min_group=3)
    low, high = new_team(teams, "Laag"), new_team(teams, "Hoog")
    pictures = {}
    for code, option in ((low, 1), (high, 4)):
        for person in members(3) if code == low else members(6)[3:]:
            conversation.start(person, code)
            finish(conversation, person, option_index=option)
        close(teams, code)
        pictures[code] = teams.results(LEAD, code).replies[0].data["advice"]
    rings = [band.ring for band in dialogue.scoring.path.rings]
    assert pictures[low].ring == rings[0] and pictures[high].ring == rings[-1]
    for advice in pictures.values():
        assert advice.position is not None and len(advice.tips) == 3
        first = next(t for t in dialogue.tips if t.id == advice.tips[0])
        assert first.layer == "leidinggevende"  # the first one is for the lead
    assert pictures[low].tips != pictures[high].tips
