"""The data alerts are made of: what to say (``AlertMessage``), to whom, and how it went.

Pure: no I/O. These are the channel-facing shapes; the store's tables and the
API's response models are separate (habit 7). Text fields that come from
cameras or staff (plate, reason, names) are untrusted: they are validated for
length here and escaped or sanitised by ``render``, never trusted by a channel.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
"""A phone number as SNS wants it: ``+`` then country code and number, 7–15 digits."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AlertKind(StrEnum):
    """What an alert is about: a hotlist hit, past reads of a new entry, or a health problem."""

    HIT = "hit"
    HISTORICAL_HIT = "historical_hit"
    """Past reads found when an entry was added: opt-in (``OPT_IN_KINDS``)."""
    SITE_OFFLINE = "site_offline"
    CAMERA_SILENT = "camera_silent"
    DISK_NEARLY_FULL = "disk_nearly_full"
    SYNC_BACKLOG = "sync_backlog"
    CLOCK_SKEW = "clock_skew"
    BACKUP_FAILING = "backup_failing"
    DELIVERY_FAILED = "delivery_failed"


OPT_IN_KINDS = frozenset({AlertKind.HISTORICAL_HIT})
"""Kinds a subscription gets only when its ``kinds`` name them (never by "every kind"):
past reads are for the investigator's feed, not a phone at 3 a.m."""


class ChannelKind(StrEnum):
    """How a message travels; a recipient has an address for some of these."""

    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"
    FILE = "file"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware")
    return value.astimezone(UTC)


def _iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


def _e164(value: str) -> str:
    if not E164.match(value):
        raise ValueError("phone must be E.164, e.g. +447700900123")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError("not an email address")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL without spaces")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
IanaZone = Annotated[str, AfterValidator(_iana_zone)]
Phone = Annotated[str, AfterValidator(_e164)]
Email = Annotated[str, AfterValidator(_email)]
HttpUrl = Annotated[str, Field(max_length=2048), AfterValidator(_http_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AlertMessage(_Frozen):
    """Everything a channel needs to tell a person about one (possibly grouped) alert."""

    alert_id: uuid.UUID = Field(description="the alert's id; stable across retries and channels")
    kind: AlertKind
    priority: int = Field(default=50, ge=0, le=100, description="0 lowest, 100 highest")
    site_name: Name
    site_timezone: IanaZone = Field(
        default="UTC", description="the site's IANA zone; times are shown in it"
    )
    site_id: str | None = Field(default=None, max_length=200, description="for webhook receivers")
    camera_name: Name | None = Field(default=None, description="None for whole-site alerts")
    camera_id: str | None = Field(default=None, max_length=200)
    plate: str | None = Field(default=None, max_length=64, description="as read: untrusted")
    list_name: str | None = Field(default=None, max_length=64, description="hotlist of a hit")
    reason: str = Field(
        default="",
        max_length=2000,
        description="why the plate is listed (hits) or what is wrong (health): untrusted",
    )
    confidence: float | None = Field(default=None, ge=0, le=1, description="OCR confidence")
    occurred_at: UtcDatetime = Field(
        description="first read of the group, or when the problem began"
    )
    count: int = Field(default=1, ge=1, description="reads grouped into this alert")
    link_url: HttpUrl | None = Field(
        default=None, description="the detection (hits) or the site's page (health)"
    )

    @model_validator(mode="after")
    def _hit_has_plate(self) -> Self:
        if self.kind is AlertKind.HIT and not (self.plate and self.list_name):
            raise ValueError("a hit alert needs plate and list_name")
        return self


class ResolvedAlert(_Frozen):
    """One alert that resolved, as a resolution message tells of it."""

    alert: AlertMessage = Field(description="the alert as it was sent (site, camera, problem)")
    resolved_at: UtcDatetime
    resolution: str = Field(
        default="", max_length=2000, description="why it resolved ('camera reading again')"
    )


class ResolutionMessage(_Frozen):
    """The message that alerts a recipient was sent have resolved: one, or several grouped."""

    resolved: tuple[ResolvedAlert, ...] = Field(
        min_length=1, description="the alerts, in the order they resolved"
    )

    @property
    def alert_id(self) -> uuid.UUID:
        """Return the first alert's id (the one the delivery that carries the group is of)."""
        return self.resolved[0].alert.alert_id


OutgoingMessage = AlertMessage | ResolutionMessage
"""What a channel sends: an alert, or the news that alerts resolved."""


class Recipient(_Frozen):
    """A person (or system) alerts are sent to, with an address per channel they use."""

    id: str = Field(min_length=1, max_length=200)
    name: Name
    phone: Phone | None = None
    email: Email | None = None
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=512, repr=False, description="HMAC key"
    )

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Self:
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("webhook_url and webhook_secret go together")
        return self

    def address(self, channel: ChannelKind) -> str | None:
        """Return where ``channel`` reaches this recipient, or None if it cannot."""
        match channel:
            case ChannelKind.SMS:
                return self.phone
            case ChannelKind.EMAIL:
                return self.email
            case ChannelKind.WEBHOOK:
                return self.webhook_url
            case ChannelKind.FILE:
                return self.id


class Delivery(_Frozen):
    """One attempt to hand one alert to one recipient through one channel."""

    alert_id: uuid.UUID
    recipient_id: str = Field(min_length=1, max_length=200)
    channel: ChannelKind
    attempt: int = Field(default=1, ge=1, description="1 for the first try")
    purpose: Literal["alert", "resolution"] = Field(
        default="alert", description="the alert itself, or the message that it resolved"
    )

    @property
    def key(self) -> str:
        """Return the id shared by every attempt of this delivery (receivers dedupe on it).

        A resolution's key ends in ``:resolved``: it must not look like a retry of the alert.
        """
        key = f"{self.alert_id}:{self.recipient_id}:{self.channel.value}"
        return key + ":resolved" if self.purpose == "resolution" else key


class DeliveryOutcome(_Frozen):
    """What a channel reports after one attempt; a provider refusal is an outcome, not an error."""

    ok: bool
    provider_message_id: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, max_length=2000)
    retryable: bool = False
    retry_after_s: float | None = Field(
        default=None, ge=0, description="the provider asked us to wait at least this long"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ok and (self.error is not None or self.retryable):
            raise ValueError("a successful outcome has no error and is not retried")
        if not self.ok and not self.error:
            raise ValueError("a failed outcome says why")
        return self

    @classmethod
    def sent(cls, provider_message_id: str | None) -> DeliveryOutcome:
        """Return the outcome of a message the provider accepted."""
        return cls(ok=True, provider_message_id=provider_message_id)

    @classmethod
    def failed(
        cls, error: str, *, retryable: bool, retry_after_s: float | None = None
    ) -> DeliveryOutcome:
        """Return the outcome of a refused or failed attempt (error text is trimmed)."""
        return cls(
            ok=False,
            error=error[:2000] or "unknown error",
            retryable=retryable,
            retry_after_s=retry_after_s,
        )
