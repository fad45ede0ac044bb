"""What the alert roles leave in the DynamoDB table: sparse indexes entered and left, sealing.

The contract suites show the behaviour; these show the table's shape that makes it cheap
(an acknowledged alert no longer costs index writes or reads, a sent delivery leaves the
due index) and that a webhook secret is never stored in clear.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

from cloud_plane.records.deliveries import AttemptResult
from cloud_plane.records.recipients import StoredRecipient
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.secret_box import SecretBox
from tests.cloud_plane.store.contracts.builders import (
    LEASE,
    NOW,
    WINDOW,
    delivery,
    hit_alert,
    problem,
)


@pytest.fixture
def store(aws_credentials: Any) -> Iterator[DynamoStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        yield DynamoStore.open("t", client=client, secret_box=SecretBox(Fernet.generate_key()))


def _raw(store: DynamoStore, key: dict[str, str]) -> dict[str, Any]:
    item = store.db.table.get(key)
    assert item is not None
    return item


def test_a_new_alert_is_in_the_listing_open_and_escalation_indexes(store: DynamoStore) -> None:
    alert = hit_alert(next_escalation_at=NOW + timedelta(minutes=5))
    store.alerts.raise_alert(alert, group_window=WINDOW)
    item = _raw(store, k.alert(alert.alert_id))
    assert (item["gsi1pk"], item["gsi2pk"], item["gsi3pk"]) == ("ALERTS", "ALERTSOPEN", "ALERTESC")


def test_an_acknowledged_alert_leaves_the_open_and_escalation_indexes(store: DynamoStore) -> None:
    alert = hit_alert(next_escalation_at=NOW + timedelta(minutes=5))
    store.alerts.raise_alert(alert, group_window=WINDOW)
    store.alerts.ack_alert(alert.alert_id, by="ann", now=NOW)
    item = _raw(store, k.alert(alert.alert_id))
    assert "gsi1pk" in item and not {"gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"} & item.keys()


def test_resolving_a_problem_deletes_its_open_key_item(store: DynamoStore) -> None:
    raised = store.alerts.raise_alert(problem(), group_window=WINDOW)
    assert store.db.table.get(k.alert_open(raised.alert.open_key or "")) is not None
    store.alerts.resolve_alert(raised.alert.alert_id, now=NOW)
    assert store.db.table.get(k.alert_open(raised.alert.open_key or "")) is None


def test_a_sent_delivery_leaves_the_due_index(store: DynamoStore) -> None:
    new = delivery("a1")
    store.deliveries.enqueue_deliveries([new])
    assert _raw(store, k.delivery(new.delivery_id))["gsi1pk"] == "DELIVERYDUE"
    store.deliveries.claim_delivery(new.delivery_id, worker="w", now=NOW, lease=LEASE)
    store.deliveries.begin_attempts([new.delivery_id], worker="w", now=NOW)
    store.deliveries.finish_attempt(new.delivery_id, 1, AttemptResult(ok=True), now=NOW)
    assert "gsi1pk" not in _raw(store, k.delivery(new.delivery_id))


def test_a_node_delivered_record_never_enters_the_due_index(store: DynamoStore) -> None:
    new = replace(delivery("a1"), source="node", sent_at=NOW)
    store.deliveries.enqueue_deliveries([new])
    assert "gsi1pk" not in _raw(store, k.delivery(new.delivery_id))


def test_a_webhook_secret_is_sealed_at_rest(store: DynamoStore) -> None:
    store.recipients.put_recipient(
        StoredRecipient("r1", "Duty", NOW, NOW, webhook_url="https://x", webhook_secret="s3cret")
    )
    stored = _raw(store, k.recipient("r1"))["webhook_secret"]
    assert stored.startswith("fernet:") and "s3cret" not in stored


def test_without_a_secret_box_a_webhook_secret_is_refused(aws_credentials: Any) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        bare = DynamoStore.open("t", client=client)
        with pytest.raises(RuntimeError, match="secret box"):
            bare.recipients.put_recipient(
                StoredRecipient("r1", "Duty", NOW, NOW, webhook_secret="s3cret")
            )
