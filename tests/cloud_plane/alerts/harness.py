"""A store, a movable clock, the alert service and a dispatcher over test channels."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cloud_plane.alerts.backoff import RetryPolicy
from cloud_plane.alerts.channels.base import Channel
from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.alerts.service import AlertService
from cloud_plane.records.alerts import AlertRaised
from cloud_plane.records.hits import StoredHit
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.sql import SqlStore
from sync_protocol.messages import LocalDelivery

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, at: datetime = T0) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class Alerting:
    """Everything a dispatcher test needs, on one store."""

    store: SqlStore
    clock: Clock
    channels: dict[str, Channel]
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=4, base_s=2, cap_s=60)
    )
    limiter: RateLimiter = field(default_factory=RateLimiter)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    senders: int = 8

    def __post_init__(self) -> None:
        self.service = AlertService(
            store=self.store,
            clock=self.clock,
            escalation=self.escalation,
            channels=set(self.channels),
            public_url="https://cloud.example.com",
        )
        self.site = self.store.sites.create_site("Depot", now=T0)

    def dispatcher(self, worker_id: str = "w1", **kw) -> Dispatcher:
        return Dispatcher(
            store=self.store,
            channels=self.channels,
            alerts=self.service,
            clock=self.clock,
            retry=kw.pop("retry", self.retry),
            limiter=kw.pop("limiter", self.limiter),
            rng=random.Random(7),
            worker_id=worker_id,
            lease=timedelta(seconds=60),
            senders=kw.pop("senders", self.senders),
            **kw,
        )

    def recipient(self, rid: str = "r1", channels: tuple[str, ...] = ("sms",), **sub) -> None:
        kinds = sub.get("kinds", ())
        self.store.recipients.put_recipient(
            StoredRecipient(
                recipient_id=rid,
                name=f"Duty {rid}",
                created_at=T0,
                updated_at=T0,
                phone="+447700900123",
                email=f"{rid}@example.com",
            )
        )
        self.store.recipients.put_subscription(
            Subscription(
                subscription_id=f"{rid}-{sub.get('tier', 0)}-{'-'.join(sorted(kinds))}",
                recipient_id=rid,
                channels=channels,
                created_at=T0,
                **{k: frozenset(v) if k in ("kinds", "lists") else v for k, v in sub.items()},
            )
        )

    def hit(
        self,
        plate: str = "AB12CDE",
        *,
        at: datetime | None = None,
        list_name: str = "stolen",
        delivered_locally: Sequence[LocalDelivery] = (),
    ) -> AlertRaised:
        return self.service.on_hit(
            StoredHit(
                detection_id=uuid.uuid4(),
                list_name=list_name,
                plate_norm=plate,
                site_id=self.site.site_id,
                stream_id="st",
                seq=1,
                match_kind="exact",
                source="node",
                plate=plate,
                camera_id="gate-1",
                captured_at=at or self.clock(),
                hotlist_version=1,
                created_at=self.clock(),
            ),
            delivered_locally,
        )
