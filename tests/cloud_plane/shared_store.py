"""One store opened as many times as there are workers: each open is another process's view.

For use-case tests of several workers (monitors, dispatchers, Lambda invocations) against
one store: a SQLite file opened by several engines, one PostgreSQL schema, or one DynamoDB
table in moto (every open shares one client that sends one request at a time: moto's
backend is not thread-safe; requests still interleave, as they do against DynamoDB).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

from cloud_plane.store.base import CloudStore
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.store.contracts.conftest import OneRequestAtATime

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "dynamodb"]
"""The ``params`` of a fixture built on ``opening``."""

Opener = Callable[[], CloudStore]


@contextmanager
def opening(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Opener]:
    """Yield a function that opens the backend's one store again on each call."""
    box = SecretBox(Fernet.generate_key())  # every worker unseals what the others sealed
    opened: list[CloudStore] = []
    if backend == "dynamodb":
        request.getfixturevalue("aws_credentials")
        with mock_aws():
            client = OneRequestAtATime(boto3.client("dynamodb", region_name="eu-west-1"))
            create_table(client, "edgesync-workers")

            def open_dynamo() -> CloudStore:
                opened.append(DynamoStore.open("edgesync-workers", client=client, secret_box=box))
                return opened[-1]

            yield open_dynamo
        return
    url = (
        f"sqlite:///{tmp_path / 'cloud.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )

    def open_sql() -> CloudStore:
        opened.append(SqlStore.open(url, secret_box=box))
        return opened[-1]

    try:
        yield open_sql
    finally:
        for store in opened:
            store.meta.close()
