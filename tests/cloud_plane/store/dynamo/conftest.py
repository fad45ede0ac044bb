"""Fixtures of the DynamoDB store tests beyond the contract suites."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.schema import create_table
from tests.cloud_plane.store.contracts.builders import NOW


@pytest.fixture
def store(aws_credentials: None) -> Iterator[DynamoStore]:
    """A DynamoDB store on a fresh moto table: 30 days' retention, the clock pinned at NOW.

    Modules that need another shape define their own ``store``.
    """
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        yield DynamoStore.open("t", client=client, retention_days=30, clock=lambda: NOW)
