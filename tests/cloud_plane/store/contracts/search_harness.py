"""The plate-search contract's harness over any cloud store (``tests/search_contract.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.roles import DetectionStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.plate_rules import normalize_plate
from tests.search_contract import ContractRead

STREAM = "contract"
BATCH = 100


def contract_record(read: ContractRead, seq: int) -> DetectionRecord:
    """A contract read as a node sends it: its token as the event id, ``at`` as received."""
    return DetectionRecord(
        id=detection_uuid(f"{read.site}/{STREAM}", seq),
        seq=seq,
        event_id=read.token,
        camera_id="cam",
        captured_at=read.at,
        received_at=read.at,
        plate=read.plate,
        plate_norm=normalize_plate(read.plate),
    )


class StoreHarness:
    """A ``SearchHarness`` over a cloud ``DetectionStore``: one stream per site, put_batch."""

    def __init__(self, detections: DetectionStore, *, received_at: datetime) -> None:
        self.detections = detections
        self.received_at = received_at  # when the cloud took the batches (not searched on)

    def store(self, reads: Sequence[ContractRead]) -> None:
        """Send each site's reads in order, in batches, as its node would."""
        by_site: dict[str, list[DetectionRecord]] = {}
        for read in reads:
            held = by_site.setdefault(read.site, [])
            held.append(contract_record(read, len(held) + 1))
        for site, records in by_site.items():
            for start in range(0, len(records), BATCH):
                outcome = self.detections.put_batch(
                    site, STREAM, records[start : start + BATCH], received_at=self.received_at
                )
                assert not outcome.gap

    def search(
        self,
        plate: str,
        *,
        fuzzy: bool,
        max_edits: int,
        limit: int,
        cursor: str | None,
        since: datetime | None,
    ) -> tuple[list[str], str | None]:
        """One page of the store's search: the matching tokens newest first, and the cursor."""
        query = DetectionQuery(
            plate=plate, fuzzy=fuzzy, max_edits=max_edits, limit=limit, cursor=cursor, since=since
        )
        page = self.detections.search_detections(query)
        return [str(d.record.event_id) for d in page.items], page.next_cursor
