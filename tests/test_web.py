"""The web channel through its real ASGI app (Starlette's TestClient): a person's whole walk
from a team link to the summary, back, pause, a resume code on a second device, double
clicks, reloads after a post, and what the open internet may send: no token, a foreign token
or origin, a flood.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.render import Renderer
from bot.service.conversation import Conversation
from bot.service.outcome import Person
from bot.service.teams import Teams
from bot.web.app import COOKIE, WebChannel, preferred_language
from bot.web.flash import FLASH_SECONDS, Flashes
from bot.web.guards import MAX_BODY, Limits
from bot.web.identity import CODE_LENGTH, Keys
from bot.web.limits import Limit
from dialogues.loader import Dialogue
from storage.models import (
    Answer,
    Respondent,
    Result,
    Scan,
    Team,
    TeamRound,
    WebSession,
    utcnow,
)
from tests.flow import TEST_KEY, WORKER_TOTAL
from tests.test_teams import LEAD, close, finish, members, new_team

BUTTON = re.compile(r'<button name="data" value="([^"]+)"[^>]*>([^<]*)</button>')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
POSITION = re.compile(r"Vraag (\d+) van (\d+)")
CODE = re.compile(r"verder te gaan: ([A-Z0-9]{5}-[A-Z0-9]{5})")
# What the page must stay under, HTML without the style sheet (served once, then cached).
QUESTION_PAGE_BYTES = 6_000
STYLE_BYTES = 4_000


@dataclass
class Page:
    status: int
    text: str
    url: str = ""
    redirects: tuple[int, ...] = ()  # the statuses that led here, as the browser followed them

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(data, label) of every button, in page order."""
        return [(data, html.unescape(label)) for data, label in BUTTON.findall(self.text)]

    @property
    def answers(self) -> list[str]:
        return [data for data, _ in self.buttons if data.startswith("a:")]

    @property
    def position(self) -> tuple[int, int] | None:
        found = POSITION.search(self.text)
        return (int(found[1]), int(found[2])) if found else None

    @property
    def code(self) -> str | None:
        found = CODE.search(self.text)
        return found[1] if found else None

    def has(self, words: str) -> bool:
        return words in html.unescape(self.text)


class Browser:
    """One browser: its own cookie jar, and the token of the last page it was shown."""

    def __init__(self, channel: WebChannel, language: str = "nl") -> None:
        self.client = TestClient(
            channel.app(),
            base_url="https://scan.example",
            headers={"accept-language": language},
        )
        self.csrf = ""
        self.page = Page(0, "")

    def get(self, path: str) -> Page:
        return self._keep(self.client.get(path))

    def post(self, path: str, **form: str) -> Page:
        return self._keep(self.client.post(path, data={"csrf": self.csrf, **form}))

    def press(self, data: str, **form: str) -> Page:
        return self.post("/knop", data=data, **form)

    def _keep(self, response: Any) -> Page:  # the test client's response
        redirects = tuple(earlier.status_code for earlier in response.history)
        self.page = Page(response.status_code, response.text, str(response.url), redirects)
        found = CSRF.search(self.page.text)
        self.csrf = found[1] if found else self.csrf
        return self.page


def roomy_limits() -> Limits:
    """The default limits, but room for a test that clicks faster than anyone reads."""
    limits = Limits.default()
    limits.per_session = Limit(1_000, 10.0)
    return limits


@pytest.fixture
def channel(conversation: Conversation, dialogue: Dialogue) -> WebChannel:
    return WebChannel(conversation, Renderer(dialogue), TEST_KEY, roomy_limits())


@pytest.fixture
def browser(channel: WebChannel) -> Iterator[Browser]:
    browser = Browser(channel)
    with browser.client:
        yield browser


def walk_to_the_end(browser: Browser, *, role: str = "medewerker") -> list[tuple[int, int]]:
    """Answers every question with its first option (the role given); the positions seen."""
    seen = []
    for _ in range(100):
        page = browser.page
        if not page.answers:
            return seen
        if page.position:
            seen.append(page.position)
        choice = next((a for a in page.answers if a == f"a:rol:{role}"), page.answers[0])
        answered = browser.press(choice)
        assert answered.status == 200 and answered.redirects == (303,), "Post/Redirect/Get"
    raise AssertionError("the scan did not end")


