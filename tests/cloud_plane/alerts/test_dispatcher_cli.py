"""`edgesync cloud dispatcher --once`: sends what is due through the configured (file) channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
from click.testing import CliRunner

from cloud_plane.alerts.queue_worker import DeliveryAnnouncer
from cloud_plane.alerts.sqs import SqsQueue
from cloud_plane.cli import cloud
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.conftest import REGION
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


def test_dispatcher_once_delivers_due_alerts_to_the_file_channel(
    tmp_path: Path, database_url: str
) -> None:
    store = SqlStore.open(database_url)
    try:
        a = Alerting(store=store, clock=Clock(), channels={"email": ScriptedChannel()})
        a.recipient("duty", ("email",))
        raised = a.hit()
    finally:
        store.meta.close()
    result = CliRunner().invoke(
        cloud, ["dispatcher", "--once", "--data-dir", str(tmp_path), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "attempts 1" in result.output
    [line] = (tmp_path / "alerts" / "messages.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["delivery"]["alert_id"] == raised.alert.alert_id
    assert record["delivery"]["channel"] == "email" and "AB12CDE" in record["email"]["subject"]


def test_dispatcher_once_with_a_queue_handles_its_messages_not_the_store(
    tmp_path: Path, database_url: str, aws: None, monkeypatch
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    store = SqlStore.open(database_url)
    try:
        # Now, not the harness's fixed date: the command's clock is the real one, and
        # deliveries overdue by more than a lease would be swept (announced again).
        now = Clock(datetime.now(UTC))
        a = Alerting(store=store, clock=now, channels={"email": ScriptedChannel()})
        a.recipient("duty", ("email",))
        a.service.announce = DeliveryAnnouncer(SqsQueue(url, client=sqs))
        a.hit()  # announced
        a.hit("XY99ZZZ")
    finally:
        store.meta.close()
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)  # one message lost (in flight)
    monkeypatch.setenv("EDGESYNC_CLOUD_DELIVERY_QUEUE_URL", url)
    monkeypatch.setenv("EDGESYNC_CLOUD_AWS_REGION", REGION)
    result = CliRunner().invoke(
        cloud, ["dispatcher", "--once", "--data-dir", str(tmp_path), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "messages 1," in result.output and "swept 0" in result.output
    # The other delivery waits for its message's visibility timeout, or the sweep.
    assert len((tmp_path / "alerts" / "messages.jsonl").read_text().splitlines()) == 1
