"""Reads to store and the plate dictionary's rows, for the SQL store's own tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from cloud_plane.store.investigation_tables import PlateIndexRow, PlateRotationRow
from cloud_plane.store.sql import SqlStore
from cloud_plane.store.tables import DetectionRow
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.plate_rules import normalize_plate
from tests.cloud_plane.store.contracts.builders import NOW


def reads(
    plates: list[str], *, first: int = 1, stream: str = "st", at: datetime = NOW
) -> list[DetectionRecord]:
    """Contiguous reads of the plates (seq ``first`` on), one second apart from ``at``."""
    return [
        DetectionRecord(
            id=detection_uuid(stream, seq),
            seq=seq,
            camera_id="cam",
            captured_at=at,
            received_at=at + timedelta(seconds=seq),
            plate=plate,
            plate_norm=normalize_plate(plate),
        )
        for seq, plate in enumerate(plates, start=first)
    ]


def dictionary(store: SqlStore) -> dict[tuple[str, str], tuple[str, int, datetime]]:
    """(site, plate) -> (key, reads, newest read) as ``cloud_plate_index`` holds them."""
    p = PlateIndexRow
    with store.db.tx() as conn:
        columns = (p.site_id, p.plate_norm, p.plate_key, p.reads, p.last_received_at)
        rows = conn.execute(select(*columns))
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


def rotations(store: SqlStore) -> set[str]:
    """Every row of ``cloud_plate_rotations``."""
    with store.db.tx() as conn:
        return set(conn.execute(select(PlateRotationRow.rotation)).scalars())


def dictionary_of_reads(store: SqlStore) -> dict[tuple[str, str], tuple[str, int, datetime]]:
    """What the dictionary should hold for the reads ``cloud_detections`` holds now."""
    d = DetectionRow
    with store.db.tx() as conn:
        rows = conn.execute(
            select(
                d.site_id, d.plate_norm, d.plate_key, func.count(), func.max(d.received_at)
            ).group_by(d.site_id, d.plate_norm, d.plate_key)
        )
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}
