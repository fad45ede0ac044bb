"""The DynamoDB audit log never overwrites an entry: its put is conditional on no item."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloud_plane.errors import Conflict
from cloud_plane.records.audit import AuditQuery
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.audit import DynamoAudit
from cloud_plane.store.dynamo.schema import create_table
from sync_protocol.audit import AuditRecord
from tests.cloud_plane.store.contracts.builders import NOW


@pytest.fixture
def store(aws_credentials: None) -> Iterator[DynamoStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        yield DynamoStore.open("t", client=client)


def test_an_entry_at_an_existing_key_is_refused_and_the_first_stays(store: DynamoStore) -> None:
    log = DynamoAudit(store.db, new_id=lambda: "same-id")
    log.append(AuditRecord(at=NOW, actor="user:ann@example.com", action="search", target="AB1"))
    with pytest.raises(Conflict):
        log.append(AuditRecord(at=NOW, actor="user:eve@example.com", action="search", target="X"))
    [kept] = log.list(AuditQuery()).items
    assert (kept.actor, kept.target) == ("user:ann@example.com", "AB1")
