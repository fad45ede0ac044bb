"""Keys derived from the stack's one Secrets Manager secret."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws
from pydantic import SecretStr

from cloud_plane.aws.secrets import derive_keys, master_from_secret_string, with_secrets
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError

MASTER = "m" * 20 + "a-long-random-master-value"


def test_derived_secret_key_is_a_fernet_key() -> None:
    fernet = Fernet(derive_keys(MASTER).secret_key.encode())
    assert fernet.decrypt(fernet.encrypt(b"hook")) == b"hook"


def test_the_two_keys_differ_and_are_stable() -> None:
    keys = derive_keys(MASTER)
    assert keys == derive_keys(MASTER)
    assert keys.web_secret != keys.secret_key
    assert len(keys.web_secret) >= 32
    assert derive_keys(MASTER + "x") != keys


def test_a_short_master_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        derive_keys("short")


@pytest.mark.parametrize("text", ["not json", "[]", '{"other": "x"}', '{"master": 5}'])
def test_a_malformed_secret_is_named(text: str) -> None:
    with pytest.raises(ConfigError, match="EDGESYNC_CLOUD_SECRETS_ARN"):
        master_from_secret_string(text)


@pytest.mark.usefixtures("aws_credentials")
def test_settings_take_the_keys_from_the_secret(tmp_path: Path) -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-1")
        arn = client.create_secret(Name="edgesync", SecretString=json.dumps({"master": MASTER}))[
            "ARN"
        ]
        settings = with_secrets(CloudSettings(data_dir=tmp_path, secrets_arn=arn), client)
    keys = derive_keys(MASTER)
    assert settings.secret_key is not None and settings.web_secret is not None
    assert settings.secret_key.get_secret_value() == keys.secret_key
    assert settings.web_secret.get_secret_value() == keys.web_secret


def test_an_explicit_key_wins_and_no_call_is_made(tmp_path: Path) -> None:
    given = CloudSettings(
        data_dir=tmp_path,
        secrets_arn="arn:aws:secretsmanager:eu-west-1:1:secret:x",
        secret_key=SecretStr(Fernet.generate_key().decode()),
        web_secret=SecretStr("w" * 40),
    )
    assert with_secrets(given, client=object()) is given


def test_without_a_secret_the_settings_are_unchanged(tmp_path: Path) -> None:
    given = CloudSettings(data_dir=tmp_path)
    assert with_secrets(given) is given
