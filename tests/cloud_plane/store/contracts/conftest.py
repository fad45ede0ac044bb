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
    return DynamoStore.open("edgesync-test", client=client, secret_box=box, retention_days=30)


IMPLEMENTATIONS: dict[str, tuple[Opener, frozenset[str]]] = {
    "sql-sqlite": (_sql_sqlite, ALL_ROLES),
    "sql-postgres": (_sql_postgres, ALL_ROLES),
    "dynamodb": (
        _dynamodb,
        frozenset(
            {"meta", "sites", "hits", "hotlist", "users", "alerts", "recipients", "deliveries"}
        ),
    ),
}
_MARKS = {"sql-postgres": pytest.mark.postgres}


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
