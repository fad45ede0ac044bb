"""Alert recipients and their subscriptions (admin only). Webhook secrets are never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, field_validator, model_validator

from cloud_plane.alerts import recipients_admin
from cloud_plane.alerts.model import (
    AlertKind,
    ChannelKind,
    Email,
    HttpUrl,
    IanaZone,
    Name,
    Phone,
)
from cloud_plane.alerts.rules import parse_hhmm
from cloud_plane.deps import AdminAuth, Services, api_actor
from cloud_plane.records.recipients import StoredRecipient, Subscription
from sync_protocol.wire_types import Printable

router = APIRouter(prefix="/api/v1/recipients", tags=["recipients"])

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]


class RecipientIn(BaseModel):
    """A recipient as an admin sets it (a missing webhook secret keeps the stored one)."""

    name: Annotated[Name, Printable]  # staff input: no NUL (PostgreSQL refuses it)
    phone: Phone | None = Field(default=None, description="E.164, e.g. +447700900123")
    email: Email | None = None
    webhook_url: HttpUrl | None = None
    # 256: its sealed form (Fernet, base64) must fit the 512-character column.
    webhook_secret: Annotated[str, Printable] | None = Field(
        default=None, min_length=16, max_length=256
    )


class RecipientOut(BaseModel):
    recipient_id: str
    name: str
    phone: str | None
    email: str | None
    webhook_url: str | None
    has_webhook_secret: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionIn(BaseModel):
    """What a recipient is told about, how, and at which escalation tier."""

    channels: list[ChannelKind] = Field(min_length=1, description="sms, email, webhook, file")
    site_id: Annotated[str, Printable] | None = Field(
        default=None, max_length=64, description="None: every site"
    )
    lists: list[Annotated[str, Printable]] = Field(
        default_factory=list, max_length=50, description="[]: any list"
    )
    min_priority: int | None = Field(default=None, ge=0, le=100)
    kinds: list[AlertKind] = Field(
        default_factory=list, description="[]: every kind but historical_hit (name it to get it)"
    )
    quiet_start: str | None = Field(default=None, description="HH:MM in quiet_zone")
    quiet_end: str | None = Field(default=None, description="HH:MM in quiet_zone")
    quiet_zone: IanaZone = "UTC"
    quiet_below_priority: int = Field(
        default=70, ge=0, le=101, description="quiet hours hold alerts below this priority"
    )
    tier: int = Field(default=0, ge=0, le=5, description="0: at once; n: after n escalations")

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None:
            parse_hhmm(value)
        return value

    @model_validator(mode="after")
    def _both_or_none(self) -> Self:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet_start and quiet_end go together")
        return self


class SubscriptionOut(SubscriptionIn):
    subscription_id: str
    recipient_id: str
    created_at: datetime


def _recipient(r: StoredRecipient) -> RecipientOut:
    return RecipientOut(
        recipient_id=r.recipient_id,
        name=r.name,
        phone=r.phone,
        email=r.email,
        webhook_url=r.webhook_url,
        has_webhook_secret=r.webhook_secret is not None,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _subscription(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        subscription_id=s.subscription_id,
        recipient_id=s.recipient_id,
        created_at=s.created_at,
        channels=[ChannelKind(c) for c in s.channels],
        site_id=s.site_id,
        lists=sorted(s.lists),
        min_priority=s.min_priority,
        kinds=[AlertKind(k) for k in sorted(s.kinds)],
        quiet_start=s.quiet_start,
        quiet_end=s.quiet_end,
        quiet_zone=s.quiet_zone,
        quiet_below_priority=s.quiet_below_priority,
        tier=s.tier,
    )


@router.get("", response_model=list[RecipientOut])
def list_recipients(services: Services, _: AdminAuth) -> list[RecipientOut]:
    """Return every recipient."""
    return [_recipient(r) for r in services.store.recipients.list_recipients()]


@router.get("/{recipient_id}", response_model=RecipientOut)
def get_recipient(recipient_id: Id, services: Services, _: AdminAuth) -> RecipientOut:
    """Return one recipient."""
    return _recipient(services.store.recipients.get_recipient(recipient_id))


@router.put("/{recipient_id}", response_model=RecipientOut)
def put_recipient(
    recipient_id: Id, body: RecipientIn, services: Services, staff: AdminAuth
) -> RecipientOut:
    """Create or replace a recipient; omit ``webhook_secret`` to keep the stored one."""
    stored = recipients_admin.save_recipient(
        services.store,
        recipient_id,
        name=body.name,
        phone=body.phone,
        email=body.email,
        webhook_url=body.webhook_url,
        webhook_secret=body.webhook_secret,
        now=services.clock(),
        by=api_actor(services, staff),
    )
    return _recipient(stored)


@router.delete("/{recipient_id}", status_code=204)
def delete_recipient(recipient_id: Id, services: Services, _: AdminAuth) -> Response:
    """Delete the recipient and their subscriptions (queued deliveries to them give up)."""
    services.store.recipients.delete_recipient(recipient_id)
    return Response(status_code=204)


@router.get("/{recipient_id}/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(recipient_id: Id, services: Services, _: AdminAuth) -> list[SubscriptionOut]:
    """Return the recipient's subscriptions."""
    services.store.recipients.get_recipient(recipient_id)
    return [_subscription(s) for s in services.store.recipients.list_subscriptions(recipient_id)]


@router.put("/{recipient_id}/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def put_subscription(
    recipient_id: Id,
    subscription_id: Id,
    body: SubscriptionIn,
    services: Services,
    _: AdminAuth,
) -> SubscriptionOut:
    """Create or replace one of the recipient's subscriptions."""
    stored = recipients_admin.save_subscription(
        services.store,
        Subscription(
            subscription_id=subscription_id,
            recipient_id=recipient_id,
            channels=tuple(dict.fromkeys(c.value for c in body.channels)),
            created_at=services.clock(),
            site_id=body.site_id,
            lists=frozenset(body.lists),
            min_priority=body.min_priority,
            kinds=frozenset(k.value for k in body.kinds),
            quiet_start=body.quiet_start,
            quiet_end=body.quiet_end,
            quiet_zone=body.quiet_zone,
            quiet_below_priority=body.quiet_below_priority,
            tier=body.tier,
        ),
    )
    return _subscription(stored)


@router.delete("/{recipient_id}/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(
    recipient_id: Id, subscription_id: Id, services: Services, _: AdminAuth
) -> Response:
    """Delete one of the recipient's subscriptions."""
    recipients_admin.delete_subscription(services.store, recipient_id, subscription_id)
    return Response(status_code=204)
