"""The web app: pages for reading (GET) and one form endpoint for every button (POST).

Every POST carries the session's CSRF token and passes the guards (`guards.py`) before the
service sees it. A POST that changes something answers with a redirect (303) to the screen
page, which shows what the POST produced once and otherwise the stored state (`flash.py`):
a reload or the back button never sends a form again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.render import Renderer, channel_dialogue
from bot.service.conversation import Conversation
from bot.service.outcome import Outcome, Person, message, nav_data
from bot.web import identity
from bot.web.flash import Flashes
from bot.web.guards import (
    Limits,
    Refused,
    SecurityHeaders,
    address_of,
    bounded_body,
    same_origin,
)
from bot.web.identity import CHANNEL, Keys, new_session, show_code
from bot.web.pages import Pages, is_closed
from bot.web.resume import ResumeCodes
from placement import Placement
from storage.database import Database

log = logging.getLogger(__name__)
WEB_PREFIX = "web_"
COOKIE = "scan_session"
COOKIE_DAYS = 400  # browsers cap a cookie's life at 400 days; the scan expires sooner
STATIC = Path(__file__).parent / "static"
MAX_DATA = 64  # a button's data, as Telegram's callback data
# A chart is drawn only when the browser asks for it, in a thread (drawing is CPU work that
# would stall the loop), from the summary's placement kept here; the newest few pictures are
# kept for a reload.
PLACEMENTS_KEPT = 10_000
CHARTS_KEPT = 200
TIDY_EVERY = timedelta(days=1)
ROUND_CHECK = timedelta(hours=1)  # rounds end on a day: an hourly look is soon enough
SCREEN = "/scan"  # where every form post leads: the question, the summary, where one is


class WebChannel:
    """The web's routes around the conversation service."""

    def __init__(
        self,
        conversation: Conversation,
        renderer: Renderer,
        key: str,
        limits: Limits | None = None,
    ) -> None:
        self.conversation = conversation
        web_dialogue = channel_dialogue(renderer.dialogue, WEB_PREFIX)
        self.renderer = Renderer(web_dialogue, renderer.facts)
        self.renderer.deep_link = "/t/"
        self.pages = Pages(self.renderer)
        self.keys = Keys(key)
        self.codes = ResumeCodes(conversation.engine, self.keys)
        self.database = Database(conversation.engine)
        self.limits = limits or Limits.default()
        self.placements: OrderedDict[str, tuple[Placement, str]] = OrderedDict()
        self.charts: OrderedDict[str, bytes] = OrderedDict()
        self.flashes = Flashes()
        self.css = (STATIC / "web.css").read_bytes()
        # The bot's own Telegram address ("https://t.me/<bot>"), once known: the way in
        # offers the app too, so a team's QR code serves phones with and without Telegram.
        self.telegram: str | None = None
        # For a deployment that runs only the web: closes rounds at their end date (hourly).
        self.close_due_rounds: Callable[[], object] | None = None
        self.commands: dict[str, Callable[[Person], Outcome]] = {
            "web:pause": conversation.pause,
            "web:restart": conversation.restart,
            "web:my_data": conversation.my_data,
        }

    # --- the app

    def app(self, *, housekeeping: bool = False) -> ASGIApp:
        """The ASGI app; with `housekeeping` it also tidies storage now and once a day."""
        routes = [
            Route("/", self.landing),
            Route("/t/{code}", self.landing),
            Route("/knop", self.button, methods=["POST"]),
            Route("/knop", self.to_start),  # a bookmarked or typed form address
            Route(SCREEN, self.screen),
            Route("/verder", self.resume_form),
            Route("/verder", self.resume, methods=["POST"]),
            Route("/privacy", self.privacy),
            Route("/uitslag.png", self.chart),
            Route("/static/web.css", self.stylesheet),
            Route("/healthz", self.health),
        ]
        app = Starlette(
            routes=routes,
            exception_handlers={404: self.not_found},
            lifespan=self._housekeeping if housekeeping else None,
        )
        return SecurityHeaders(app)

    def knows_bot(self, username: str) -> None:
        """Learns the Telegram bot's name (from the webhook worker beside it, or getMe)."""
        self.telegram = f"https://t.me/{username}"

    @contextlib.asynccontextmanager
    async def _housekeeping(self, _app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self._tidy_daily())]
        if self.close_due_rounds is not None:
            tasks.append(asyncio.create_task(self._close_rounds_hourly(self.close_due_rounds)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    async def _close_rounds_hourly(self, close: Callable[[], object]) -> None:
        """What the Telegram bot's hourly job does: rounds close at their end date."""
        while True:
            try:
                await self.database.run(close)
            except Exception:  # tried again in an hour; the pages go on meanwhile
                log.exception("closing rounds failed")
            await asyncio.sleep(ROUND_CHECK.total_seconds())

    async def _tidy_daily(self) -> None:
        """What the Telegram bot's nightly job does, for a deployment that runs only the web."""
        while True:
            try:
                done = await self.database.run(self.conversation.tidy)
                log.info(
                    "tidied: %d idle scans expired, %d old scans unlinked, %d codes forgotten",
                    done.expired,
                    done.unlinked,
                    done.resume_codes,
                )
            except Exception:  # tried again tomorrow; the pages go on meanwhile
                log.exception("tidying failed")
            await asyncio.sleep(TIDY_EVERY.total_seconds())

    # --- pages to read

    async def landing(self, request: Request) -> Response:
        """The way in: a Begin button; from a team link, the team's code goes along."""
        team = request.path_params.get("code")
        if team is not None and not _is_team_code(team):
            return await self.not_found(request, None)
        session, fresh = self.session_of(request)
        html = self.pages.page(
            "landing.j2",
            self.language_of(request),
            csrf=self.keys.csrf_token(session),
            team=team,
            telegram=self.telegram,
        )
        return self.respond(request, html, session if fresh else None)

    async def privacy(self, request: Request) -> Response:
        session, fresh = self.session_of(request)
        person = self.person(request, session)
        language = await self.database.run(self.conversation.language_of, person)
        shown = self.renderer.render(message("privacy"), language)
        html = self.pages.page("text.j2", language, html=Markup(shown.text))
        return self.respond(request, html, session if fresh else None)

    async def resume_form(self, request: Request) -> Response:
        session, fresh = self.session_of(request)
        html = self.pages.page(
            "resume.j2",
            self.language_of(request),
            csrf=self.keys.csrf_token(session),
            problem=None,
        )
        return self.respond(request, html, session if fresh else None)

    async def screen(self, request: Request) -> Response:
        """Where a form post leads: its outcome once, else the screen the stored state gives."""
        session = request.cookies.get(COOKIE)
        if not identity.is_session(session):
            return self.redirect(request, "/", None)  # nothing to show a new browser yet
        assert session is not None
        person = self.person(request, session)
        outcome = self.flashes.take(session)
        if outcome is None:  # a reload, the back button, another worker: from the database
            if not (
                self.limits.per_address.allow(address_of(request))
                and self.limits.per_session.allow(session)
            ):
                return self.problem(request, Refused(429, "web_slow_down"))
            outcome = await self.database.run(self.conversation.current, person, summary=True)
        return await self.show(request, person, outcome, session)

    async def chart(self, request: Request) -> Response:
        """The summary's chart; after a restart or on another worker, from the stored scan."""
        session, _ = self.session_of(request)
        if not (
            self.limits.per_address.allow(address_of(request))
            and self.limits.per_session.allow(session)
        ):
            return Response(status_code=429)  # drawing is the dearest thing here: bounded
        png = self.charts.get(session)
        if png is None:
            known = self.placements.get(session)
            if known is None:
                person = self.person(request, session)
                more = await self.database.run(self.conversation.press, person, nav_data("more"))
                summary = [r for r in more.replies if r.template == "summary_more"]
                if not summary:
                    return Response(status_code=404)  # no finished scan in this session
                known = (summary[0].data["placement"], self.pages.locale(more.language).language)
            png = await self._draw_chart(*known)
            _keep(self.charts, session, png, CHARTS_KEPT)
        return Response(png, media_type="image/png", headers={"cache-control": "no-store"})

    async def stylesheet(self, _request: Request) -> Response:
        return Response(
            self.css, media_type="text/css", headers={"cache-control": "public, max-age=3600"}
        )

    async def to_start(self, _request: Request) -> Response:
        return RedirectResponse("/", status_code=303)

    async def health(self, _request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(self, request: Request, _error: Exception | None) -> Response:
        return self.problem(request, Refused(404, "web_not_found"))

    # --- forms

    async def button(self, request: Request) -> Response:
        """Any button: an answer, back, pause, a language, Begin; the service does the rest."""
        try:
            session, form = await self.checked_form(request)
        except Refused as refused:
            return self.problem(request, refused)
        data = form.get("data", "")[:MAX_DATA]
        person = self.person(request, session)
        try:
            outcome = await self.handle(person, data, form.get("team"))
        except Exception:  # the person sees a plain apology; the log has the cause
            log.exception("web request failed")
            return self.problem(request, Refused(500, "web_error"))
        fresh = None
        if any(reply.data.get("key") == "forgotten" for reply in outcome.replies):
            await self.database.run(self.codes.forget, session)
            self.charts.pop(session, None)
            self.placements.pop(session, None)
            self.flashes.drop(session)
            fresh = new_session()  # the old session id no longer leads anywhere
        return self.posted(request, fresh or session, outcome, fresh)

    async def handle(self, person: Person, data: str, team: str | None) -> Outcome:
        conversation = self.conversation
        if data == "web:start":
            payload = team if team and _is_team_code(team) else None
            outcome = await self.database.run(conversation.start, person, payload)
            await self.database.run(self.codes.remember, person.external_id)
            return outcome
        command = self.commands.get(data)
        if command is not None:
            return await self.database.run(command, person)
        outcome = await self.database.run(conversation.press, person, data)
        if data.startswith("lang:"):  # a language chosen makes a person: give them a code
            await self.database.run(self.codes.remember, person.external_id)
        return outcome  # no replies: a double click, the first one counted

    async def resume(self, request: Request) -> Response:
        """A resume code typed in: this browser becomes the session the code belongs to."""
        try:
            session, form = await self.checked_form(request)
        except Refused as refused:
            return self.problem(request, refused)
        address = address_of(request)
        language = self.language_of(request)
        tries, from_address = self.limits.code_tries, self.limits.code_tries_address
        if tries.blocked(session) or from_address.blocked(address):
            return self.resume_problem(request, session, language, "web_resume_wait", 429)
        found = await self.database.run(self.codes.session_for, form.get("code", ""))
        if found is None:  # only wrong codes count: a person who gets it right is not slowed
            tries.allow(session)
            from_address.allow(address)
            return self.resume_problem(request, session, language, "web_resume_unknown", 200)
        person = self.person(request, found)
        outcome = await self.database.run(self.conversation.start, person, None)
        return self.posted(request, found, outcome, found)

    def resume_problem(
        self, request: Request, session: str, language: str, key: str, status: int
    ) -> Response:
        html = self.pages.page(
            "resume.j2", language, csrf=self.keys.csrf_token(session), problem=key
        )
        return self.respond(request, html, None, status=status)

    async def checked_form(self, request: Request) -> tuple[str, dict[str, str]]:
        """The session and the form, once the request passed every check; else Refused."""
        session = request.cookies.get(COOKIE)
        if not identity.is_session(session):
            raise Refused(403, "web_forbidden")
        assert session is not None
        if not same_origin(request):
            raise Refused(403, "web_forbidden")
        if not self.limits.per_address.allow(address_of(request)):
            raise Refused(429, "web_slow_down")
        body = await bounded_body(request)
        form = {
            name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()
        }
        if not self.keys.csrf_ok(session, form.get("csrf", "")):
            raise Refused(403, "web_forbidden")
        if not self.limits.per_session.allow(session):
            raise Refused(429, "web_slow_down")
        return session, form

    # --- showing

    def posted(
        self, request: Request, session: str, outcome: Outcome, new_cookie: str | None
    ) -> Response:
        """Post/Redirect/Get: the outcome waits for the screen page the browser is sent to."""
        if outcome.replies:  # none: a double click's second post; the first one's stays
            self.flashes.put(session, outcome)
        return self.redirect(request, SCREEN, new_cookie)

    async def show(
        self, request: Request, person: Person, outcome: Outcome, session: str
    ) -> Response:
        screen = self.pages.screen(outcome, person.language)
        closed = is_closed(outcome)
        if not closed:
            screen.code = show_code(self.keys.resume_code(session))
        if screen.chart:  # drawn when the browser asks for the picture
            summary = next(r for r in outcome.replies if r.template == "summary")
            kept = (summary.data["placement"], screen.language)
            if self.placements.get(session) != kept:  # a reload keeps the picture drawn
                self.charts.pop(session, None)
            _keep(self.placements, session, kept, PLACEMENTS_KEPT)
        html = self.pages.page(
            "screen.j2",
            screen.language,
            screen=screen,
            csrf=self.keys.csrf_token(session),
            begin=not any(shown.rows for shown in screen.messages),
            can_pause=any(shown.question for shown in screen.messages),
            can_restart=not closed,
        )
        return self.respond(request, html, None, status=screen.status)

    async def _draw_chart(self, placement: Placement, language: str) -> bytes:
        from bot.pictures.charts import summary_chart  # Pillow: only a summary needs it

        locale = self.pages.locale(language)
        return await asyncio.to_thread(summary_chart, placement, locale)

    def problem(self, request: Request, refused: Refused) -> Response:
        session = request.cookies.get(COOKIE)
        fresh = None if identity.is_session(session) else new_session()
        html = self.pages.page("problem.j2", self.language_of(request), problem=refused.key)
        return self.respond(request, html, fresh, status=refused.status)

    def respond(
        self, request: Request, html: str, new_cookie: str | None, *, status: int = 200
    ) -> Response:
        # Pages show answers: no shared cache, no back-button copy on a shared phone.
        response = HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
        return self.with_cookie(request, response, new_cookie)

    def redirect(self, request: Request, path: str, new_cookie: str | None) -> Response:
        """303 See Other: the browser fetches `path` with GET, whatever the request was."""
        response = RedirectResponse(path, status_code=303, headers={"cache-control": "no-store"})
        return self.with_cookie(request, response, new_cookie)

    def with_cookie(self, request: Request, response: Response, session: str | None) -> Response:
        if session is not None:
            response.set_cookie(
                COOKIE,
                session,
                max_age=COOKIE_DAYS * 24 * 3600,
                httponly=True,
                secure=request.url.scheme == "https",
                samesite="lax",
                path="/",
            )
        return response

    # --- who is asking

    def session_of(self, request: Request) -> tuple[str, bool]:
        """The browser's session id, or a new one (True) to set in the cookie."""
        session = request.cookies.get(COOKIE)
        if identity.is_session(session):
            assert session is not None
            return session, False
        return new_session(), True

    def person(self, request: Request, session: str) -> Person:
        return Person(CHANNEL, session, self.language_of(request))

    def language_of(self, request: Request) -> str:
        return preferred_language(
            request.headers.get("accept-language", ""), tuple(self.renderer.dialogue.locales)
        )


def _keep(kept: OrderedDict[str, Any], key: str, value: Any, most: int) -> None:
    """Keeps `value` as the newest entry, dropping the oldest beyond `most`."""
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > most:
        kept.popitem(last=False)


def preferred_language(header: str, supported: tuple[str, ...]) -> str:
    """The browser's most preferred language we have; Dutch when none fits."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, tag.split("-")[0].strip().lower()))
    for negative_quality, _, code in sorted(ranked):
        if negative_quality < 0 and code in supported:
            return code
    return "nl" if "nl" in supported else supported[0]


def _is_team_code(code: str) -> bool:
    """What a Telegram deep link may carry: 1-64 of A-Z a-z 0-9 _ -."""
    return 0 < len(code) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in code)
