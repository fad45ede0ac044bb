"""`edgesync cloud aws-dev-setup` against a moto server (real HTTP, as a developer runs it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from click.testing import CliRunner

from cloud_plane.cli import cloud
from cloud_plane.config import CloudSettings
from cloud_plane.store.secret_box import SecretBox
from tests.conftest import moto_server

REGION = "eu-west-1"
SENDER = "alerts@edgesync.example"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the module (each test uses its own name prefix)."""
    with moto_server() as url:
        yield url


@pytest.fixture
def endpoint(aws_credentials: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    return moto_endpoint


def setup(*args: str) -> dict[str, str]:
    result = CliRunner().invoke(cloud, ["aws-dev-setup", "--sender", SENDER, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def test_the_settings_printed_are_a_valid_aws_mode_configuration(endpoint: str) -> None:
    settings = setup("--prefix", "t-valid")
    assert all(name.startswith("EDGESYNC_CLOUD_") for name in settings)
    parsed = CloudSettings(
        **{k.removeprefix("EDGESYNC_CLOUD_").lower(): v for k, v in settings.items()}
    )
    assert (parsed.store, parsed.auth, parsed.alerts.email, parsed.alerts.sms) == (
        "dynamodb",
        "cognito",
        "ses",
        "sns",
    )
    assert parsed.secret_key is not None
    SecretBox(parsed.secret_key.get_secret_value().encode())  # a Fernet key


def test_the_table_and_the_queues_exist_with_a_redrive_to_the_dlq(endpoint: str) -> None:
    settings = setup("--prefix", "t-data")
    table = client("dynamodb", endpoint).describe_table(TableName=settings["EDGESYNC_CLOUD_TABLE"])
    assert {i["IndexName"] for i in table["Table"]["GlobalSecondaryIndexes"]} == {
        "gsi1",
        "gsi2",
        "gsi3",
    }
    sqs = client("sqs", endpoint)
    attributes = sqs.get_queue_attributes(
        QueueUrl=settings["EDGESYNC_CLOUD_DELIVERY_QUEUE_URL"], AttributeNames=["All"]
    )["Attributes"]
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=settings["EDGESYNC_CLOUD_DELIVERY_DLQ_URL"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq_arn and int(redrive["maxReceiveCount"]) == 5


def test_a_pool_user_signs_in_with_a_password_and_a_refresh_token(endpoint: str) -> None:
    settings = setup("--prefix", "t-auth")
    pool = settings["EDGESYNC_CLOUD_COGNITO_USER_POOL_ID"]
    cognito = client("cognito-idp", endpoint)
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool)["Groups"]}
    assert groups == {"admin", "manager", "viewer"}
    cognito.admin_create_user(UserPoolId=pool, Username="ann@example.com")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="ann@example.com", Password="e2e-password-123", Permanent=True
    )
    signed_in = cognito.initiate_auth(
        ClientId=settings["EDGESYNC_CLOUD_COGNITO_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": "e2e-password-123"},
    )["AuthenticationResult"]
    refreshed = cognito.initiate_auth(
        ClientId=settings["EDGESYNC_CLOUD_COGNITO_CLIENT_ID"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]


def test_the_sender_can_send_email(endpoint: str) -> None:
    setup("--prefix", "t-ses")
    sent = client("sesv2", endpoint).send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["duty@example.com"]},
        Content={"Simple": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}}},
    )
    assert sent["MessageId"]


def test_a_second_run_reuses_everything_by_name(endpoint: str) -> None:
    first = setup("--prefix", "t-again")
    assert setup("--prefix", "t-again") == first
    pools = client("cognito-idp", endpoint).list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools].count("t-again-staff") == 1


def test_without_an_endpoint_it_refuses_to_touch_a_real_account(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    result = CliRunner().invoke(cloud, ["aws-dev-setup", "--json"])
    assert result.exit_code == 1
    assert "AWS_ENDPOINT_URL" in result.output and "--i-mean-real-aws" in result.output


def test_text_output_is_export_lines(endpoint: str) -> None:
    result = CliRunner().invoke(cloud, ["aws-dev-setup", "--prefix", "t-text"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "export EDGESYNC_CLOUD_STORE=dynamodb" in lines
    assert all(line.startswith("export EDGESYNC_CLOUD_") for line in lines)


def test_the_pool_keys_are_fetched_from_the_endpoint(endpoint: str) -> None:
    settings = setup("--prefix", "t-jwks")
    url = settings["EDGESYNC_CLOUD_COGNITO_JWKS_URL"]
    assert url.startswith(endpoint)
    assert httpx.get(url).json()["keys"][0]["alg"] == "RS256"
