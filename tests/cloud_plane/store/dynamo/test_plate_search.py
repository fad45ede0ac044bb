"""The shared plate-search contract (``tests/search_contract.py``) on the DynamoDB store.

The reads go in through ``put_batch`` like a node's (each site a stream, batches of a few
reads), so the dictionary items are the ones synced reads write. moto is slow: the corpus is
modest and the examples fewer than the SQL stores run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.dynamo import DynamoStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.plate_rules import normalize_plate
from tests.search_contract import ContractRead, check_search_contract, corpus

BATCH = 7  # reads per batch of one site's stream


class DynamoHarness:
    """``SearchHarness`` over a DynamoDB store: one stream per site, tokens as event ids."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def store(self, reads: Sequence[ContractRead]) -> None:
        by_site: dict[str, list[DetectionRecord]] = {}
        for read in reads:
            records = by_site.setdefault(read.site, [])
            seq = len(records) + 1
            records.append(
                DetectionRecord(
                    id=detection_uuid("st", seq),
                    seq=seq,
                    event_id=read.token,
                    camera_id="cam",
                    captured_at=read.at,
                    received_at=read.at,
                    plate=read.plate,
                    plate_norm=normalize_plate(read.plate),
                )
            )
        for site, records in sorted(by_site.items()):
            for start in range(0, len(records), BATCH):
                batch = records[start : start + BATCH]
                self._store.detections.put_batch(
                    site, "st", batch, received_at=batch[-1].received_at
                )

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
        query = DetectionQuery(
            plate=plate, fuzzy=fuzzy, max_edits=max_edits, limit=limit, cursor=cursor, since=since
        )
        page = self._store.detections.search_detections(query)
        return [str(d.record.event_id) for d in page.items], page.next_cursor


def test_plate_searches_keep_the_shared_contract(store: DynamoStore) -> None:
    reads = corpus(size=200)
    harness = DynamoHarness(store)
    harness.store(reads)
    check_search_contract(harness, reads, examples=60)
