"""``DetectionStore`` on DynamoDB: reads, their chunks and the plate dictionary, no index.

The cost drove the design (every write unit per read is ≈ $5.40 a month for the seed site's
288,000 reads a day). A naive item per read with two secondary indexes (by plate, by time)
costs 3 units per read. Here a read costs one item write plus its share of three writes per
batch, and no index: measured by ``python -m bench.dynamo`` (with what each exchange also
writes: the replay nonce and heartbeats), 1.36 units per read at the seed rate pushed every
5 s, the period a DynamoDB cloud asks nodes for (≈17 reads a batch: 1.0 plate items, 0.12
chunks, 0.06 each cursor, counter and nonce, 0.06 heartbeats), 1.68 at the node's own 2 s,
and 1.06 for a backlog's full batches. The per-batch part is what the pacing amortises (a
batch of one read costs 4 units). The plate dictionary (issue 14, ``plate_dictionary.py``)
adds about 4 writes per confusion key the cloud has not seen (half its rotations, one of them
the key's item) and one per key seen again after ``NEWEST_STEP``: 3.0 units per read more in
``bench.dynamo --quick``, whose half hour of generated traffic is mostly plates seen once
(4.4 in all; a longer run repeats more plates). In exchange no plate search scans: exact plate
0.5 read units; wildcard and fuzzy plates (0-2 edits) a few rotation ranges, the candidate
keys' items and the partitions a page needs (see ``detection_search.py``): in the quick bench
a fuzzy plate 7.5 (184 before the dictionary), a prefix 1.0 (41, and up to the 50,000-read
scan bound on more data); a site's last hour 2-4, the newest of every site 7.

- **plate item** per read (``detection_items.py``): ``PLATE#<confusion key>`` / the read's
  ``time_sort_key``, holding the whole record (≈0.5 KB: 1 unit, what a bare pointer would
  cost). Plate searches read these partitions; no index is needed.
- **chunk items**: each batch's reads packed (zlib JSON) under ``DETS#<site>#<day>`` by their
  newest read: ≈1 unit per 2-second batch of the seed site, ~0.05 per read in a backlog's big
  batches. Searches by site and time walk them (``detection_search.py``).
- **plate dictionary** (``plate_dictionary.py``): per confusion key, every other rotation of
  ``key + END`` under ``PLATEROT#<first character>``, the one starting with END holding the
  key's plates and per site a bound on its newest read. Written with the batch's items.
- **per batch**: the stream's cursor (one conditional update) and one counter item per
  (site, hour) with an attribute per camera (one ``ADD`` update, whatever the cameras).
- **once per site** (per process): the ``DETSITES`` item naming the site and the first and
  last day of its chunks, so searches over "every site" know which partitions to walk
  without depending on the sites role.

``put_batch`` refuses a gap whole, drops records at or below the mark, writes the new plate
and chunk items with ``BatchWriteItem`` (25 per request, unprocessed retried) and the
dictionary's (its key items conditionally, on their version), and only then
moves the cursor: ``SET high_water = :new, prev_high_water = high_water`` if ``high_water < :new``.
The item after the update says which seqs this call moved the mark over (``prev_high_water`` ..
``new``): exactly those are counted and reported ``stored``, so a resent batch, or two
identical batches racing, count each read once, without a transaction (DynamoDB applies
one item's conditional updates one at a time; moto in-process does not lock, so only the
contract's outcomes, not the counts, are checked under threads there). Items are
idempotent by their deterministic keys (a loser of the race rewrote identical plate items;
its chunk may cut the reads differently: searches emit a read found twice once). A crash
after the items and before the cursor leaves unacknowledged items the node resends; a crash
between the cursor and the counter loses that batch's count (counts are for charts; the
alternative, a transaction per batch, would cost 0.6 units per read more).

Every item of a read expires the site's retention after the node received it (TTL
``expires_at``, from the retention in force when the item is written: ``db.py``); readers
skip reads past the site's current retention, as DynamoDB deletes them only eventually (moto
never), and the retention job deletes what a shortened retention left (``retention.py``).
``record_heartbeat`` updates the site item at ``keys.site(site_id)`` (``last_heartbeat_at``
as ``keys.time_text``, ``heartbeat`` as the model's JSON, ``backlog`` the recent backlog
samples as ``records.backlog`` JSON) only if it exists and holds no newer heartbeat. Folding
the sample in needs the item first: an eventually consistent read (half a read unit per
exchange, no write unit more), the update conditional on the heartbeat time read.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from cloud_plane.errors import NotFound
from cloud_plane.records.backlog import add_sample, decode_samples, encode_samples
from cloud_plane.records.detections import (
    BatchOutcome,
    DetectionQuery,
    HourlyReads,
    StoredDetection,
    hour_of,
    require_contiguous,
)
from cloud_plane.records.paging import Page
from cloud_plane.records.sites import BacklogSample
from cloud_plane.store import keys
from cloud_plane.store.dynamo.corrections import ReadCorrections
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import (
    chunk_item,
    counter_cameras,
    counter_update,
    hour_counts,
    plate_item,
    split_chunks,
)
from cloud_plane.store.dynamo.detection_search import SCAN_BOUND, DetectionSearch
from cloud_plane.store.dynamo.plate_dictionary import PlateDictionary
from cloud_plane.store.dynamo.table import attempts
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import Heartbeat

HOUR = timedelta(hours=1)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # keys.time_text's


class DynamoDetections:
    """``DetectionStore`` over the single table."""

    def __init__(self, db: DynamoDb, *, scan_bound: int = SCAN_BOUND) -> None:
        self._db = db
        self._dictionary = PlateDictionary(db)
        self._search = DetectionSearch(
            db, sites=self._site_days, dictionary=self._dictionary, scan_bound=scan_bound
        )
        self._corrections = ReadCorrections(db, self._dictionary)
        self._days: dict[str, tuple[str, str]] = {}  # site -> (first, last) day, as stored
        self._days_lock = threading.Lock()

    # -- batches --------------------------------------------------------------------------
    def put_batch(
        self,
        site_id: str,
        stream_id: str,
        records: Sequence[DetectionRecord],
        *,
        received_at: datetime,
    ) -> BatchOutcome:
        """Store a contiguous batch idempotently; refuse it whole past a gap."""
        require_contiguous(records)
        mark = self.high_water(site_id, stream_id)
        if not records:
            return BatchOutcome(high_water=mark)
        if records[0].seq > mark + 1:
            return BatchOutcome(high_water=mark, gap=True)
        new = [r for r in records if r.seq > mark]
        if not new:
            return BatchOutcome(high_water=mark)
        self._note_days(site_id, new)
        self._write_items(site_id, stream_id, new, received_at)
        moved = self._db.table.update(
            keys.stream(site_id, stream_id),
            "SET high_water = :new, updated_at = :at,"
            " prev_high_water = if_not_exists(high_water, :zero)",
            condition="attribute_not_exists(high_water) OR high_water < :new",
            values={":new": new[-1].seq, ":zero": 0, ":at": keys.time_text(received_at)},
        )
        if moved is None:  # another call already acknowledged at least as far
            return BatchOutcome(high_water=self.high_water(site_id, stream_id))
        acknowledged = [r for r in new if r.seq > int(moved["prev_high_water"])]
        self._count(site_id, acknowledged)
        return BatchOutcome(high_water=new[-1].seq, stored=len(acknowledged))

    def apply_correction(
        self, site_id: str, correction: ReadCorrection, *, applied_at: datetime
    ) -> StoredDetection | None:
        """Update the read to the correction's values if its revision is newer; return it
        (``corrections.py``; ``applied_at`` is not kept: the items keep when the read came)."""
        return self._corrections.apply(site_id, correction)

    def _write_items(
        self,
        site_id: str,
        stream_id: str,
        records: Sequence[DetectionRecord],
        received_at: datetime,
    ) -> None:
        retention = self._db.site_retention(site_id)  # the site's, when the item is written

        def expires(received_at: datetime) -> int | None:
            return None if retention is None else int((received_at + retention).timestamp())

        items = [
            plate_item(
                site_id,
                stream_id,
                r,
                ingested_at=received_at,
                expires_at=expires(r.received_at),
            )
            for r in records
        ]
        for run in split_chunks(records):
            newest = max(r.received_at for r in run)
            items.append(
                chunk_item(
                    site_id, stream_id, run, ingested_at=received_at, expires_at=expires(newest)
                )
            )
        self._db.table.batch_write(items)
        self._dictionary.note(site_id, records)

    def _count(self, site_id: str, records: Sequence[DetectionRecord]) -> None:
        """Add the acknowledged reads to their hours' counters (one update per hour)."""
        for hour, counts in sorted(hour_counts(records).items()):
            update = counter_update(counts, self._db.expires_at(hour + HOUR, site_id))
            self._db.table.update(
                keys.hourly_reads(site_id, hour),
                update["expression"],
                names=update["names"],
                values=update["values"],
            )

    def high_water(self, site_id: str, stream_id: str) -> int:
        """Return the contiguous high-water seq held for the stream (0: nothing)."""
        item = self._db.table.get(keys.stream(site_id, stream_id), consistent=True)
        return int(item.get("high_water", 0)) if item else 0

    # -- the sites that have detections ------------------------------------------------------
    def _note_days(self, site_id: str, records: Sequence[DetectionRecord]) -> None:
        """Widen the site's stored (first, last) day of chunks to cover ``records``."""
        days = [keys.time_text(r.received_at)[:10] for r in records]
        low, high = min(days), max(days)
        with self._days_lock:
            known = self._days.get(site_id)
        if known is None:
            item = self._db.table.get(keys.detection_site(site_id), consistent=True)
            if item is not None and "first_day" in item and "last_day" in item:
                known = (str(item["first_day"]), str(item["last_day"]))
        if known is not None and known[0] <= low and high <= known[1]:
            self._remember(site_id, known)
            return
        key = keys.detection_site(site_id)
        # Two conditional updates, each a no-op when another writer widened it further.
        self._db.table.update(
            key,
            "SET first_day = :d",
            condition="attribute_not_exists(first_day) OR first_day > :d",
            values={":d": low},
        )
        stored = self._db.table.update(
            key,
            "SET last_day = :d",
            condition="attribute_not_exists(last_day) OR last_day < :d",
            values={":d": high},
        )
        if stored is None:
            stored = self._db.table.get(key, consistent=True)
        if stored is not None and "first_day" in stored and "last_day" in stored:
            self._remember(site_id, (str(stored["first_day"]), str(stored["last_day"])))

    def _remember(self, site_id: str, days: tuple[str, str]) -> None:
        with self._days_lock:
            self._days[site_id] = days

    def _site_days(self) -> dict[str, tuple[str, str]]:
        """Return every site with detections and the (first, last) day of its chunks."""
        items = self._db.table.query("pk = :pk", values={":pk": "DETSITES"})
        return {
            str(item["sk"]).split(keys.SEP, 1)[1]: (str(item["first_day"]), str(item["last_day"]))
            for item in items
            if "first_day" in item and "last_day" in item
        }

    # -- reading ----------------------------------------------------------------------------
    def search_detections(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first by (received_at, site, stream, seq)."""
        return self._search.search(query)

    def hourly_reads(
        self, site_ids: Collection[str] | None, *, since: datetime, until: datetime
    ) -> list[HourlyReads]:
        """Return reads per site, camera and hour in [since's hour, until), by hour."""
        sites = sorted(self._site_days() if site_ids is None else set(site_ids))
        low, high = keys.time_text(hour_of(since)), keys.time_text(until)
        now = int(self._db.clock().timestamp())
        rows: list[HourlyReads] = []
        for site_id in sites:
            for item in self._db.table.query(
                "pk = :pk AND sk BETWEEN :low AND :high",
                values={":pk": keys.hourly_reads(site_id, since)["pk"], ":low": low,
                        ":high": high},
            ):  # fmt: skip
                if item["sk"] == high or int(item.get("expires_at", now + 1)) <= now:
                    continue
                hour = datetime.strptime(str(item["sk"]), TIME_FORMAT).replace(tzinfo=UTC)
                for camera, reads in counter_cameras(item).items():
                    rows.append(HourlyReads(site_id, hour, camera, reads))
        return sorted(rows, key=lambda r: (r.hour, r.site_id, r.camera_id))

    # -- heartbeats ---------------------------------------------------------------------------
    def record_heartbeat(self, site_id: str, heartbeat: Heartbeat, received_at: datetime) -> None:
        """Keep the site's latest heartbeat and add its backlog sample; raise NotFound."""
        at = keys.time_text(received_at)
        sample = BacklogSample(received_at, heartbeat.backlog_count, heartbeat.backlog_oldest_age_s)
        for round_ in attempts(f"heartbeat of site {site_id!r}"):
            # First an eventually consistent read (half a unit); the write's condition on the
            # heartbeat time read catches a stale or raced read, and later rounds read strongly.
            item = self._db.table.get(keys.site(site_id), consistent=round_ > 0)
            if item is None:
                raise NotFound(f"no site {site_id!r}")
            previous = item.get("last_heartbeat_at")
            if previous is not None and previous > at:
                return  # an older heartbeat never replaces a newer one
            samples = add_sample(decode_samples(item.get("backlog")), sample)
            unchanged = (
                "attribute_not_exists(last_heartbeat_at)"
                if previous is None
                else "last_heartbeat_at = :previous"
            )
            values = {":at": at, ":beat": heartbeat.model_dump_json(),
                      ":backlog": encode_samples(samples)}  # fmt: skip
            if previous is not None:
                values[":previous"] = previous
            if self._db.table.update(
                keys.site(site_id),
                "SET last_heartbeat_at = :at, heartbeat = :beat, backlog = :backlog",
                condition=f"attribute_exists(pk) AND {unchanged}",
                values=values,
            ):
                return
