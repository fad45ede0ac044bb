"""Webhook secrets are stored sealed, never in clear, and open again for signing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from cloud_plane.records.recipients import StoredRecipient
from cloud_plane.store.secret_box import load_or_create_box
from cloud_plane.store.sql import SqlStore

SECRET = "whsec-0123456789abcdef"


def test_the_key_file_is_private_and_stable(tmp_path: Path):
    path = tmp_path / "secrets.key"
    sealed = load_or_create_box(path).seal(SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_box(path).open(sealed) == SECRET


def test_a_secret_sealed_under_another_key_does_not_open(tmp_path: Path):
    sealed = load_or_create_box(tmp_path / "a.key").seal(SECRET)
    with pytest.raises(ValueError, match="does not open"):
        load_or_create_box(tmp_path / "b.key").open(sealed)


def test_a_recipients_webhook_secret_is_not_stored_in_clear(tmp_path: Path, database_url: str):
    from datetime import UTC, datetime

    store = SqlStore.open(database_url, secret_box=load_or_create_box(tmp_path / "k"))
    now = datetime.now(UTC)
    store.recipients.put_recipient(
        StoredRecipient(
            recipient_id="ops",
            name="Ops",
            created_at=now,
            updated_at=now,
            webhook_url="https://hooks.example/alerts",
            webhook_secret=SECRET,
        )
    )
    with store.db.engine.connect() as conn:
        raw = conn.execute(text("SELECT webhook_secret FROM cloud_recipients")).scalar_one()
    assert SECRET not in raw
    assert store.recipients.get_recipient("ops").webhook_secret == SECRET
    store.db.engine.dispose()
