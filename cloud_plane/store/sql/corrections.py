"""Applying a read correction on SQL: the read's row updated in place, and the plate dictionary
moved from its old plate to its new one (issue 15, ``sync_protocol.corrections``).

The row is locked while its revision is compared, so of two racing copies of a correction (or
an older one arriving late) only a newer revision writes. What places the read stays: its
key, id, receive times and camera, so the read counts (by hour and camera) and the search's
order are unchanged; a correction is never a second read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from cloud_plane.records.detections import StoredDetection
from cloud_plane.store.sql.detection_search import stored_detection
from cloud_plane.store.sql.plate_dictionary import forget_reads, record_reads
from cloud_plane.store.tables import DetectionRow
from sync_protocol.corrections import ReadCorrection

_D = DetectionRow
# What a correction never changes: where the read is, what it is counted under, and when
# the node and the cloud received it.
_KEPT = frozenset({"site_id", "stream_id", "seq", "id", "camera_id", "received_at", "ingested_at"})


def correct_read(
    conn: Connection, site_id: str, correction: ReadCorrection, values: Mapping[str, Any]
) -> StoredDetection | None:
    """Give the read the corrected ``values`` (``_detection_row`` of the corrected record) if
    ``correction`` is newer than what is held; return the read as updated, else None."""
    record = correction.record
    where = (
        _D.site_id == site_id,
        _D.stream_id == correction.stream_id,
        _D.seq == record.seq,
        _D.id == str(record.id),
    )
    held = conn.execute(
        select(_D.revision, _D.plate_norm, _D.received_at).where(*where).with_for_update()
    ).first()
    if held is None or held.revision >= correction.revision:
        return None  # an unknown read, or a correction already applied or superseded
    changed = {k: v for k, v in values.items() if k not in _KEPT}
    changed.update(revision=correction.revision, previous_plate=correction.previous_plate)
    conn.execute(update(_D).where(*where).values(**changed))
    if held.plate_norm != record.plate_norm:
        # The dictionary counts reads per plate: one read leaves the old plate (dropped when
        # none is left) and joins the new one, so a search finds it by its new plate only.
        forget_reads(conn, site_id, [held.plate_norm])
        record_reads(
            conn,
            site_id,
            [{**changed, "received_at": held.received_at}],
        )
    row = conn.execute(select(_D).where(*where)).mappings().one()
    return stored_detection(row)
