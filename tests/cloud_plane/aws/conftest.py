"""A Lambda's world in moto: env settings as the CDK app would set them, queues, SES, SNS.

The handlers read their settings from the environment, as in Lambda. Each test runs twice,
with the store the environment names: ``sql`` (SQLite) and ``dynamodb`` (moto), the one a
deployed function uses.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

from cloud_plane.aws import runtime
from cloud_plane.store.dynamo.schema import create_table

REGION = "eu-west-2"
SENDER = "alerts@edgesync.example.com"


@dataclass
class LambdaWorld:
    """The moto account the handlers run against, and the settings they were given."""

    env: dict[str, str]
    sqs: Any
    queue_url: str
    dlq_url: str

    def take(self, url: str | None = None) -> list[dict[str, Any]]:
        """Receive every visible message as Lambda's SQS event records."""
        records: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=url or self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not got:
                return records
            records += [sqs_record(m, url or self.queue_url) for m in got]


def sqs_record(message: dict[str, Any], queue_url: str) -> dict[str, Any]:
    """An SQS message as the Lambda event source hands it over."""
    name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796320800000"},
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{name}",
        "awsRegion": REGION,
    }


def http_event(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as the $default route sends it
    (``body``: bytes as they are, anything else as JSON)."""
    is_json = body is not None and not isinstance(body, bytes)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if is_json else b""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": "abc123.execute-api.eu-west-2.amazonaws.com",
            "user-agent": "pytest",
            "x-forwarded-for": "203.0.113.9",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **({"content-type": "application/json"} if is_json else {}),
            **{name.lower(): value for name, value in (headers or {}).items()},
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-2.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "pytest",
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Dec/2026:18:00:00 +0000",
            "timeEpoch": 1796320800000,
        },
        "body": base64.b64encode(raw).decode() if raw else None,
        "isBase64Encoded": bool(raw),
    }


def scheduled_event() -> dict[str, Any]:
    """An EventBridge scheduled event (what a rate(1 minute) rule sends)."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-03T18:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:123456789012:rule/edgesync-monitor"],
        "detail": {},
    }


class FakeContext:
    """The bits of a Lambda context object anything might read."""

    function_name = "edgesync-test"
    aws_request_id = "req-1"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _store_env(store: str, tmp_path: Path) -> dict[str, str]:
    if store == "sql":
        return {
            "EDGESYNC_CLOUD_STORE": "sql",
            "EDGESYNC_CLOUD_DATABASE_URL": f"sqlite:///{tmp_path / 'cloud.db'}",
        }
    create_table(boto3.client("dynamodb", region_name=REGION), "edgesync-lambda")
    return {
        "EDGESYNC_CLOUD_STORE": "dynamodb",
        "EDGESYNC_CLOUD_TABLE": "edgesync-lambda",
        "EDGESYNC_CLOUD_SECRET_KEY": Fernet.generate_key().decode(),
    }


@pytest.fixture(params=["sql", "dynamodb"])
def lambda_world(
    request: pytest.FixtureRequest,
    aws_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[LambdaWorld]:
    """moto with the queues and a verified sender, and the env a deployed function has."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="deliveries-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
        queue_url = sqs.create_queue(
            QueueName="deliveries",
            Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "120"},
        )["QueueUrl"]
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
        env = {
            **_store_env(request.param, tmp_path),
            "EDGESYNC_CLOUD_DATA_DIR": str(tmp_path / "data"),
            "EDGESYNC_CLOUD_AWS_REGION": REGION,
            "EDGESYNC_CLOUD_DELIVERY_QUEUE_URL": queue_url,
            "EDGESYNC_CLOUD_DELIVERY_DLQ_URL": dlq_url,
            "EDGESYNC_CLOUD_ALERT_SMS": "sns",
            "EDGESYNC_CLOUD_ALERT_EMAIL": "ses",
            "EDGESYNC_CLOUD_ALERT_SES_FROM": SENDER,
            "EDGESYNC_CLOUD_WEB_SECRET": "w" * 32,
            "EDGESYNC_CLOUD_PUBLIC_URL": "https://abc123.execute-api.eu-west-2.amazonaws.com",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        runtime.reset()
        try:
            yield LambdaWorld(env, sqs, queue_url, dlq_url)
        finally:
            runtime.reset()
