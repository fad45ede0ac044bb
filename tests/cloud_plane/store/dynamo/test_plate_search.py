"""How much a DynamoDB plate search reads (its answers: the shared contract in
``tests/cloud_plane/store/contracts/test_plate_search.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.dynamo import DynamoStore
from tests.cloud_plane.store.contracts.builders import NOW, records


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
