"""The web scan in real headless Chromium at a phone's size (390 x 844 CSS px), with and
without JavaScript: from a team link to the summary, back, a reload and the browser's back
button (no form sent again), a double click, the resume code typed on a second browser
context, and deleting everything. The pages come from the real app served by uvicorn in this
event loop; the clicks are mouse events at the buttons' places.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from bot.web.app import WebChannel
from dialogues.loader import Dialogue
from storage.db import make_engine, sqlite_url
from storage.models import Answer, Respondent, Scan
from tests.cdp import Chromium, Tab
from tests.flow import TEST_KEY, WORKER_TOTAL
from tests.harness import debian_command
from tests.test_hr_report import installed_chromium
from tests.test_web import Page, roomy_limits

PHONE = (390, 844)
# The screenshots in docs/ are made with `WEB_SCREENSHOTS=docs python -m pytest
# tests/test_web_browser.py`; a plain run writes them to its temporary folder, leaving the
# checkout as it was.
SCREENSHOTS = "WEB_SCREENSHOTS"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = os.environ.get(SCREENSHOTS)
    return REPO / folder if folder else tmp_path


def is_phone_png(path: Path) -> bool:
    """A PNG as wide as the phone at twice its pixel density."""
    data = path.read_bytes()
    return data.startswith(b"\x89PNG") and int.from_bytes(data[16:20], "big") == 2 * PHONE[0]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(sqlite_url(tmp_path))
    yield engine
    engine.dispose()


@pytest.fixture
async def site(
    sqlite_engine: Engine, dialogue: Dialogue
) -> AsyncIterator[tuple[str, Conversation]]:
    """The web app on a free local port; yields its address and the service behind it."""
    conversation = Conversation(sqlite_engine, dialogue, TEST_KEY)
    channel = WebChannel(conversation, Renderer(dialogue), TEST_KEY, roomy_limits())
    config = uvicorn.Config(
        channel.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the web server did not start"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", conversation
    server.should_exit = True
    await serving


@pytest.fixture
async def chromium(tmp_path: Path) -> AsyncIterator[Chromium]:
    async with Chromium.launched(installed_chromium(), tmp_path / "profile") as browser:
        yield browser


async def page_of(tab: Tab) -> Page:
    return Page(200, await tab.html())


async def answer(tab: Tab, data: str, *, times: int = 1) -> Page:
    await tab.click(f'button[value="{data}"]', times=times)
    return await page_of(tab)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_a_person_on_a_phone_goes_from_the_team_link_to_the_summary(
    site: tuple[str, Conversation],
    chromium: Chromium,
    sqlite_engine: Engine,
    javascript: bool,
    shots: Path,
) -> None:
    address, conversation = site
    card = Teams(conversation.people, min_group=5).team(Person("telegram", "1"), "Keuken")
    code = card.replies[0].data["team"].code
    phone = await chromium.tab(*PHONE, javascript=javascript)

    await phone.goto(f"{address}/t/{code}")
    landing = await page_of(phone)
    assert landing.has("link van je team")
    consent = await answer(phone, "web:start")
    assert consent.has("Je doet mee voor het team 'Keuken'")
    first = await answer(phone, "a:toestemming:ja")
    assert first.position == (1, first.position[1] if first.position else 0)
    if javascript:
        await phone.screenshot(shots / "web-first-question.png")
        assert is_phone_png(shots / "web-first-question.png")

    second = await answer(phone, first.answers[-1])
    assert second.has("Jouw antwoord:") and await phone.url() == f"{address}/scan"
    # Reload and the browser's back button ask for a page (GET): no answer is sent again.
    await phone.reload()
    reloaded = await page_of(phone)
    assert reloaded.position == second.position and not reloaded.has("Jouw antwoord:")
    await phone.back()
    assert (await page_of(phone)).position == second.position  # the state as stored
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(Answer)).all()) == 2  # consent and the first answer
    back = await answer(phone, "nav:back")
    assert back.position and first.position and back.position[0] == first.position[0]
    assert f'value="{first.answers[-1]}" class="answer" aria-current="true"' in back.text

    twice = await answer(phone, back.answers[0], times=2)  # a double click
    assert twice.position == second.position or (
        twice.position and second.position and twice.position[0] == second.position[0]
    )
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(Answer)).all()) == 2  # consent and the first answer

    # A second device: another browser context, the code typed in by hand.
    resume_code = twice.code
    assert resume_code is not None
    other = await chromium.tab(*PHONE, javascript=javascript)
    await other.goto(f"{address}/verder")
    await other.type("#code", resume_code.lower())
    await other.click("form[action='/verder'] button")
    there = await page_of(other)
    assert there.position == twice.position

    page = there
    for _ in range(80):
        if not page.answers:
            break
        choice = "a:rol:medewerker" if "a:rol:medewerker" in page.answers else page.answers[0]
        page = await answer(other, choice)
    assert page.has("Dit is jouw uitslag")
    if javascript:  # the chart is drawn before the page is sent: nothing to wait for
        await other.screenshot(shots / "web-summary.png", whole_page=True)
        assert is_phone_png(shots / "web-summary.png")
    with Session(sqlite_engine) as session:
        scan = session.exec(select(Scan)).one()
        assert scan.finished_at is not None and scan.team_id == card.replies[0].data["team"].id
        assert len(session.exec(select(Answer)).all()) == WORKER_TOTAL + 1

    await answer(other, "web:my_data")
    asked = await answer(other, "nav:forget")
    assert asked.has("Weet je het zeker?")
    gone = await answer(other, "nav:forget_yes")
    assert gone.has("is gewist")
    with Session(sqlite_engine) as session:
        assert session.exec(select(Respondent)).all() == []


# axe-core from npm, pinned; installed once into the user's cache (npm from Debian if need be).
AXE_VERSION = "4.14.1"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def installed_axe() -> str:
    cache = Path.home() / ".cache" / "leercultuurscan" / f"axe-core-{AXE_VERSION}"
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists() and debian_command("npm", "npm"):
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(cache),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            timeout=300,
        )
    if not script.exists():
        pytest.skip("axe-core is not installed and npm cannot install it here")
    return script.read_text(encoding="utf-8")


async def findings(tab: Tab, axe: str) -> list[str]:
    """axe-core's serious and critical findings on the page, as 'rule: where'."""
    await tab.evaluate(axe)
    rules = json.dumps(AXE_RULES)
    found = await tab.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {rules}}}}})"
        ".then(r => r.passes.length ? r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        " : ['axe checked nothing'])"
    )
    return list(found)