def test_a_person_walks_from_a_team_link_to_the_summary(
    channel: WebChannel, browser: Browser, conversation: Conversation, engine: Engine
) -> None:
    teams = Teams(conversation.people, min_group=5)
    card = teams.team(Person("telegram", "1", "nl"), "Magazijn").replies[0]
    code = card.data["team"].code

    landing = browser.get(f"/t/{code}")
    assert landing.status == 200 and landing.has("link van je team")
    first = browser.press("web:start", team=code)
    assert first.has("Je doet mee voor het team 'Magazijn'")
    assert first.answers == ["a:toestemming:ja", "a:toestemming:nee"]
    browser.press("a:toestemming:ja")
    positions = walk_to_the_end(browser)

    assert positions[0] == (1, positions[0][1]) and positions[-1][1] == WORKER_TOTAL
    assert [n for n, _ in positions] == list(range(1, WORKER_TOTAL + 1))
    summary = browser.page
    assert summary.has("Dit is jouw uitslag") and "nav:more" in summary.text
    assert 'src="/uitslag.png"' in summary.text
    chart = browser.client.get("/uitslag.png")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    channel.charts.clear()  # another worker, or a restart: drawn again from the stored scan
    assert browser.client.get("/uitslag.png").content == chart.content
    with Session(engine) as session:
        scan = session.exec(select(Scan)).one()
        assert scan.team_id == card.data["team"].id and scan.finished_at is not None
        assert session.exec(select(Result)).one()


def test_the_question_page_is_light_and_in_scale_order(
    browser: Browser, dialogue: Dialogue
) -> None:
    browser.get("/")
    browser.press("web:start")
    page = browser.press("a:toestemming:ja")
    question = dialogue.question(page.answers[0].split(":")[1])
    assert page.answers == [f"a:{question.id}:{o.value}" for o in question.options]
    assert page.position == (1, page.position[1] if page.position else 0)
    assert len(page.text.encode()) < QUESTION_PAGE_BYTES
    style = browser.client.get("/static/web.css")
    assert style.headers["content-type"].startswith("text/css")
    assert len(style.content) < STYLE_BYTES
    assert "http" not in style.text and "http" not in re.sub(r'href="/[^"]*"', "", page.text)


def test_back_shows_the_previous_question_with_its_answer_marked(browser: Browser) -> None:
    browser.get("/")
    browser.press("web:start")
    first = browser.press("a:toestemming:ja")
    chosen = first.answers[-1]
    second = browser.press(chosen)
    assert second.position and first.position and second.position[0] == first.position[0] + 1
    back = browser.press("nav:back")
    assert back.position and back.position[0] == first.position[0]
    assert f'value="{chosen}" class="answer" aria-current="true"' in back.text


def test_a_double_click_counts_once(browser: Browser, engine: Engine) -> None:
    browser.get("/")
    browser.press("web:start")
    first = browser.press("a:toestemming:ja")
    answer = first.answers[0]
    once = browser.press(answer)
    twice = browser.press(answer)  # the same form posted again, as a double click does
    assert once.position == twice.position
    assert once.position and first.position and once.position[0] == first.position[0] + 1
    with Session(engine) as session:
        assert len(session.exec(select(Answer)).all()) == 2  # consent and the one answer


def answers_stored(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Answer)).all())


