"""Resolution messages: why a problem cleared, who is told, and sending a recipient's as one.

Why (``cleared_reason``, pure): a short text stored on the alert and sent to those told,
read from the site's state that cleared it ("heartbeats again after 14 min").

Who (``who_to_tell``, pure): each (recipient, channel) the alert was actually sent to by the
cloud (delivery ``sent``, source ``cloud``). A node's offline fallback has no cloud
recipient to tell, and someone whose delivery was cancelled or gave up never heard of it.

Grouping (``ResolutionGroups``, used by the dispatcher and the SQS worker): resolution
deliveries are queued ``settle`` after the resolution (``AlertService.resolve``), so
problems that clear together (five cameras behind one switch) are waiting together. When
a worker claims a resolution delivery it also claims every other resolution delivery of
the same recipient on the same channel that is due by ``now + settle``
(``DeliveryQueue.claim_resolutions``): those are the ones queued by now. The first of
them claimed (the *lead*) carries the one message; the others (its *riders*) are
recorded with the same outcome and provider id, so the ledger stays per alert.

The guarantee, honestly: a recipient gets one message per channel for every resolution
queued for them by the time the first of them is sent, unless another worker holds one of
them at that moment (it is sent in that worker's message) or it is waiting for a retry
later than ``now + settle``. A resolution queued after that message went out comes in a
later one. Nothing is sent twice: each delivery belongs to one claim.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.alerts.model import AlertKind, AlertMessage, ResolutionMessage, ResolvedAlert
from cloud_plane.alerts.wording import duration_text
from cloud_plane.records.alerts import StoredAlert
from cloud_plane.records.deliveries import StoredDelivery
from cloud_plane.records.sites import Site
from cloud_plane.store.base import CloudStore


def cleared_reason(alert: StoredAlert, site: Site) -> str:
    """Return why the problem of ``alert`` no longer holds, from ``site``'s state now."""
    if site.revoked:
        return "site revoked"
    hb = site.heartbeat
    if alert.kind == AlertKind.SITE_OFFLINE:
        if site.last_heartbeat_at is None:
            return "site back"
        gap = (site.last_heartbeat_at - alert.first_seen).total_seconds()
        return f"heartbeats again after {duration_text(gap)}"
    if hb is None:
        return "cleared"
    if alert.kind == AlertKind.DISK_NEARLY_FULL and hb.disk_total_bytes > 0:
        return f"disk down to {hb.disk_used_bytes / hb.disk_total_bytes:.0%} used"
    if alert.kind == AlertKind.BACKUP_FAILING and hb.backup and hb.backup.last_ok_at:
        return "a backup succeeded again"
    if alert.kind == AlertKind.SYNC_BACKLOG:
        return f"sync backlog down to {hb.backlog_count} reads"
    camera = next((c for c in hb.cameras if c.camera_id == alert.camera_id), None)
    if alert.kind in (AlertKind.CAMERA_SILENT, AlertKind.CLOCK_SKEW) and camera is None:
        return "camera no longer reported by its site"
    if alert.kind == AlertKind.CAMERA_SILENT and camera is not None:
        if camera.last_seen is not None and camera.last_seen > alert.first_seen:
            return "camera reading again"
        return "camera not expected to read at this hour"
    if alert.kind == AlertKind.CLOCK_SKEW and camera is not None:
        offset = camera.clock_offset_s
        return "camera clock back in step" + (f" ({offset:+.0f} s)" if offset is not None else "")
    return "cleared"


def who_to_tell(deliveries: Iterable[StoredDelivery]) -> list[tuple[str, str]]:
    """Return each (recipient, channel) the cloud sent the alert to, in first-sent order.

    Read after the unsent ones are cancelled, so an ``in_flight`` delivery is a send under
    way as the alert resolved: it may well go out, so its recipient is told too (better a
    resolution of an alert they may have missed than a problem nobody closes for them).
    """
    told: list[tuple[str, str]] = []
    for d in deliveries:
        key = (d.recipient_id, d.channel)
        sent = d.status in ("sent", "in_flight")
        if d.purpose == "alert" and d.source == "cloud" and sent and key not in told:
            told.append(key)
    return told


