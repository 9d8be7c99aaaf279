"""Secrets kept apart from the data: a key file beside the database, readable by its owner only.

The pseudonym key turns a Telegram id into a pseudonym; whoever holds both the key and the
database can link answers back to people. So the key never lives in the database: it comes from
the environment, or it is generated once into `leercultuurscan.key` (mode 0600) in the data
folder. The database keeps only a fingerprint, so that a worker started with another key
refuses to run instead of quietly treating everyone as a new person. Losing the key file
unlinks returning people from their earlier scans; back it up apart from the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import forget_freed_pages, transaction
from storage.inserts import insert_unless_present
from storage.models import AppSecret

KEY_FILE = "leercultuurscan.key"
FINGERPRINT = "pseudonym_key_fingerprint"
# Where versions before the key file kept them: moved out once, then deleted.
OLD_ROWS = ("pseudonym_key", "webhook_secret")
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


class KeyMismatch(SystemExit):
    """The pseudonym key is not the one this database was made with."""


@dataclass(frozen=True)
class Secrets:
    pseudonym_key: str
    webhook_secret: str


def private_folder(folder: Path) -> Path:
    """The folder, made if needed, readable by this user only."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    folder.chmod(PRIVATE_FOLDER)
    return folder


def load_secrets(
    data_dir: Path,
    engine: Engine,
    *,
    pseudonym_key: str | None = None,
    webhook_secret: str | None = None,
) -> Secrets:
    """The secrets from the environment (the arguments), else from the key file, made once.

    Secrets an older version kept in the database are moved into the key file and deleted
    there. The key's fingerprint is checked against the database's.
    """
    path = private_folder(data_dir) / KEY_FILE
    with transaction(engine) as session:
        old = {name: row.value for name in OLD_ROWS if (row := session.get(AppSecret, name))}
    kept = _read(path) or _write_once(
        path,
        {
            "pseudonym_key": old.get("pseudonym_key") or secrets.token_hex(32),
            "webhook_secret": old.get("webhook_secret") or secrets.token_urlsafe(32),
        },
    )
    chosen = Secrets(
        pseudonym_key=pseudonym_key or kept["pseudonym_key"],
        webhook_secret=webhook_secret or kept["webhook_secret"],
    )
    with transaction(engine) as session:
        _check_fingerprint(session, chosen.pseudonym_key)
        for name, value in old.items():
            if value == kept.get(name):  # safely in the file now
                row = session.get(AppSecret, name)
                if row is not None:
                    session.delete(row)
    if old:
        forget_freed_pages(engine)  # the old rows' bytes out of SQLite's write-ahead log too
    return chosen


def fingerprint(key: str) -> str:
    """Tells keys apart without revealing them: a keyed hash of a fixed text."""
    return hmac.new(key.encode(), b"leercultuurscan key check", hashlib.sha256).hexdigest()


def _check_fingerprint(session: Session, key: str) -> None:
    expected = fingerprint(key)
    insert_unless_present(session, AppSecret, name=FINGERPRINT, value=expected)
    stored = session.get(AppSecret, FINGERPRINT)
    if stored is not None and stored.value != expected:
        raise KeyMismatch(
            "PSEUDONYM_KEY is not the key this database was made with: returning people would "
            "not be recognised. Use the key from the first worker's data folder "
            f"({KEY_FILE}) or its PSEUDONYM_KEY."
        )


def _read(path: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    path.chmod(PRIVATE_FILE)
    loaded: dict[str, str] = json.loads(text)
    return loaded


def _write_once(path: Path, values: dict[str, str]) -> dict[str, str]:
    """Writes the file unless another process just did; either way returns what it holds.

    Written whole to a private temporary file, then linked into place: a second worker
    starting at the same moment reads a complete file or makes its own link fail.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(values, file)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    kept = _read(path)
    assert kept is not None
    return kept
