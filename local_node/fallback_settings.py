"""The offline fallback's settings (a group of NodeSettings, kept apart for its validation)."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator

from sync_protocol.grouped_settings import SettingsGroup
from sync_protocol.units import Seconds

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+", re.ASCII)
"""Loose on purpose; what matters is no whitespace (no header injection) and one @."""


class FallbackSettings(SettingsGroup):
    """The offline fallback: hit alerts the node sends itself while the cloud is away."""

    flat_prefix: ClassVar[str] = "fallback_"

    after_s: Seconds = Field(
        default=120,
        gt=0,
        description=(
            "Offline fallback: once the cloud has been unreachable this long, the node sends "
            "hit alerts itself through the fallback channels below (none set: never)"
        ),
    )
    min_priority: int = Field(
        default=0,
        ge=0,
        le=100,
        description=(
            "Only hits of hotlist entries with at least this priority (0-100, the hotlist's "
            "scale) go out locally"
        ),
    )
    max_age_s: Seconds = Field(
        default=86_400,
        gt=0,
        description="Hits older than this are left to the cloud (no stale alerts after restarts)",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for fallback email; unset: no email fallback"
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="Port of the fallback SMTP server"
    )
    smtp_starttls: bool = Field(
        default=True,
        description="Upgrade the SMTP connection with STARTTLS (fail if the server cannot)",
    )
    smtp_user: str | None = Field(
        default=None, description="SMTP login user (with fallback_smtp_password); unset: none"
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP login password (secret: never logged)"
    )
    email_from: str | None = Field(
        default=None, description="From address of fallback email (needed with the SMTP host)"
    )
    email_to: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="Fallback email recipients, one email each (a JSON list in the env)",
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=2048,
        description="http(s) URL for fallback webhooks (signed); unset: no webhook fallback",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key of fallback webhooks, at least 16 characters (secret: never logged)",
    )
    timeout_s: Seconds = Field(
        default=10, gt=0, description="Timeout of every fallback send (SMTP, webhook)"
    )

    @field_validator("email_from", "email_to")
    @classmethod
    def _email_addresses(cls, value: str | list[str] | None) -> str | list[str] | None:
        for address in [value] if isinstance(value, str) else value or []:
            if not _EMAIL.fullmatch(address):
                raise ValueError(f"not an email address: {address!r}")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.startswith(("https://", "http://")) or any(c.isspace() for c in value)
        ):
            raise ValueError("fallback_webhook_url must be an http(s) URL without spaces")
        return value

    @model_validator(mode="after")
    def _complete(self) -> FallbackSettings:
        if self.smtp_host and not (self.email_from and self.email_to):
            raise ValueError("fallback_smtp_host needs fallback_email_from and fallback_email_to")
        if (self.smtp_user is None) != (self.smtp_password is None):
            raise ValueError("fallback_smtp_user and fallback_smtp_password go together")
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("fallback_webhook_url and fallback_webhook_secret go together")
        secret = self.webhook_secret
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("fallback_webhook_secret must have at least 16 characters")
        return self

    @property
    def configured(self) -> bool:
        """Whether any offline-fallback channel is set up."""
        return bool(self.smtp_host or self.webhook_url)
