"""Fallback settings: read from the environment, checked together, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from local_node.alerts.channels import build_channels
from local_node.clock import utc_now
from local_node.config import FallbackSettings, NodeSettings


def test_fallback_settings_come_from_the_environment_and_hide_their_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    for name, value in {
        "FALLBACK_SMTP_HOST": "smtp.example.com",
        "FALLBACK_SMTP_USER": "node",
        "FALLBACK_SMTP_PASSWORD": "smtp-pass-987",
        "FALLBACK_EMAIL_FROM": "node@example.com",
        "FALLBACK_EMAIL_TO": '["duty@example.com", "desk@example.com"]',
        "FALLBACK_WEBHOOK_URL": "https://hooks.example.com/T0/secret-path",
        "FALLBACK_WEBHOOK_SECRET": "hook-secret-0123456789",
        "FALLBACK_AFTER_S": "300",
    }.items():
        monkeypatch.setenv(f"EDGESYNC_NODE_{name}", value)
    settings = NodeSettings(data_dir=tmp_path)
    assert settings.fallback.email_to == ["duty@example.com", "desk@example.com"]
    assert settings.fallback.after_s == 300 and settings.fallback.smtp_starttls
    shown = repr(settings) + str(settings.model_dump())
    assert "smtp-pass-987" not in shown and "hook-secret-0123456789" not in shown
    channels = build_channels(settings.fallback, clock=utc_now)
    assert [c.name for c in channels] == ["smtp", "webhook"]
    assert channels[0].recipients() == ["duty@example.com", "desk@example.com"]
    assert "secret-path" not in channels[1].recipients()[0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"fallback_smtp_host": "smtp.example.com"},  # no from / to
        {"fallback_smtp_user": "node"},  # user without password
        {"fallback_webhook_url": "https://hooks.example.com/x"},  # no secret
        {"fallback_webhook_url": "ftp://x", "fallback_webhook_secret": "k" * 16},
        {"fallback_webhook_url": "https://x", "fallback_webhook_secret": "short"},
        {"fallback_email_to": ["duty@example.com\r\nBcc: evil@example.com"]},
    ],
)
def test_incomplete_or_unsafe_fallback_settings_are_refused(overrides: dict, tmp_path: Path):
    with pytest.raises(ValidationError):
        NodeSettings(data_dir=tmp_path, **overrides)


def test_every_fallback_setting_is_described_and_off_by_default(tmp_path: Path):
    fields = FallbackSettings.model_fields
    assert len(fields) >= 11 and all(f.description for f in fields.values())
    settings = NodeSettings(data_dir=tmp_path)
    assert not settings.fallback.configured
    assert build_channels(settings.fallback, clock=utc_now) == []


def test_starting_the_fallback_logs_no_secret(
    node_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    node_factory(
        fallback_webhook_url="https://hooks.example.invalid/T0/secret-path",
        fallback_webhook_secret="hook-secret-0123456789",
    )
    assert "offline fallback" in caplog.text
    assert "hook-secret-0123456789" not in caplog.text and "secret-path" not in caplog.text
