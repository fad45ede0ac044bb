"""Applying a read correction on DynamoDB (issue 15): the read's plate item moved to its new
plate's partition and the read rewritten inside its chunk, in one transaction.

A read lives in two kinds of item (``detection_items.py``): its plate item, keyed by its
plate's confusion key and its place in time, and the chunk of its batch, keyed by the site,
the chunk's newest read and the chunk's first seq. A correction keeps the read's place in time
(its ``received_at``), so both are found from the correction alone: the chunks that may hold
it are those of its stream whose newest read lies within ``CHUNK_SPAN`` after it (a batch
resent cut differently may have put it in two). The chunk says what the cloud holds now
(plate and revision); the transaction is conditional on each item being exactly what was read
(``r`` of the plate item, ``z`` of each chunk), so a correction racing another rereads and
decides again, and an older or repeated one changes nothing.

The new plate goes into the plate dictionary before the transaction (``note`` is idempotent
and a plate with no read left only costs a search a lookup), so no crash leaves a corrected
read its wildcard and fuzzy searches cannot reach. The old plate stays in the dictionary:
its partition no longer holds the read, so searches by it do not find it. Counters and the
stream's cursor are untouched: a correction is never a second read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.records.detections import StoredDetection
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import (
    CHUNK_SPAN,
    REVISION,
    chunk_rows,
    decode_record,
    plate_item,
    plate_row,
    rewrite_chunk,
)
from cloud_plane.store.dynamo.plate_dictionary import PlateDictionary
from cloud_plane.store.dynamo.table import attempts
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.plate_rules import confusion_key

MARGIN = timedelta(seconds=1)  # above a chunk's span, as the search's chunk window has


class ReadCorrections:
    """``DetectionStore.apply_correction`` over the single table."""

    def __init__(self, db: DynamoDb, dictionary: PlateDictionary) -> None:
        self._db = db
        self._dictionary = dictionary

    def apply(self, site_id: str, correction: ReadCorrection) -> StoredDetection | None:
        """Move the read to the correction's values if its revision is newer; return it."""
        record, stream_id = correction.record, correction.stream_id
        table = self._db.table
        noted = False
        for _ in attempts(f"correction of read {record.id}"):
            chunks = self._holding(site_id, stream_id, record)
            if not chunks:
                return None
            held = next(r for r in chunk_rows(chunks[0]) if r.data["seq"] == record.seq)
            if decode_record(held.data, stream_id).id != record.id:
                return None  # another read at that place: not the one corrected
            if int(held.data.get(REVISION, 1)) >= correction.revision:
                return None  # applied already, or a newer correction was
            old_key = keys.plate_detection(
                confusion_key(held.plate_norm), record.received_at, site_id, stream_id, record.seq
            )
            old = table.get(old_key)
            if old is None:
                if [c["z"] for c in self._holding(site_id, stream_id, record)] != [
                    c["z"] for c in chunks
                ]:
                    continue  # another correction moved the read since its chunk was read
                return None  # its plate item is gone (retention): the read is no longer held
            if not noted:
                self._dictionary.note(site_id, [record])
                noted = True
            new = plate_item(
                site_id,
                stream_id,
                record,
                ingested_at=datetime.fromisoformat(str(old["at"])),
                expires_at=old.get("expires_at"),
                revision=correction.revision,
                previous_plate=correction.previous_plate,
            )
            data = json.loads(new["r"])
            unchanged = {":r": old["r"]}
            if (new["pk"], new["sk"]) == (old["pk"], old["sk"]):
                actions = [table.tx_put(new, condition="r = :r", values=unchanged)]
            else:
                actions = [
                    table.tx_delete(old_key, condition="r = :r", values=unchanged),
                    table.tx_put(new, condition="attribute_not_exists(pk)"),
                ]
            actions += [
                table.tx_put(rewrite_chunk(c, data), condition="z = :z", values={":z": c["z"]})
                for c in chunks
            ]
            if table.transact_write(actions):
                return plate_row(new).stored()
        return None  # unreachable: attempts() raises Contended after its last round

    def _holding(
        self, site_id: str, stream_id: str, record: DetectionRecord
    ) -> list[dict[str, Any]]:
        """Return the chunks holding the read ``record`` corrects (one, or two after a batch
        was resent cut differently)."""
        return [
            chunk
            for chunk in self._chunks(site_id, stream_id, record.received_at)
            if any(r.data["seq"] == record.seq for r in chunk_rows(chunk))
        ]

    def _chunks(
        self, site_id: str, stream_id: str, received_at: datetime
    ) -> Iterator[dict[str, Any]]:
        """Yield the stream's chunks whose newest read may make them hold a read received
        at ``received_at`` (strongly consistent: the transaction is conditional on them)."""
        low = keys.time_text(received_at)
        high = keys.time_text(received_at + CHUNK_SPAN + MARGIN)
        for day in sorted({low[:10], high[:10]}):
            for item in self._db.table.query(
                "pk = :pk AND sk BETWEEN :low AND :high",
                values={
                    ":pk": keys.detection_chunk_partition(site_id, day),
                    ":low": low,
                    ":high": high,
                },
                consistent=True,
            ):
                if str(item["sk"]).split(keys.SEP)[1] == stream_id:
                    yield item
