"""Webhook signatures: what receivers accept and what they must refuse."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from cloud_plane.alerts.signing import sign_webhook, verify_webhook_signature

SECRET = "a-secret-of-decent-length"
BODY = b'{"version":1}'
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
TS = str(int(NOW.timestamp()))


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, TS, BODY) == f"sha256={expected}"


def test_a_fresh_signature_verifies() -> None:
    assert verify_webhook_signature(SECRET, TS, BODY, sign_webhook(SECRET, TS, BODY), now=NOW)


def test_a_changed_body_fails() -> None:
    signature = sign_webhook(SECRET, TS, BODY)
    assert not verify_webhook_signature(SECRET, TS, BODY + b" ", signature, now=NOW)


def test_another_secret_fails() -> None:
    signature = sign_webhook("another-secret-entirely", TS, BODY)
    assert not verify_webhook_signature(SECRET, TS, BODY, signature, now=NOW)


def test_a_replayed_old_timestamp_fails() -> None:
    old = str(int(NOW.timestamp()) - 301)
    assert not verify_webhook_signature(SECRET, old, BODY, sign_webhook(SECRET, old, BODY), now=NOW)


def test_a_timestamp_from_the_future_beyond_tolerance_fails() -> None:
    ahead = str(int(NOW.timestamp()) + 301)
    signature = sign_webhook(SECRET, ahead, BODY)
    assert not verify_webhook_signature(SECRET, ahead, BODY, signature, now=NOW)


def test_tolerance_is_configurable() -> None:
    old = str(int(NOW.timestamp()) - 3600)
    signature = sign_webhook(SECRET, old, BODY)
    assert verify_webhook_signature(
        SECRET, old, BODY, signature, now=NOW, tolerance=dt.timedelta(hours=2)
    )


def test_a_non_numeric_timestamp_fails_without_raising() -> None:
    assert not verify_webhook_signature(SECRET, "12e3", BODY, "sha256=00", now=NOW)


def test_a_non_ascii_signature_fails_without_raising() -> None:
    assert not verify_webhook_signature(SECRET, TS, BODY, "sha256=ü", now=NOW)
