"""`cloud serve` with a delivery queue: an SQS poller delivers, the store is not polled."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from cloud_plane.alerts.model import AlertKind
from cloud_plane.cli import cloud
from cloud_plane.records.recipients import StoredRecipient, Subscription
from tests.cloud_plane.conftest import RunningCloud

REGION = "eu-west-2"


@pytest.fixture
def queue_url(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION).create_queue(QueueName="deliveries")[
            "QueueUrl"
        ]


def sms_sent() -> list:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def test_an_alert_is_delivered_through_the_queue_by_the_served_process(
    cloud_factory: Callable[..., RunningCloud], queue_url: str
) -> None:
    cloud = cloud_factory(delivery_queue_url=queue_url, alert_sms="sns", aws_region=REGION)
    names = {t.name for t in threading.enumerate()}
    assert "alert-sqs-poller" in names and "alert-dispatcher" not in names
    now = datetime.now(UTC)
    store = cloud.store
    store.recipients.put_recipient(
        StoredRecipient(
            recipient_id="duty",
            name="Duty",
            created_at=now,
            updated_at=now,
            phone="+447700900123",
        )
    )
    store.recipients.put_subscription(
        Subscription(subscription_id="s", recipient_id="duty", channels=("sms",), created_at=now)
    )
    site = store.sites.create_site("Depot", now=now)
    cloud.services.alerting.service.raise_problem(AlertKind.SITE_OFFLINE, site.site_id, "gone")
    deadline = time.monotonic() + 20
    while not sms_sent() and time.monotonic() < deadline:
        time.sleep(0.1)
    [(phone, text, *_)] = sms_sent()
    assert phone == "+447700900123" and "Depot" in text


def test_serve_help_says_how_alerts_travel_with_a_queue() -> None:
    result = CliRunner().invoke(cloud, ["serve", "--help"])
    assert "EDGESYNC_CLOUD_DELIVERY_QUEUE_URL" in result.output
