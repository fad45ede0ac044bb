"""``cloud_plane.aws.delivery.handler``: an SQS batch, sent by SNS and SES (what moto recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from cloud_plane.alerts.model import AlertKind
from cloud_plane.aws import delivery, runtime
from cloud_plane.errors import ConfigError
from cloud_plane.records.recipients import StoredRecipient, Subscription
from tests.cloud_plane.aws.conftest import REGION, SENDER, FakeContext, LambdaWorld

NOW = datetime.now(UTC)


def offline_alert() -> str:
    """A site-offline alert for a recipient on SMS and email; return its alert id."""
    alerting = runtime.container().alerting()
    store = alerting.service.store
    site = store.sites.create_site("Depot", now=NOW)
    store.recipients.put_recipient(
        StoredRecipient(
            recipient_id="duty",
            name="Duty officer",
            created_at=NOW,
            updated_at=NOW,
            phone="+447700900123",
            email="duty@example.com",
        )
    )
    store.recipients.put_subscription(
        Subscription(
            subscription_id="all", recipient_id="duty", channels=("sms", "email"), created_at=NOW
        )
    )
    raised = alerting.service.raise_problem(
        AlertKind.SITE_OFFLINE, site.site_id, "no heartbeat for 12 min"
    )
    return raised.alert.alert_id


def test_a_batch_is_sent_by_sns_and_ses_and_only_the_bad_message_fails(
    lambda_world: LambdaWorld,
) -> None:
    alert_id = offline_alert()
    records = lambda_world.take()
    assert len(records) == 2  # one message per delivery: sms and email
    bad = {**records[0], "messageId": "bad-1", "body": ""}
    reply = delivery.handler({"Records": [*records, bad]}, FakeContext())
    assert reply == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
    [sms] = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    assert sms[0] == "+447700900123" and "Depot" in sms[1]
    [email] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert email.source == SENDER and "duty@example.com" in str(email.destinations)
    store = runtime.container().alerting().service.store
    assert {d.status for d in store.deliveries.list_deliveries(alert_id)} == {"sent"}
    assert len(store.deliveries.list_attempts(alert_id)) == 2


def test_a_message_for_a_finished_delivery_is_consumed(lambda_world: LambdaWorld) -> None:
    offline_alert()
    records = lambda_world.take()
    assert delivery.handler({"Records": records}, FakeContext()) == {"batchItemFailures": []}
    again = [{**r, "messageId": f"{r['messageId']}-again"} for r in records]
    assert delivery.handler({"Records": again}, FakeContext()) == {"batchItemFailures": []}
    assert len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages) == 1


def test_without_a_queue_the_worker_refuses_clearly(lambda_world: LambdaWorld, monkeypatch) -> None:
    monkeypatch.delenv("EDGESYNC_CLOUD_DELIVERY_QUEUE_URL")
    runtime.reset()
    with pytest.raises(ConfigError, match="EDGESYNC_CLOUD_DELIVERY_QUEUE_URL"):
        delivery.handler({"Records": []}, FakeContext())


def test_lambda_instances_share_the_rate_limits_through_the_store(
    lambda_world: LambdaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_ALERT_RECIPIENT_RATE_PER_MINUTE", "1")
    runtime.reset()
    first = offline_alert()
    assert delivery.handler({"Records": lambda_world.take()}, FakeContext()) == {
        "batchItemFailures": []
    }
    runtime.reset()  # another instance: nothing of the first one's memory
    service = runtime.container().alerting().service
    site_id = service.store.alerts.get_alert(first).site_id
    second = service.raise_problem(AlertKind.DISK_NEARLY_FULL, site_id, "disk 95% used")
    delivery.handler({"Records": lambda_world.take()}, FakeContext())
    assert len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages) == 1  # the first alert's
    held = service.store.deliveries.list_deliveries(second.alert.alert_id)
    assert {(d.status, d.attempt) for d in held} == {("pending", 0)}
