"""`edgesync cloud` commands against a CDK-deployed cloud: the stack's secret ARN, not a key."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from cloud_plane.cli import cloud
from cloud_plane.store.dynamo.schema import create_table
from edgesync.cli import main

REGION = "eu-west-1"
MASTER = "a-random-master-secret-of-sixty-four-characters-0123456789abcdef"


@pytest.mark.usefixtures("aws_credentials")
def test_create_site_opens_the_deployed_table_with_the_secret_arn(tmp_path: Path) -> None:
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name=REGION), "edgesync")
        arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="edgesync-master", SecretString=json.dumps({"master": MASTER})
        )["ARN"]
        env = {
            "EDGESYNC_CLOUD_STORE": "dynamodb",
            "EDGESYNC_CLOUD_TABLE": "edgesync",
            "EDGESYNC_CLOUD_SECRETS_ARN": arn,
            "AWS_REGION": REGION,
            "EDGESYNC_CLOUD_DATA_DIR": str(tmp_path),
        }
        runner = CliRunner()
        created = runner.invoke(cloud, ["create-site", "Depot", "--json"], env=env)
        listed = runner.invoke(cloud, ["sites", "list", "--json"], env=env)
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["enrollment_code"]
    assert listed.exit_code == 0, listed.output
    assert "Depot" in listed.stdout


@pytest.mark.usefixtures("aws_credentials")
def test_a_missing_secret_is_a_clear_error(tmp_path: Path) -> None:
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name=REGION), "edgesync")
        env = {
            "EDGESYNC_CLOUD_STORE": "dynamodb",
            "EDGESYNC_CLOUD_TABLE": "edgesync",
            "EDGESYNC_CLOUD_SECRETS_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:"
            "secret:gone-AbCdEf",
            "AWS_REGION": REGION,
            "EDGESYNC_CLOUD_DATA_DIR": str(tmp_path),
        }
        result = CliRunner().invoke(main, ["cloud", "create-site", "Depot"], env=env)
    assert result.exit_code != 0
    assert "cannot read the secret EDGESYNC_CLOUD_SECRETS_ARN=" in result.output
    assert "ResourceNotFoundException" in result.output
