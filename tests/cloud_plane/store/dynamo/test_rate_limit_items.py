"""What the rate-limit role leaves in the DynamoDB table: a TTL so idle buckets expire.

The contract suite shows the behaviour; these show that an idle bucket costs nothing for
long (DynamoDB deletes it after its TTL, no scan or prune needed) and that a batch's
buckets cost one read request and one transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.rate_limits import KEPT_AFTER_REFILL
from cloud_plane.store.dynamo.schema import TTL_ATTRIBUTE, create_table
from tests.cloud_plane.store.contracts.builders import NOW


class CountingClient:
    """A boto3 client that counts its API calls by name."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return call


@pytest.fixture
def client(aws_credentials: Any) -> Iterator[CountingClient]:
    with mock_aws():
        raw = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(raw, "t")
        yield CountingClient(raw)


@pytest.fixture
def store(client: CountingClient) -> DynamoStore:
    return DynamoStore.open("t", client=client)


def test_a_bucket_expires_by_ttl_a_while_after_it_has_refilled(store: DynamoStore) -> None:
    tat = NOW + timedelta(seconds=12)
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": tat})
    item = store.db.table.get(keys.rate_bucket("recipient:sms:r1"))
    assert item is not None
    assert item[TTL_ATTRIBUTE] == math.ceil((tat + KEPT_AFTER_REFILL).timestamp())


def test_moving_a_bucket_moves_its_expiry(store: DynamoStore) -> None:
    tat, later = NOW, NOW + timedelta(minutes=5)
    store.rate_limits.swap({"channel:sms": None}, {"channel:sms": tat})
    store.rate_limits.swap({"channel:sms": tat}, {"channel:sms": later})
    item = store.db.table.get(keys.rate_bucket("channel:sms"))
    assert item is not None
    assert item[TTL_ATTRIBUTE] == math.ceil((later + KEPT_AFTER_REFILL).timestamp())


def test_a_batch_of_buckets_is_one_read_and_one_transaction(
    store: DynamoStore, client: CountingClient
) -> None:
    names = [f"recipient:sms:r{i}" for i in range(40)]
    client.calls.clear()
    store.rate_limits.read(names)
    store.rate_limits.swap(dict.fromkeys(names), dict.fromkeys(names, NOW))
    assert client.calls == ["batch_get_item", "transact_write_items"]