def resolution_message(
    alerts: Sequence[StoredAlert], message_of: Callable[[StoredAlert], AlertMessage]
) -> ResolutionMessage:
    """Return the message telling that ``alerts`` resolved, in the order they resolved."""
    ordered = sorted(alerts, key=lambda a: (a.resolved_at or a.last_seen, a.alert_id))
    return ResolutionMessage(
        resolved=tuple(
            ResolvedAlert(
                alert=message_of(a),
                resolved_at=a.resolved_at or a.last_seen,
                resolution=(a.resolution or "")[:2000],
            )
            for a in ordered
        )
    )


@dataclass
class ResolutionGroups:
    """Claims a recipient's waiting resolutions together and remembers who rides with whom.

    Deliveries that are not resolutions pass through as they are (each its own lead).
    """

    store: CloudStore
    worker_id: str
    lease: timedelta
    settle: timedelta
    _riders: dict[str, list[StoredDelivery]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def gather(self, claimed: Sequence[StoredDelivery], now: datetime) -> list[StoredDelivery]:
        """Return the leads of ``claimed``: one per (recipient, channel) of resolutions.

        Each resolution lead also claims its recipient's other resolutions on its channel
        due by ``now + settle``; they (and claimed ones of the same pair) become its riders.
        """
        leads: list[StoredDelivery] = []
        groups: dict[tuple[str, str], list[StoredDelivery]] = {}
        for delivery in claimed:
            if delivery.purpose != "resolution":
                leads.append(delivery)
                continue
            key = (delivery.recipient_id, delivery.channel)
            if key in groups:
                groups[key].append(delivery)
            else:
                groups[key] = [delivery]
                leads.append(delivery)
        for (recipient_id, channel), members in groups.items():
            more = self.store.deliveries.claim_resolutions(
                recipient_id,
                channel,
                worker=self.worker_id,
                now=now,
                due_by=now + self.settle,
                lease=self.lease,
            )
            known = {m.delivery_id for m in members}
            members.extend(m for m in more if m.delivery_id not in known)
            if len(members) > 1:
                with self._lock:
                    self._riders[members[0].delivery_id] = members[1:]
        return leads

    def riders(self, lead: StoredDelivery) -> list[StoredDelivery]:
        """Return the deliveries that ride with ``lead`` (none for an ungrouped one)."""
        with self._lock:
            return list(self._riders.get(lead.delivery_id, ()))

    def forget(self, lead: StoredDelivery) -> None:
        """Drop what is known of ``lead``'s riders (once their outcomes are recorded)."""
        with self._lock:
            self._riders.pop(lead.delivery_id, None)

    def defer(self, lead: StoredDelivery, *, until: datetime) -> None:
        """Put ``lead`` and its riders back to pending until ``until`` (rate limited)."""
        with self._lock:
            riders = self._riders.pop(lead.delivery_id, [])
        for delivery in (lead, *riders):
            self.store.deliveries.defer_delivery(
                delivery.delivery_id, worker=self.worker_id, until=until
            )

    def begin(self, lead_ids: Sequence[str], now: datetime) -> list[StoredDelivery]:
        """Begin the attempts of the leads, then of the riders of those that began.

        The riders of a lead that lost its lease go back to pending, due now, without an
        attempt (their own claim sends them); a rider that lost its lease is dropped from
        its group (whoever holds it now sends it).
        """
        deliveries = self.store.deliveries
        started = deliveries.begin_attempts(lead_ids, worker=self.worker_id, now=now)
        began = {s.delivery_id for s in started}
        with self._lock:
            orphans = [r for i in lead_ids if i not in began for r in self._riders.pop(i, [])]
            riders = {s.delivery_id: self._riders.get(s.delivery_id, []) for s in started}
        for orphan in orphans:
            deliveries.defer_delivery(orphan.delivery_id, worker=self.worker_id, until=now)
        rider_ids = [r.delivery_id for group in riders.values() for r in group]
        if rider_ids:
            begun = {
                r.delivery_id: r
                for r in deliveries.begin_attempts(rider_ids, worker=self.worker_id, now=now)
            }
            with self._lock:
                for lead_id, group in riders.items():
                    if group:
                        self._riders[lead_id] = [
                            begun[r.delivery_id] for r in group if r.delivery_id in begun
                        ]
        return started