async def test_every_kind_of_page_passes_axe_core(
    site: tuple[str, Conversation], chromium: Chromium
) -> None:
    address, _ = site
    axe = installed_axe()
    phone = await chromium.tab(*PHONE)
    await phone.call("Page.setBypassCSP", enabled=True)  # axe is injected from outside
    pages: dict[str, list[str]] = {}

    async def check(name: str) -> Page:
        pages[name] = await findings(phone, axe)
        return await page_of(phone)

    await phone.goto(f"{address}/")
    await check("landing")
    await answer(phone, "web:start")
    await check("welcome and consent")
    page = await answer(phone, "a:toestemming:ja")
    page = await answer(phone, "a:rol:medewerker")
    await check("question with back")
    await answer(phone, "web:pause")
    await check("paused")
    page = await answer(phone, "nav:resume")
    while page.answers:
        page = await answer(phone, page.answers[0])
    await check("summary")
    await answer(phone, "web:my_data")
    await check("my data")
    await answer(phone, "nav:forget")
    await check("delete, asked first")
    await phone.goto(f"{address}/verder")
    await check("resume form")
    await phone.goto(f"{address}/privacy")
    await check("privacy")
    await phone.goto(f"{address}/nergens")
    await check("not found")
    assert pages == {name: [] for name in pages}
