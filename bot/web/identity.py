"""Who a browser is: a random session id in a cookie, and what is derived from it.

Everything here is a keyed hash with the pseudonym key, each with its own prefix, so no two
uses can be confused: the person's pseudonym (through the service, channel "web"), the CSRF
token, and the resume code. The session id itself is never stored; a resume code is kept
only as a keyed hash, with the session id sealed by a key derived from the code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

CHANNEL = "web"  # the pseudonym hashes "web:<session>": never equal to a Telegram id's
SESSION_BYTES = 32
SESSION_FORM = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, URL-safe base64 without padding
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a screenshot or a note is typed back right.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
# 25 ** 10 is about 9.5e13 (46 bits): with a few tries per quarter hour per browser and
# per address, guessing any one of a million stored codes takes years.
CODE_LENGTH = 10


def new_session() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(SESSION_BYTES)).rstrip(b"=").decode()


def is_session(value: str | None) -> bool:
    return value is not None and SESSION_FORM.match(value) is not None


def normalise_code(typed: str) -> str:
    """The code as typed, without spaces or dashes, in capitals."""
    return re.sub(r"[\s-]", "", typed).upper()[:64]


def show_code(code: str) -> str:
    """The code in two halves, easier to read and copy: 'ACDEF-GHJKM'."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


class Keys:
    """Derives tokens and codes from the pseudonym key; the key never leaves this object."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _mac(self, purpose: str, value: str) -> bytes:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()

    def csrf_token(self, session: str) -> str:
        """The token every form of this session carries; another session's does not fit."""
        return self._mac("web-csrf", session).hex()[:32]

    def csrf_ok(self, session: str, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(session).encode(), token.encode())

    def resume_code(self, session: str) -> str:
        """The session's resume code: always the same for it, so nothing needs to keep it."""
        number = int.from_bytes(self._mac("web-code", session), "big")
        digits = []
        for _ in range(CODE_LENGTH):
            number, digit = divmod(number, len(CODE_ALPHABET))
            digits.append(CODE_ALPHABET[digit])
        return "".join(digits)

    def code_hash(self, code: str) -> str:
        """What the database keeps of a code."""
        return self._mac("web-resume", normalise_code(code)).hex()

    def seal(self, session: str, code: str) -> str:
        """The session id encrypted with a one-time pad only this code and the key make."""
        raw = base64.urlsafe_b64decode(session + "=")
        pad = self._mac("web-seal", normalise_code(code))
        return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).hex()

    def unseal(self, sealed: str, code: str) -> str | None:
        try:
            raw = bytes.fromhex(sealed)
        except ValueError:
            return None
        pad = self._mac("web-seal", normalise_code(code))
        if len(raw) != len(pad):
            return None
        plain = bytes(a ^ b for a, b in zip(raw, pad, strict=True))
        try:
            session = base64.urlsafe_b64encode(plain).rstrip(b"=").decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return session if is_session(session) else None
