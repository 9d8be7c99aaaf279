"""What a request must pass before the service sees it, and what every response carries.

Security headers on every response; a form posted from this site (Origin), small and quick
(body size and time); counted against the browser's and the address's rate limits. The
address is only counted in memory: nothing of it is stored or logged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.limits import Limit

# A form here is a token, a button's data (<= 64 bytes) and perhaps a team code or a resume
# code: far below 4 kB. Anything larger is not ours.
MAX_BODY = 4 * 1024
BODY_SECONDS = 10.0
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'self'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


@dataclass
class Limits:
    """How often a browser and an address may post; a person answers far slower than this."""

    per_session: Limit
    per_address: Limit
    code_tries: Limit  # wrong resume codes, per browser
    code_tries_address: Limit  # and per address, however many browsers it opens

    @classmethod
    def default(cls) -> Limits:
        return cls(
            per_session=Limit(30, 10.0),
            # Many people at one workplace share an address (one office, one NAT): far
            # above what one person sends, yet a flood from one address stays bounded.
            per_address=Limit(6_000, 60.0),
            code_tries=Limit(10, 15 * 60.0),
            code_tries_address=Limit(30, 15 * 60.0),
        )


class SecurityHeaders:
    """Adds the security headers to every response, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(event: Message) -> None:
            if event["type"] == "http.response.start":
                event["headers"] = [*event.get("headers", []), *SECURITY_HEADERS]
            await send(event)

        await self.app(scope, receive, with_headers)


class Refused(Exception):
    """A request answered with a friendly page and nothing changed."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def same_origin(request: Request) -> bool:
    """A form posted from this site. With Referrer-Policy no-referrer a browser sends
    `Origin: null` for its own forms; SameSite=Lax and the CSRF token cover that case."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    host = request.headers.get("host", "")
    return origin in (f"{request.url.scheme}://{host}", f"https://{host}")


async def bounded_body(request: Request) -> bytes:
    """The request body, no larger than MAX_BODY and no slower than BODY_SECONDS."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise Refused(413, "web_bad_request")
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    raise Refused(413, "web_bad_request")
    except TimeoutError:
        raise Refused(408, "web_bad_request") from None
    return bytes(body)
