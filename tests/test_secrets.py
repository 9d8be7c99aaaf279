"""Secrets apart from the data: the key file, its modes, and a database that holds no key."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.service.conversation import Conversation
from bot.service.outcome import Person
from dialogues.loader import Dialogue
from storage.db import make_engine, transaction
from storage.inserts import insert_unless_present
from storage.models import AppSecret
from storage.secrets import KEY_FILE, KeyMismatch, load_secrets
from tests.harness import everything_stored

ADA = Person("telegram", "777000111", "nl")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_file_is_made_once_private_and_the_database_holds_no_key(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    data_dir = tmp_path / "data"
    first = load_secrets(data_dir, engine)
    again = load_secrets(data_dir, engine)
    assert first == again, "made once, then read"
    assert len(first.pseudonym_key) == 64 and first.webhook_secret
    assert mode(data_dir) == 0o700
    assert mode(data_dir / KEY_FILE) == 0o600
    stored = everything_stored(database_url)
    assert first.pseudonym_key.encode() not in stored
    assert first.webhook_secret.encode() not in stored


def test_with_only_the_database_a_known_telegram_id_cannot_be_found(
    tmp_path: Path, engine: Engine, database_url: str, dialogue: Dialogue
) -> None:
    """The thief knows Ada's Telegram id and has the database; the key stayed behind."""
    secrets = load_secrets(tmp_path / "data", engine)
    conversation = Conversation(engine, dialogue, secrets.pseudonym_key)
    conversation.start(ADA)
    stored = everything_stored(database_url)
    assert conversation.pseudonym_of(ADA).encode() in stored
    # Every key the database could offer: its secret rows. None yields Ada's pseudonym.
    with transaction(engine) as session:
        candidates = [row.value for row in session.exec(select(AppSecret))]
    for candidate in candidates:
        guess = Conversation(engine, dialogue, candidate).pseudonym_of(ADA)
        assert guess.encode() not in stored
    assert ADA.external_id.encode() not in stored


def test_secrets_an_older_version_kept_in_the_database_move_to_the_key_file(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    old_key, old_secret = "ab" * 32, "old-webhook-secret_42"
    with transaction(engine) as session:
        insert_unless_present(session, AppSecret, name="pseudonym_key", value=old_key)
        insert_unless_present(session, AppSecret, name="webhook_secret", value=old_secret)

    moved = load_secrets(tmp_path / "data", engine)
    assert (moved.pseudonym_key, moved.webhook_secret) == (old_key, old_secret)
    kept = json.loads((tmp_path / "data" / KEY_FILE).read_text())
    assert kept == {"pseudonym_key": old_key, "webhook_secret": old_secret}
    stored = everything_stored(database_url)
    assert old_key.encode() not in stored and old_secret.encode() not in stored


def test_a_worker_with_another_key_refuses_to_start(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    load_secrets(tmp_path / "first", engine)
    with pytest.raises(KeyMismatch, match="PSEUDONYM_KEY is not the key"):
        load_secrets(tmp_path / "second", engine)  # a new key file on another machine
    other = make_engine(database_url)
    with pytest.raises(KeyMismatch):
        load_secrets(tmp_path / "third", other, pseudonym_key="cd" * 32)
    other.dispose()


def test_the_environment_wins_over_the_key_file(tmp_path: Path, engine: Engine) -> None:
    chosen = load_secrets(tmp_path, engine, pseudonym_key="ef" * 32, webhook_secret="s3cret")
    assert (chosen.pseudonym_key, chosen.webhook_secret) == ("ef" * 32, "s3cret")


def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'private' / 'scan.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:  # WAL and shared memory appear with a write
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    files = sorted((tmp_path / "private").iterdir())
    assert [f.name for f in files] == ["scan.db", "scan.db-shm", "scan.db-wal"]
    assert {mode(f) for f in files} == {0o600}
    assert mode(tmp_path / "private") == 0o700
    engine.dispose()
