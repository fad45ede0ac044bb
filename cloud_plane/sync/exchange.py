"""The exchange use case: apply what a node pushed, answer with acks, hotlist and commands.

Order of effects (all inside ``store.meta.atomic()``: one transaction on SQL, and each
step idempotent on its own for stores without multi-item transactions):

1. the batch, by ``put_batch`` (duplicates change nothing; a batch past a gap is
   refused whole and answered with ``ResendFrom(high_water + 1)``);
2. the node's hits, then the cloud's own matching of the newly stored
   detections (same dedup key, so the node's hit wins the ``source``);
   Each hit that is new is handed to ``on_hit`` (the alert service) inside the
   same transaction, so its alert commits with it or not at all. A hit already
   held is handed over too when it carries ``delivered_locally`` (the node's
   offline fallback sent it after an earlier exchange's reply was lost, or the
   cloud's own matching stored it first): ``on_hit`` records those deliveries on
   the hit's alert, once (node deliveries are keyed by alert, recipient, channel);
3. the node's read corrections (issue 15: a better reading of a read already acknowledged),
   each applied once (``apply_correction`` keeps the highest revision) and matched against
   the hotlist again like a new read, so a corrected plate on a list raises its hit once;
4. the heartbeat and the hotlist version the node holds;
5. hotlist ops (LWW), each answered in ``op_results``;
6. the hotlist delta since the node's version (or a snapshot).

The ack is read from what ``put_batch`` committed, and the reply is built only
after the transaction committed, so an ack never covers data that is not durable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cloud_plane.clock import Clock
from cloud_plane.hotlist.matching import MatcherCache
from cloud_plane.hotlist.service import apply_op, delta_for
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.base import CloudStore
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import (
    Command,
    ExchangeReply,
    ExchangeRequest,
    LocalDelivery,
    ResendFrom,
)

log = logging.getLogger(__name__)


@dataclass
class ExchangeStats:
    """What one exchange did (for metrics and logs)."""

    stored: int = 0
    node_hits: int = 0
    cloud_hits: int = 0
    corrected: int = 0
    ops: int = 0
    gap: bool = False
    commands: list[str] = field(default_factory=list)


@dataclass
class ExchangeService:
    """Applies exchanges against one store."""

    store: CloudStore
    clock: Clock
    snapshot_threshold: int
    push_interval_s: float | None = None  # asked of every node in the reply (None: theirs)
    matchers: MatcherCache = field(default_factory=MatcherCache)
    on_hit: Callable[[StoredHit, Sequence[LocalDelivery]], object] | None = None
    # Commands waiting for the site (images asked of it), read after the exchange committed.
    commands_for: Callable[[str], Sequence[Command]] | None = None
    # Called after an exchange whose hotlist ops changed the hotlist (committed): the
    # historical-hit scan of the new entries (hotlist/retro.py).
    on_hotlist_change: Callable[[], object] | None = None

    def exchange(
        self, site_id: str, request: ExchangeRequest
    ) -> tuple[ExchangeReply, ExchangeStats]:
        """Apply ``request`` (already verified as coming from ``site_id``) and build the reply."""
        store, now, stats = self.store, self.clock(), ExchangeStats()
        stream = request.stream_id
        commands: list[Command] = []
        op_results = {}
        with store.meta.atomic():
            if request.batch is not None:
                records = request.batch.records
                outcome = store.detections.put_batch(site_id, stream, records, received_at=now)
                high_water = outcome.high_water
                stats.stored, stats.gap = outcome.stored, outcome.gap
                if outcome.gap:
                    commands.append(_resend(stream, high_water))
            else:
                high_water = store.detections.high_water(site_id, stream)
            for hit in request.hits:
                stats.node_hits += self._put_hit(
                    StoredHit(
                        detection_id=hit.detection_id,
                        list_name=hit.list_name,
                        plate_norm=hit.plate_norm,
                        site_id=site_id,
                        stream_id=stream,
                        seq=hit.seq,
                        match_kind=hit.match_kind,
                        source="node",
                        plate=hit.plate,
                        camera_id=hit.camera_id,
                        captured_at=hit.captured_at,
                        hotlist_version=hit.hotlist_version,
                        created_at=now,
                        image_sha256=hit.image_sha256,
                        historical=hit.historical,
                    ),
                    delivered_locally=hit.delivered_locally,
                )
            if stats.stored:
                new = request.batch.records[-stats.stored :] if request.batch else []
                stats.cloud_hits = self._match(site_id, stream, new)
            for correction in request.corrections:
                corrected = self._correct(site_id, correction)
                if corrected is not None:
                    stats.corrected += 1
                    stats.cloud_hits += self._match(site_id, correction.stream_id, [corrected])
            if request.heartbeat is not None:
                store.detections.record_heartbeat(site_id, request.heartbeat, now)
            store.sites.record_hotlist_version(site_id, request.hotlist_version, at=now)
            for op in request.hotlist_ops:
                result = apply_op(store.hotlist, op, site_id, received_at=now)
                op_results[op.op_id] = result
                stats.ops += 1
            delta = delta_for(
                store.hotlist, request.hotlist_version, snapshot_threshold=self.snapshot_threshold
            )
            epoch = store.meta.epoch()
        if self.on_hotlist_change is not None and any(
            r.status == "applied" for r in op_results.values()
        ):
            self.on_hotlist_change()
        if not commands and request.cloud_epoch is not None and request.cloud_epoch != epoch:
            # The cloud was restored (or its epoch renewed): have the node resend what we lack.
            commands.append(_resend(stream, high_water))
        if self.commands_for is not None:
            commands.extend(self.commands_for(site_id))
        stats.commands = [c.type for c in commands]
        reply = ExchangeReply(
            cloud_epoch=epoch,
            ack={stream: high_water},
            hotlist=delta,
            op_results=op_results,
            commands=commands,
            push_interval_s=self.push_interval_s,
        )
        return reply, stats

    def _match(self, site_id: str, stream_id: str, records: list[DetectionRecord]) -> int:
        store, now = self.store, self.clock()
        version = store.hotlist.current_version()
        matcher = self.matchers.get(
            version, lambda: store.hotlist.list_entries(include_deleted=False)
        )
        raised = 0
        for record in records:
            for found in matcher.match(record.plate_norm, now):
                raised += self._put_hit(
                    StoredHit(
                        detection_id=record.id,
                        list_name=found.entry.list_name,
                        plate_norm=found.entry.plate_norm,
                        site_id=site_id,
                        stream_id=stream_id,
                        seq=record.seq,
                        match_kind=found.kind,
                        source="cloud",
                        plate=record.plate,
                        camera_id=record.camera_id,
                        captured_at=record.captured_at,
                        hotlist_version=version,
                        created_at=now,
                        image_sha256=record.image_sha256,
                    )
                )
        return raised

    def _correct(self, site_id: str, correction: ReadCorrection) -> DetectionRecord | None:
        """Apply one correction; return the corrected read, or None if nothing changed (a read
        the cloud does not hold, or a correction it already has or has a newer one of)."""
        applied = self.store.detections.apply_correction(
            site_id, correction, applied_at=self.clock()
        )
        if applied is None:
            return None
        record = applied.record
        log.info(
            "site %s read %s corrected (revision %d): %s, was %s",
            site_id,
            record.id,
            applied.revision,
            record.plate_norm,
            correction.previous_plate,
        )
        return record

    def _put_hit(self, hit: StoredHit, delivered_locally: Sequence[LocalDelivery] = ()) -> bool:
        new = self.store.hits.put_hit(hit)
        if hit.historical:
            return new  # a node's past read: listed on its entry, no hit alert (retro.py)
        if self.on_hit is not None and (new or delivered_locally):
            # A duplicate still carries news: what the node sent while it could not reach us.
            self.on_hit(hit, delivered_locally)
        return new


def _resend(stream_id: str, high_water: int) -> ResendFrom:
    return ResendFrom(command_id=uuid.uuid4().hex, stream_id=stream_id, seq=high_water + 1)
