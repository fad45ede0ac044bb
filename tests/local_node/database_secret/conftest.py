"""Fixtures of the database secret tests: an RDS-shaped secret in moto's Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

RDS_SECRET: dict[str, Any] = {
    "username": "edgesync",
    "password": "p@ss:w/rd%?#&=",  # every character that would break an unquoted URL
    "host": "db.abc123.eu-west-1.rds.amazonaws.com",
    "port": 5432,
    "dbname": "edgesync",
    "engine": "postgres",
}


@pytest.fixture
def secrets(aws_credentials: None) -> Iterator[Any]:
    """A Secrets Manager client on moto (eu-west-1), live for the test."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


@pytest.fixture
def make_secret(secrets: Any) -> Callable[..., str]:
    """Store a secret (a dict becomes JSON, a str is kept) and return its ARN."""
    count = iter(range(1000))

    def make(value: dict[str, Any] | str = RDS_SECRET) -> str:
        text = value if isinstance(value, str) else json.dumps(value)
        return str(secrets.create_secret(Name=f"db-{next(count)}", SecretString=text)["ARN"])

    return make


@pytest.fixture
def local_postgres_secret(
    postgres_url: str, make_secret: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """A secret naming this machine's PostgreSQL, the test's schema set through PGOPTIONS.

    An RDS secret cannot carry a search_path; libpq's PGOPTIONS gives the connections the
    test's fresh schema, as ``postgres_url`` does with ``options=``.
    """
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    monkeypatch.setenv("PGOPTIONS", str(url.query["options"]))
    return make_secret(
        {
            **RDS_SECRET,
            "username": url.username,
            "host": url.host,
            "port": url.port or 5432,
            "dbname": url.database,
        }
    )
