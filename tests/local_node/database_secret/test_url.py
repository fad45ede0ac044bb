"""The node's PostgreSQL URL from an RDS-generated Secrets Manager secret."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from moto.core import set_initial_no_auth_action_count
from sqlalchemy.engine import make_url

from local_node.config import NodeSettings
from local_node.database_secret import DatabaseSecretProblem, region_of, url_from_secret
from tests.local_node.database_secret.conftest import RDS_SECRET

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"


def settings(tmp_path: Path, arn: str, **overrides) -> NodeSettings:
    return NodeSettings(data_dir=tmp_path, database_secret_arn=arn, **overrides)


def test_the_url_carries_every_part_of_the_secret_with_the_password_quoted():
    url = make_url(url_from_secret(_json(RDS_SECRET), ARN, sslmode="require", sslrootcert="/x"))
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password) == ("edgesync", RDS_SECRET["password"])
    assert (url.host, url.port, url.database) == (RDS_SECRET["host"], 5432, "edgesync")


def test_the_port_defaults_to_postgresqls():
    secret = {k: v for k, v in RDS_SECRET.items() if k != "port"}
    url = make_url(url_from_secret(_json(secret), ARN, sslmode="require", sslrootcert="/x"))
    assert url.port == 5432


def test_the_region_is_read_from_the_arn():
    assert region_of(ARN) == "eu-west-1"
    assert region_of("just-a-name") is None


@pytest.mark.usefixtures("secrets")
def test_settings_build_the_url_from_the_secret_with_tls_verified(tmp_path, make_secret):
    url = make_url(settings(tmp_path, make_secret()).resolved_database_url)
    assert url.password == RDS_SECRET["password"]
    assert url.query == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/edgesync/rds-ca-bundle.pem",
    }


def test_the_tls_settings_reach_the_url(tmp_path, make_secret):
    given = settings(
        tmp_path, make_secret(), database_sslmode="verify-ca", database_sslrootcert="/ca.pem"
    )
    assert make_url(given.resolved_database_url).query == {
        "sslmode": "verify-ca",
        "sslrootcert": "/ca.pem",
    }


def test_an_explicit_database_url_wins_and_no_secret_is_read(tmp_path, secrets):
    # No such secret exists: reading it would raise.
    given = settings(tmp_path, ARN, database_url="postgresql+psycopg://u@h/d")
    assert given.resolved_database_url == "postgresql+psycopg://u@h/d"


def test_the_secret_is_read_once_and_travels_with_the_settings(tmp_path, secrets, make_secret):
    given = settings(tmp_path, make_secret())
    first = given.resolved_database_url
    secrets.delete_secret(SecretId=given.database_secret_arn, ForceDeleteWithoutRecovery=True)
    assert given.resolved_database_url == first
    # What `node serve --workers` hands its spawned workers: the URL without a second read.
    assert pickle.loads(pickle.dumps(given)).resolved_database_url == first


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        ({"username": "u", "password": "p", "host": "h"}, "lacks dbname"),
        ({**RDS_SECRET, "password": ""}, "lacks password"),
        ({**RDS_SECRET, "engine": "mysql"}, "engine 'mysql'"),
        ({**RDS_SECRET, "port": "x"}, "not a TCP port"),
    ],
)
def test_an_unusable_secret_is_named_with_its_fault(tmp_path, make_secret, value, fault):
    arn = make_secret(value)
    with pytest.raises(DatabaseSecretProblem, match=fault) as caught:
        _ = settings(tmp_path, arn).resolved_database_url
    assert str(caught.value).startswith(f"EDGESYNC_NODE_DATABASE_SECRET_ARN='{arn}'")


def test_a_missing_secret_is_named(tmp_path, secrets):
    with pytest.raises(DatabaseSecretProblem, match="no such secret"):
        _ = settings(tmp_path, ARN).resolved_database_url


@set_initial_no_auth_action_count(3)  # create_secret, create_user, create_access_key: allowed
def test_access_denied_says_what_the_role_lacks(tmp_path, monkeypatch, secrets, make_secret):
    import boto3

    arn = make_secret()
    iam = boto3.client("iam", region_name="eu-west-1")
    iam.create_user(UserName="task")
    key = iam.create_access_key(UserName="task")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    with pytest.raises(DatabaseSecretProblem, match=r"access denied.*GetSecretValue"):
        _ = settings(tmp_path, arn).resolved_database_url


def test_no_error_shows_the_password(tmp_path, make_secret):
    arn = make_secret({**RDS_SECRET, "engine": "mysql"})
    with pytest.raises(DatabaseSecretProblem) as caught:
        _ = settings(tmp_path, arn).resolved_database_url
    assert RDS_SECRET["password"] not in str(caught.value)


def _json(value: dict) -> str:
    import json

    return json.dumps(value)
