"""The store's contract suites: one module per role, each run over every implementation of it.

A test module names its role (``ROLE = "sites"``); the ``store`` fixture gives it each
implementation that serves that role, so a new backend (DynamoDB) can join one role at a
time by listing the roles it implements so far in ``IMPLEMENTATIONS``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

from cloud_plane.store.base import CloudStore
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.store.contracts.builders import NOW

RETENTION_DAYS = 30  # what the DynamoDB store is opened with (its TTLs)

ALL_ROLES = frozenset(
    {
        "meta",
        "sites",
        "detections",
        "hits",
        "hotlist",
        "users",
        "alerts",
        "recipients",
        "deliveries",
        "rate_limits",
        "retention",
        "audit",
        "images",
    }
)

Opener = Callable[[pytest.FixtureRequest, Path], CloudStore]


def _sql_sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> CloudStore:
    return SqlStore.open(f"sqlite:///{tmp_path / 'cloud.db'}")


def _sql_postgres(request: pytest.FixtureRequest, tmp_path: Path) -> CloudStore:
    return SqlStore.open(request.getfixturevalue("postgres_url"))


class OneRequestAtATime:
    """A boto3 client whose API calls run one at a time, as each is atomic in DynamoDB.

    moto's in-process backend is not thread-safe (a TransactWriteItems deep-copies tables
    that other threads' requests are changing, and fails), so the concurrency contracts run
    their threads through this. Requests still interleave between one another, which is where
    the store's read-modify-write races live, so those races are still exercised.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def _dynamodb(request: pytest.FixtureRequest, tmp_path: Path) -> CloudStore:
    """A fresh table in moto (in-process: ``mock_aws`` lasts until the test ends)."""
    request.getfixturevalue("aws_credentials")
    mock = mock_aws()
    mock.start()
    request.addfinalizer(mock.stop)
    client = OneRequestAtATime(boto3.client("dynamodb", region_name="eu-west-1"))
    create_table(client, "edgesync-test")
    box = SecretBox(Fernet.generate_key())
    # The clock is the suites' NOW: the builders' reads stay inside the 30-day retention
    # whatever the date the suite runs on (a real clock would expire them in a month).
    return DynamoStore.open(
        "edgesync-test",
        client=client,
        secret_box=box,
        retention_days=RETENTION_DAYS,
        clock=lambda: NOW,
    )


IMPLEMENTATIONS: dict[str, tuple[Opener, frozenset[str]]] = {
    "sql-sqlite": (_sql_sqlite, ALL_ROLES),
    "sql-postgres": (_sql_postgres, ALL_ROLES),
    "dynamodb": (_dynamodb, ALL_ROLES),
}
_MARKS = {"sql-postgres": pytest.mark.postgres}


def needs_role(request: pytest.FixtureRequest, role: str) -> None:
    """Skip the test where the backend does not implement ``role`` yet (setup needs it)."""
    backend = request.node.callspec.params["store"]
    if role not in IMPLEMENTATIONS[backend][1]:
        pytest.skip(f"{backend} does not implement the {role} role yet; this test sets up with it")


@pytest.fixture(params=[pytest.param(name, marks=_MARKS.get(name, ())) for name in IMPLEMENTATIONS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CloudStore]:
    """Each implementation of the test module's ``ROLE`` (skipped where not implemented yet)."""
    opener, roles = IMPLEMENTATIONS[request.param]
    role = request.module.ROLE
    assert role in ALL_ROLES, f"unknown role {role!r}"
    if role not in roles:
        pytest.skip(f"{request.param} does not implement {role} yet")
    impl = opener(request, tmp_path)
    yield impl
    impl.meta.close()
