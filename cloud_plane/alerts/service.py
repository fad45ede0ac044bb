"""Alert use cases: raise alerts (hits, health, failed deliveries), fan them out, ack, escalate.

Raising and fanning out happen in one store transaction (``store.meta.atomic()``),
and the exchange calls ``on_hit`` inside *its* transaction, so a stored hit,
its alert and the alert's queued deliveries commit together or not at all:
no alert is lost if the process dies after the hit is committed. With a delivery
queue (``announce``), the ids of new deliveries are sent to it after that commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.alerts import rules
from cloud_plane.alerts.model import AlertKind
from cloud_plane.alerts.resolution import who_to_tell
from cloud_plane.clock import Clock
from cloud_plane.records.alerts import AlertRaised, NewAlert, StoredAlert
from cloud_plane.records.audit import staff_actor
from cloud_plane.records.deliveries import NewDelivery, StoredDelivery
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import AuditAction, AuditRecord
from sync_protocol.hotlist_messages import HotlistEntry
from sync_protocol.messages import LocalDelivery
from sync_protocol.plate_rules import normalize_plate

log = logging.getLogger(__name__)

DEFAULT_HIT_PRIORITY = 50


def new_uuid() -> str:
    """Return a fresh random id (the default ``new_id``)."""
    return str(uuid.uuid4())


@dataclass
class AlertService:
    """Raises alerts and queues their deliveries against one store."""

    store: CloudStore
    clock: Clock
    group_window: timedelta = timedelta(minutes=10)
    escalation: rules.EscalationPolicy = field(default_factory=rules.EscalationPolicy)
    channels: Collection[str] | None = None
    public_url: str = "http://127.0.0.1:8090"
    new_id: Callable[[], str] = new_uuid
    # Told the ids of newly queued deliveries once they are committed (AWS mode: one SQS
    # message each, alerts/queue_worker.py); None: the dispatcher finds them by polling.
    announce: Callable[[Sequence[str]], object] | None = None
    # Resolution messages wait this long after a resolution, so problems that clear
    # together go out as one message per recipient and channel (alerts/resolution.py).
    resolution_settle: timedelta = timedelta(seconds=30)
    # As ``announce``, for deliveries due ``delay_s`` seconds from now (SQS DelaySeconds).
    announce_later: Callable[[Sequence[str], float], object] | None = None

    # ``images_upload_hits``: a hit's image is asked for at once, so its alert links to it.
    hit_image_links: bool = False

    def link(self, alert_id: str) -> str:
        """Return the URL staff open to see the alert."""
        return f"{self.public_url.rstrip('/')}/api/v1/alerts/{alert_id}"

    def hit_link(self, alert_id: str, detection_id: str) -> str:
        """The link of a hit's alert: its image (the evidence) if asked for, else the alert."""
        if not self.hit_image_links:
            return self.link(alert_id)
        return f"{self.public_url.rstrip('/')}/reads/{detection_id}/image?wait=10"

    # --- raising -------------------------------------------------------------------------
    def on_hit(
        self, hit: StoredHit, delivered_locally: Sequence[LocalDelivery] = ()
    ) -> AlertRaised:
        """Raise (or group) the alert of a newly stored hit; call inside the hit's transaction.

        `delivered_locally`: what the node's offline fallback already sent for this hit. The
        alert is then recorded with those deliveries (source "node") and not sent again.
        Also called for a hit already stored that arrives again with `delivered_locally`
        (a re-send after a lost reply): its dedup key answers "duplicate" with the hit's
        alert, and the node's deliveries are recorded on that alert (a repeat adds nothing).
        """
        entry = self.store.hotlist.get_entry(hit.list_name, hit.plate_norm)
        priority = entry.priority if entry is not None else DEFAULT_HIT_PRIORITY
        now, alert_id = self.clock(), self.new_id()
        detection_id = str(hit.detection_id)
        return self.raise_alert(
            NewAlert(
                alert_id=alert_id,
                kind=AlertKind.HIT.value,
                priority=priority,
                site_id=hit.site_id,
                occurred_at=hit.captured_at,
                created_at=now,
                reason=entry.reason if entry is not None else "",
                camera_id=hit.camera_id,
                plate=hit.plate,
                plate_norm=hit.plate_norm,
                list_name=hit.list_name,
                detection_id=detection_id,
                link=self.hit_link(alert_id, detection_id),
                dedup_key=rules.hit_dedup_key(detection_id, hit.list_name, hit.plate_norm),
                group_key=rules.hit_group_key(
                    hit.site_id, hit.list_name, hit.plate_norm, normalize_plate(hit.plate)
                ),
                next_escalation_at=self.escalation.first_due(priority, now),
            ),
            fan_out=not delivered_locally,
            node_deliveries=delivered_locally,
        )

    def on_historical(
        self, entry: HotlistEntry, hits: Sequence[StoredHit], lookback: timedelta
    ) -> AlertRaised:
        """Raise the one alert of an entry's new historical hits ("N past reads at K sites").

        On the site of the newest read; once per entry version (a second pass is a duplicate).
        Subscriptions get it only if they name ``historical_hit`` (``rules.subscription_matches``).
        """
        newest = max(hits, key=lambda h: h.captured_at)
        now, alert_id = self.clock(), self.new_id()
        sites = len({h.site_id for h in hits})
        return self.raise_alert(
            NewAlert(
                alert_id=alert_id,
                kind=AlertKind.HISTORICAL_HIT.value,
                priority=entry.priority,
                site_id=newest.site_id,
                occurred_at=newest.captured_at,
                created_at=now,
                reason=rules.historical_reason(len(hits), sites, lookback),
                camera_id=newest.camera_id,
                plate=entry.plate,
                plate_norm=entry.plate_norm,
                list_name=entry.list_name,
                detection_id=str(newest.detection_id),
                link=self.link(alert_id),
                dedup_key=rules.historical_dedup_key(
                    entry.list_name, entry.plate_norm, entry.version
                ),
            )
        )

    def raise_problem(
        self,
        kind: AlertKind,
        site_id: str,
        reason: str,
        *,
        camera_id: str | None = None,
        since: datetime | None = None,
    ) -> AlertRaised:
        """Raise the health alert of an open problem (once until it is resolved)."""
        now, alert_id = self.clock(), self.new_id()
        priority = rules.HEALTH_PRIORITY[kind]
        return self.raise_alert(
            NewAlert(
                alert_id=alert_id,
                kind=kind.value,
                priority=priority,
                site_id=site_id,
                occurred_at=since or now,
                created_at=now,
                reason=reason,
                camera_id=camera_id,
                link=self.link(alert_id),
                open_key=rules.problem_key(kind, site_id, camera_id),
                next_escalation_at=self.escalation.first_due(priority, now),
            )
        )

    def raise_delivery_failed(self, delivery: StoredDelivery, reason: str) -> AlertRaised | None:
        """Raise the visible alert of a delivery that gave up (not for one about a failure)."""
        failed = self.store.alerts.get_alert(delivery.alert_id)
        if failed.kind == AlertKind.DELIVERY_FAILED:
            return None  # never a failure about a failure: that could loop
        now, alert_id = self.clock(), self.new_id()
        what = "the resolution of " if delivery.purpose == "resolution" else ""
        text = (
            f"{what}{failed.kind} alert {failed.alert_id} could not be delivered to "
            f"{delivery.recipient_id} by {delivery.channel} after {delivery.attempt} "
            f"attempt(s): {reason}"
        )
        return self.raise_alert(
            NewAlert(
                alert_id=alert_id,
                kind=AlertKind.DELIVERY_FAILED.value,
                priority=rules.HEALTH_PRIORITY[AlertKind.DELIVERY_FAILED],
                site_id=failed.site_id,
                occurred_at=now,
                created_at=now,
                reason=text,
                camera_id=failed.camera_id,
                link=self.link(failed.alert_id),
                dedup_key=rules.delivery_failed_key(delivery.delivery_id),
            )
        )

    def raise_alert(
        self,
        alert: NewAlert,
        *,
        fan_out: bool = True,
        node_deliveries: Sequence[LocalDelivery] = (),
    ) -> AlertRaised:
        """Store the alert and, if it is new, queue its first-tier deliveries (one transaction)."""
        with self.store.meta.atomic():
            raised = self.store.alerts.raise_alert(alert, group_window=self.group_window)
            if raised.created and fan_out:
                self.fan_out(raised.alert, tier=0)
            if node_deliveries and raised.alert.site_id != alert.site_id:
                # Only a site's own alert takes its node's records (a hit naming another
                # site's detection must not write into that site's ledger).
                log.warning(
                    "site %s reported deliveries for alert %s of another site: ignored",
                    alert.site_id,
                    raised.alert.alert_id,
                )
            elif node_deliveries:
                self.store.deliveries.enqueue_deliveries(
                    [
                        NewDelivery(
                            delivery_id=self.new_id(),
                            alert_id=raised.alert.alert_id,
                            recipient_id=("node:" + d.recipient)[:64],
                            channel=d.channel,
                            next_at=d.delivered_at,
                            created_at=self.clock(),
                            source="node",
                            sent_at=d.delivered_at,
                            provider_message_id=d.provider_message_id,
                        )
                        for d in node_deliveries
                    ]
                )
        if raised.created:
            log.info("alert %s raised: %s at %s", raised.alert.alert_id, alert.kind, alert.site_id)
        return raised

    def fan_out(self, alert: StoredAlert, *, tier: int) -> int:
        """Queue a delivery per matching subscription and channel at ``tier``; return how many."""
        now = self.clock()
        targets = rules.targets_for(
            alert,
            self.store.recipients.list_subscriptions(),
            tier=tier,
            now=now,
            channels=self.channels,
        )
        deliveries = [
            NewDelivery(
                delivery_id=self.new_id(),
                alert_id=alert.alert_id,
                recipient_id=t.recipient_id,
                channel=t.channel,
                next_at=t.not_before,
                created_at=now,
                tier=t.tier,
            )
            for t in targets
        ]
        queued = self.store.deliveries.enqueue_deliveries(deliveries)
        announce = self.announce
        if announce is not None and queued:
            # After the commit, or a worker could read the message before the row exists.
            # Every id is sent: one the store kept an older twin of is unknown to the
            # worker and consumed (rare; cheaper than reading back which ones were new).
            ids = [d.delivery_id for d in deliveries]
            self.store.meta.after_commit(lambda: announce(ids))
        return queued

    # --- resolution ----------------------------------------------------------------------
    def resolve(self, alert: StoredAlert, reason: str) -> StoredAlert:
        """Resolve the alert with ``reason`` and tell those it was sent to (one transaction).

        Its deliveries never sent are cancelled (nobody hears of a problem after it
        cleared), and each (recipient, channel) that was sent it gets a resolution delivery,
        due after ``resolution_settle`` so that alerts resolving together are sent together.
        An alert resolved already is returned as it is (the first resolution stays).
        """
        now = self.clock()
        with self.store.meta.atomic():
            resolved = self.store.alerts.resolve_alert(alert.alert_id, now=now, reason=reason)
            if resolved.resolved_at != now:
                return resolved  # resolved before: told then (or before resolutions existed)
            deliveries = self.store.deliveries
            cancelled = deliveries.cancel_unsent(alert.alert_id, now=now)
            due = now + self.resolution_settle
            queue = [
                NewDelivery(
                    delivery_id=self.new_id(),
                    alert_id=alert.alert_id,
                    recipient_id=recipient_id,
                    channel=channel,
                    next_at=due,
                    created_at=now,
                    purpose="resolution",
                )
                for recipient_id, channel in who_to_tell(deliveries.list_deliveries(alert.alert_id))
            ]
            queued = deliveries.enqueue_deliveries(queue)
            announce = self.announce_later
            if announce is not None and queued:
                ids = [d.delivery_id for d in queue]
                delay_s = self.resolution_settle.total_seconds()
                self.store.meta.after_commit(lambda: announce(ids, delay_s))
        log.info(
            "alert %s resolved (%s): %d unsent cancelled, %d told",
            alert.alert_id,
            reason,
            len(cancelled),
            queued,
        )
        return resolved

    # --- acknowledgement and escalation ---------------------------------------------------
    def acknowledge(self, alert_id: str, *, by: str, source: str | None = None) -> StoredAlert:
        """Acknowledge the alert (idempotent); its escalation stops, queued tiers are cancelled.

        Each acknowledgement (a repeated one too: someone acted) is written to the audit log
        as ``alert.ack`` by ``user:<by>``, in the alert's site, through ``source``.

        No escalation-tier attempt begins after the ack (the store's ``begin_attempts``
        refuses them); one already begun may complete. Tier-0 deliveries (the alert itself)
        stay: others on tier 0 still need to hear of it.
        """
        now = self.clock()
        with self.store.meta.atomic():
            acked = self.store.alerts.ack_alert(alert_id, by=by, now=now)
            cancelled = self.store.deliveries.cancel_escalations(alert_id, now=now)
            detail = {"kind": acked.kind, "acked_by": acked.acked_by}
            self.store.audit.append(
                AuditRecord(
                    at=now,
                    actor=staff_actor(by),
                    action=AuditAction.ALERT_ACK,
                    target=alert_id,
                    source=source,
                    site_id=acked.site_id,
                    detail=detail,
                )
            )
        if cancelled:
            log.info("alert %s acked: %d escalation deliveries cancelled", alert_id, cancelled)
        return acked

    def escalate_due(self, limit: int = 100) -> int:
        """Move every due, unacknowledged alert one tier on and queue that tier; return how many."""
        now, moved = self.clock(), 0
        subscriptions = self.store.recipients.list_subscriptions()
        for alert in self.store.alerts.due_escalations(now, limit):
            tier = alert.escalation_tier + 1
            next_at = self.escalation.next_due(alert, tier, subscriptions, now)
            with self.store.meta.atomic():
                # The tier's deliveries are queued *before* the tier moves: where the two
                # writes are not one transaction (DynamoDB), a monitor dying between them
                # leaves the tier unmoved and the next pass queues it again (the queue's key
                # keeps one delivery each), never a moved tier nobody was told of. Queued
                # for an alert acked meanwhile, they are refused at begin (tier > 0).
                queued = self.fan_out(alert, tier=tier)
                escalated = self.store.alerts.escalate_alert(
                    alert.alert_id, from_tier=alert.escalation_tier, next_at=next_at
                )
            if escalated is None:
                continue  # acknowledged or escalated by another worker meanwhile
            moved += 1
            log.info("alert %s escalated to tier %d (%d deliveries)", alert.alert_id, tier, queued)
        return moved
