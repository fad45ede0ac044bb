"""``RateLimitStore`` on DynamoDB: an item per bucket, swapped in one conditional transaction.

Each bucket is its own item (``keys.rate_bucket``: a partition each, so one recipient's
traffic never throttles another's) holding its TAT as fixed-width time text. ``read`` is
one strongly consistent BatchGetItem; ``swap`` is one TransactWriteItems with a Put per
bucket, conditioned on the TAT read (``attribute_not_exists`` for a new bucket): every
condition holds and all are written, or none is (at most 100 buckets: the transaction
limit, ``SWAP_LIMIT``). Every item carries a TTL (``expires_at``) a while after its TAT,
when it has long refilled, so DynamoDB deletes idle buckets itself and ``prune`` has
nothing to do (the table is never scanned). An expired item not yet deleted still reads
with its old TAT, which is in the past: a full bucket, as if absent.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.rate_roles import check_swap

KEPT_AFTER_REFILL = timedelta(hours=1)
"""How long a bucket's item outlives its TAT (room for workers' clocks to disagree)."""


class DynamoRateLimits:
    """``RateLimitStore`` over ``RATE#<bucket>`` items."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db

    def read(self, buckets: Collection[str]) -> dict[str, datetime]:
        """Return the TAT of each of ``buckets`` that exists."""
        if not buckets:
            return {}
        items = self._db.table.batch_get([keys.rate_bucket(b) for b in buckets], consistent=True)
        return {item["bucket"]: keys.parse_time_text(item["tat"]) for item in items}

    def swap(self, expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> bool:
        """Set every bucket of ``new`` if each still has its ``expected`` TAT; else none."""
        check_swap(expected, new)
        table = self._db.table
        actions = [
            table.tx_put(self._item(bucket, new[bucket]), **_unchanged(expected[bucket]))
            for bucket in sorted(new)
        ]
        return table.transact_write(actions)

    def prune(self, before: datetime) -> int:
        """Forget nothing: each bucket's TTL expires it once it has refilled; return 0."""
        return 0

    def _item(self, bucket: str, tat: datetime) -> dict[str, Any]:
        return {
            **keys.rate_bucket(bucket),
            "bucket": bucket,
            "tat": keys.time_text(tat),
            "expires_at": math.ceil((tat + KEPT_AFTER_REFILL).timestamp()),
        }


def _unchanged(expected: datetime | None) -> dict[str, Any]:
    """The condition of a Put that must find the bucket as it was read."""
    if expected is None:
        return {"condition": "attribute_not_exists(pk)"}
    return {
        "condition": "#tat = :expected",
        "names": {"#tat": "tat"},
        "values": {":expected": keys.time_text(expected)},
    }
