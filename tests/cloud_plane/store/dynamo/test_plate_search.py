"""The shared plate-search contract (``tests/search_contract.py``) on the DynamoDB store.

The reads go in through ``put_batch`` like a node's (each site a stream, batches of a few
reads), so the dictionary items are the ones synced reads write. moto is slow: the corpus is
modest and the examples fewer than the SQL stores run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.dynamo import DynamoStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.plate_rules import normalize_plate
from tests.cloud_plane.store.contracts.builders import NOW, records
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


def test_a_first_page_reads_only_the_partitions_that_can_hold_it(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten plates AB10.. AB19, each read once, an hour apart (newest last).
    for i in range(10):
        at = NOW - timedelta(hours=10 - i)
        record = records("st", i + 1, 1, f"AB1{i}")[0].model_copy(update={"received_at": at})
        store.detections.put_batch("s", "st", [record], received_at=at)
    read = []
    query = store.db.table.query

    def counted(condition: str, **kwargs: Any) -> Any:
        read.append(kwargs["values"][":pk"])
        return query(condition, **kwargs)

    monkeypatch.setattr(store.db.table, "query", counted)
    page = store.detections.search_detections(DetectionQuery(plate="AB1*", limit=1))
    assert [d.record.plate_norm for d in page.items] == ["AB19"]
    # The newest plate's partition alone, then the next two at once (the second wave), the
    # second to know whether a next page exists: not the other seven.
    plates = [pk for pk in read if pk.startswith("PLATE#")]
    assert plates == ["PLATE#4819", "PLATE#4818", "PLATE#4817"]
