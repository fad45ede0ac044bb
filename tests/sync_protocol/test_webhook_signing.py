"""Webhook signatures shared by cloud and node: HMAC of timestamp and body, replay window."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sync_protocol.webhook_signing import sign_webhook, verify_webhook_signature

SECRET = "s3cret-webhook-key-0123456789"
NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
TS = str(int(NOW.timestamp()))
BODY = b'{"event":"alert"}'


def test_the_signature_is_sha256_hmac_of_timestamp_dot_body():
    mac = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, TS, BODY) == "sha256=" + mac


def test_a_receiver_accepts_its_own_signature_and_refuses_tampering():
    signature = sign_webhook(SECRET, TS, BODY)
    assert verify_webhook_signature(SECRET, TS, BODY, signature, now=NOW)
    assert not verify_webhook_signature(SECRET, TS, BODY + b" ", signature, now=NOW)
    assert not verify_webhook_signature("other-secret-0123456789", TS, BODY, signature, now=NOW)
    assert not verify_webhook_signature(SECRET, str(int(TS) + 1), BODY, signature, now=NOW)


def test_old_or_malformed_timestamps_fail_like_a_wrong_signature():
    late = NOW + timedelta(minutes=6)
    assert not verify_webhook_signature(SECRET, TS, BODY, sign_webhook(SECRET, TS, BODY), now=late)
    for bad in ("", "12ab", "-1", "1" * 13, "١٢٣"):
        assert not verify_webhook_signature(SECRET, bad, BODY, "sha256=00", now=NOW)