def test_an_answer_redirects_and_a_reload_answers_nothing_again(
    browser: Browser, engine: Engine
) -> None:
    browser.get("/")
    browser.press("web:start")
    consent = browser.press("a:toestemming:ja")
    # The answer just given shows once, as its button said it: one check mark, not two.
    assert consent.has("Jouw antwoord: ✅ Ja, ik doe mee") and not consent.has("✅ Jouw")
    first = consent.answers[0]
    posted = browser.client.post(
        "/knop", data={"csrf": browser.csrf, "data": first}, follow_redirects=False
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/scan"
    assert posted.text == ""  # nothing to resend: the page is the GET's
    answered = browser.get("/scan")
    assert answered.has("Jouw antwoord:") and answered.position
    assert consent.position and answered.position[0] == consent.position[0] + 1

    reloaded = browser.get("/scan")  # a reload (or back and forward): a GET, no form
    assert reloaded.position == answered.position and reloaded.answers == answered.answers
    assert not reloaded.has("Jouw antwoord:")  # the one-time line was shown once
    assert reloaded.code == answered.code
    assert answers_stored(engine) == 2  # consent and the one answer, however often reloaded
    following = browser.press(reloaded.answers[-1])  # the reloaded page's form still works
    assert following.position and following.position[0] == answered.position[0] + 1


def test_a_double_click_shows_the_first_clicks_answer_and_counts_once(
    browser: Browser, engine: Engine
) -> None:
    browser.get("/")
    browser.press("web:start")
    question = browser.press("a:toestemming:ja")
    form = {"csrf": browser.csrf, "data": question.answers[0]}
    # The browser drops the first post's redirect when the second click posts again.
    for _ in range(2):
        assert browser.client.post("/knop", data=form, follow_redirects=False).status_code == 303
    shown = browser.get("/scan")
    assert shown.has("Jouw antwoord:") and shown.position and question.position
    assert shown.position[0] == question.position[0] + 1
    assert answers_stored(engine) == 2


def test_the_summary_stays_on_a_reload(browser: Browser) -> None:
    browser.get("/")
    browser.press("web:start")
    browser.press("a:toestemming:ja")
    walk_to_the_end(browser)
    assert browser.page.has("Dit is jouw uitslag") and browser.page.url.endswith("/scan")
    chart = browser.client.get("/uitslag.png").content
    again = browser.get("/scan")
    assert again.has("Dit is jouw uitslag") and again.has("Je hebt de scan al afgerond")
    assert 'src="/uitslag.png"' in again.text
    assert browser.client.get("/uitslag.png").content == chart


def test_a_one_time_line_not_fetched_in_time_is_not_shown_later(
    channel: WebChannel, browser: Browser
) -> None:
    now = [0.0]
    channel.flashes = Flashes(clock=lambda: now[0])  # time moves only when told: no sleeping
    browser.get("/")
    browser.press("web:start")
    question = browser.press("a:toestemming:ja")
    form = {"csrf": browser.csrf, "data": question.answers[0]}
    browser.client.post("/knop", data=form, follow_redirects=False)  # the phone went away
    now[0] += FLASH_SECONDS + 1
    later = browser.get("/scan")
    assert later.position and question.position
    assert later.position[0] == question.position[0] + 1 and not later.has("Jouw antwoord:")


def test_a_reload_on_another_worker_shows_the_stored_question(
    conversation: Conversation, dialogue: Dialogue, browser: Browser
) -> None:
    """Two workers share the database, not their memory: the question is right either way."""
    browser.get("/")
    browser.press("web:start")
    browser.press("a:toestemming:ja")
    form = {"csrf": browser.csrf, "data": browser.page.answers[0]}
    assert browser.client.post("/knop", data=form, follow_redirects=False).status_code == 303
    other = WebChannel(conversation, Renderer(dialogue), TEST_KEY, roomy_limits())
    with TestClient(other.app(), base_url="https://scan.example") as client:
        client.cookies = browser.client.cookies
        there = Page(200, client.get("/scan").text)
    here = browser.get("/scan")  # the worker that took the post still has its one-time line
    assert there.position == here.position and there.answers == here.answers
    assert here.has("Jouw antwoord:") and not there.has("Jouw antwoord:")


def test_the_screen_page_without_a_session_leads_to_the_start(channel: WebChannel) -> None:
    with TestClient(channel.app(), base_url="https://scan.example") as client:
        response = client.get("/scan", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_pause_and_continue(browser: Browser) -> None:
    browser.get("/")
    browser.press("web:start")
    question = browser.press("a:toestemming:ja")
    paused = browser.press("web:pause")
    assert paused.has("Gepauzeerd") and paused.has("Kies Verder")
    assert "/pauze" not in paused.text and "/start" not in paused.text
    resumed = browser.press("nav:resume")
    assert resumed.position == question.position


def test_the_resume_code_continues_on_a_second_device(
    channel: WebChannel, browser: Browser
) -> None:
    browser.get("/")
    browser.press("web:start")
    browser.press("a:toestemming:ja")
    here = browser.press(browser.page.answers[0])
    code = here.code
    assert code is not None and len(code.replace("-", "")) == CODE_LENGTH

    with Browser(channel).client as client:
        other = Browser.__new__(Browser)
        other.client, other.csrf, other.page = client, "", Page(0, "")
        other.get("/verder")
        there = other.post("/verder", code=code.lower().replace("-", " "))
        assert there.position == here.position and there.code == code
        after = other.press(there.answers[0])
    assert after.position and here.position and after.position[0] == here.position[0] + 1
    # The first device sees the answer given on the second one.
    assert browser.press("web:restart").status == 200  # asks first, changes nothing
    assert browser.press("nav:keep").position == after.position


def test_wrong_resume_codes_are_refused_and_then_slowed_down(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    limits = roomy_limits()
    limits.code_tries = Limit(3, 900.0, clock=lambda: 0.0)  # time stands still: no sleeping
    limits.code_tries_address = Limit(5, 900.0, clock=lambda: 0.0)
    channel = WebChannel(conversation, Renderer(dialogue), TEST_KEY, limits)
    browsers = [Browser(channel) for _ in range(2)]
    for browser in browsers:
        browser.get("/verder")
    answers = [browsers[0].post("/verder", code="ACDEF-GHJKM") for _ in range(4)]
    assert all(page.has("Die code kennen we niet") for page in answers[:3])
    assert answers[3].status == 429 and answers[3].has("Wacht een kwartier")
    # A fresh browser from the same address gets the address's remaining tries only.
    more = [browsers[1].post("/verder", code="ACDEF-GHJKM") for _ in range(3)]
    assert [page.status for page in more] == [200, 200, 429]


def test_a_form_without_the_session_token_changes_nothing(
    browser: Browser, channel: WebChannel, engine: Engine
) -> None:
    browser.get("/")
    missing = browser.client.post("/knop", data={"data": "web:start"})
    foreign_token = Keys(TEST_KEY).csrf_token("A" * 43)
    foreign = browser.client.post("/knop", data={"csrf": foreign_token, "data": "web:start"})
    no_cookie = TestClient(channel.app(), base_url="https://scan.example").post(
        "/knop", data={"csrf": browser.csrf, "data": "web:start"}
    )
    for response in (missing, foreign, no_cookie):
        assert response.status_code == 403
        assert "verlopen of kwam niet van ons" in response.text
    with Session(engine) as session:
        assert session.exec(select(Respondent)).all() == []


def test_a_form_from_another_site_is_refused(browser: Browser) -> None:
    browser.get("/")
    form = {"csrf": browser.csrf, "data": "web:start"}
    foreign = browser.client.post("/knop", data=form, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    own = browser.client.post("/knop", data=form, headers={"origin": "https://scan.example"})
    assert own.status_code == 200


def test_every_page_sends_the_security_headers(browser: Browser) -> None:
    browser.get("/")
    responses = [
        browser.client.get("/"),
        browser.client.get("/privacy"),
        browser.client.get("/static/web.css"),
        browser.client.get("/nergens"),
        browser.client.post("/knop", data={"data": "web:start"}),
        browser.client.post("/knop", data={"csrf": browser.csrf, "data": "web:start"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 403, 200]
    assert browser.client.get("/knop", follow_redirects=False).headers["location"] == "/"
    for response in responses:
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert responses[0].headers["cache-control"] == "no-store"


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(channel: WebChannel) -> None:
    over_https = TestClient(channel.app(), base_url="https://scan.example").get("/")
    cookie = over_https.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    over_http = TestClient(channel.app(), base_url="http://localhost").get("/")
    assert "Secure" not in over_http.headers["set-cookie"]


def test_a_large_body_is_refused_unread(browser: Browser) -> None:
    browser.get("/")
    big = browser.client.post("/knop", data={"csrf": browser.csrf, "data": "x" * (2 * MAX_BODY)})
    assert big.status_code == 413 and "niet lezen" in big.text


def test_a_flood_from_one_browser_is_slowed_down_kindly(
    conversation: Conversation, dialogue: Dialogue, engine: Engine
) -> None:
    limits = Limits.default()
    limits.per_session = Limit(10, 10.0, clock=lambda: 0.0)  # time stands still: no sleeping
    channel = WebChannel(conversation, Renderer(dialogue), TEST_KEY, limits)
    browser = Browser(channel)
    with browser.client:
        browser.get("/")
        pages = [browser.press("web:my_data") for _ in range(15)]
        reloaded = browser.get("/scan")  # a reload reads the database: bounded as well
    assert [p.status for p in pages] == [200] * 10 + [429] * 5
    assert pages[-1].has("Je gaat erg snel")
    assert reloaded.status == 429


def test_deleting_everything_asks_first_and_the_code_stops_working(
    channel: WebChannel, browser: Browser, engine: Engine
) -> None:
    browser.get("/")
    browser.press("web:start")
    started = browser.press("a:toestemming:ja")
    code = started.code
    assert code is not None
    mine = browser.press("web:my_data")
    assert mine.has("Dit is alles wat we van je hebben") and mine.has("Je nummer bij ons")
    assert "nav:forget" in [data for data, _ in mine.buttons]
    asked = browser.press("nav:forget")
    assert asked.has("Weet je het zeker?")
    with Session(engine) as session:
        assert session.exec(select(Respondent)).all() != []
    old_cookie = browser.client.cookies[COOKIE]
    gone = browser.press("nav:forget_yes")
    assert gone.has("Alles wat we van je hadden, is gewist") and gone.has("code werkt niet meer")
    assert browser.client.cookies[COOKIE] != old_cookie
    with Session(engine) as session:
        assert session.exec(select(Respondent)).all() == []
        assert session.exec(select(WebSession)).all() == []
    with Browser(channel).client as client:
        other = Browser.__new__(Browser)
        other.client, other.csrf, other.page = client, "", Page(0, "")
        other.get("/verder")
        assert other.post("/verder", code=code).has("Die code kennen we niet")


def test_the_database_keeps_neither_the_session_nor_the_code(
    browser: Browser, engine: Engine
) -> None:
    browser.get("/")
    browser.press("web:start")
    page = browser.press("a:toestemming:ja")
    session_id = browser.client.cookies[COOKIE]
    code = (page.code or "").replace("-", "")
    assert code
    dump = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            dump += [str(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    everything = "\n".join(dump)
    assert session_id not in everything and code not in everything
    assert "web:" not in everything


def test_the_language_follows_the_browser_and_can_be_switched(channel: WebChannel) -> None:
    browser = Browser(channel, language="en-GB,en;q=0.9,nl;q=0.5")
    with browser.client:
        landing = browser.get("/")
        assert '<html lang="en">' in landing.text and landing.has("Begin")
        browser.press("web:start")
        question = browser.press("a:toestemming:ja")
        assert question.has("Question 1 of")
        dutch = browser.press("lang:nl")
        assert '<html lang="nl">' in dutch.text and dutch.has("Vraag 1 van")
    assert preferred_language("de-DE,de;q=0.9", ("nl", "en")) == "nl"
    assert preferred_language("nl;q=0.4, en;q=0.8", ("nl", "en")) == "en"
    assert preferred_language("", ("nl", "en")) == "nl"


def test_web_texts_name_no_chat_commands(channel: WebChannel) -> None:
    browser = Browser(channel)
    with browser.client:
        browser.get("/")
        declined = browser.press("web:start")
        declined = browser.press("a:toestemming:nee")
        privacy = browser.get("/privacy")
    assert declined.has("Kies dan Begin") and "web:start" in declined.text
    for page in (declined, privacy):
        assert not re.search(r"/(start|mijngegevens|verwijder|opnieuw)\b", html.unescape(page.text))


def test_a_team_half_on_telegram_half_on_the_web_shows_one_result(
    channel: WebChannel, conversation: Conversation
) -> None:
    teams = Teams(conversation.people, min_group=4)
    code = new_team(teams)
    for n, person in enumerate(members(2)):  # two through Telegram
        conversation.start(person, code)
        finish(conversation, person, option_index=n + 2)
    for _ in range(2):  # two through the browser, each their own
        browser = Browser(channel)
        with browser.client:
            browser.get(f"/t/{code}")
            browser.press("web:start", team=code)
            browser.press("a:toestemming:ja")
            walk_to_the_end(browser)
            assert browser.page.has("Dit is jouw uitslag")
    waiting = teams.overview(LEAD).replies[0]
    assert waiting.data["params"]["finished"] == 4
    close(teams, code)
    result = teams.overview(LEAD).replies[0]
    assert result.template == "team_result" and result.data["finished"] == 4


def test_the_tidy_forgets_resume_codes_past_the_retention(
    browser: Browser, conversation: Conversation, engine: Engine
) -> None:
    """The service's tidy does it: the Telegram bot's nightly job runs that (webhook mode
    serves the pages too), and so does the web's own daily tidy when it runs alone."""
    browser.get("/")
    browser.press("web:start")
    code = browser.page.code
    assert conversation.tidy().resume_codes == 0
    with Session(engine) as session:
        assert len(session.exec(select(WebSession)).all()) == 1  # still young: kept
        row = session.exec(select(WebSession)).one()
        row.created_at = row.created_at - conversation.policy.retention * 2
        session.add(row)
        session.commit()
    assert conversation.tidy().resume_codes == 1
    with Session(engine) as session:
        assert session.exec(select(WebSession)).all() == []
    browser.get("/verder")
    assert code and browser.post("/verder", code=code).has("Die code kennen we niet")


def test_a_flood_from_one_address_is_bounded_however_many_browsers_it_opens(
    conversation: Conversation, dialogue: Dialogue
) -> None:
    limits = roomy_limits()
    limits.per_address = Limit(6, 60.0, clock=lambda: 0.0)  # time stands still: no sleeping
    channel = WebChannel(conversation, Renderer(dialogue), TEST_KEY, limits)
    browsers = [Browser(channel) for _ in range(3)]
    for browser in browsers:
        browser.get("/")  # reading is not limited: only posting is
    statuses = [browser.press("web:my_data").status for _ in range(3) for browser in browsers]
    assert statuses == [200] * 6 + [429] * 3
    assert browsers[0].page.has("Je gaat erg snel")


def test_the_way_in_offers_telegram_once_the_bot_is_known(channel: WebChannel) -> None:
    """A team's QR code opens this page: a phone with Telegram may go on in the app instead."""
    with Browser(channel).client as client:
        assert "t.me" not in client.get("/t/abcdEFGH1234").text  # no bot known: the web only
    channel.knows_bot("scanbot")
    with Browser(channel).client as client:
        team_page, plain_page = client.get("/t/abcdEFGH1234").text, client.get("/").text
    assert 'href="https://t.me/scanbot?start=abcdEFGH1234"' in team_page
    assert "Open in Telegram" in team_page
    assert 'href="https://t.me/scanbot"' in plain_page


def test_pages_that_run_alone_close_rounds_at_their_end_date(
    conversation: Conversation, channel: WebChannel
) -> None:
    teams = Teams(conversation.people, min_group=3)
    code = new_team(teams)
    for person in members(3):
        conversation.start(person, code)
        finish(conversation, person, option_index=2)
    with Session(conversation.engine) as session:
        team = session.exec(select(Team)).one()
        team.round_ends_at = utcnow() - timedelta(minutes=1)
        session.add(team)
        session.commit()
    channel.close_due_rounds = teams.close_due_rounds

    with TestClient(channel.app(housekeeping=True)):  # the lifespan starts the hourly look
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not closed_rounds(conversation.engine):
            time.sleep(0.05)

    assert closed_rounds(conversation.engine) == [(1, 3)]  # round 1, its 3 people


def closed_rounds(engine: Engine) -> list[tuple[int, int]]:
    with Session(engine) as session:
        return [(r.wave, r.people) for r in session.exec(select(TeamRound))]
