"""The offline fallback in a real node: hits alerted through real SMTP and webhook servers while
the cloud is away too long, never twice, retried then recorded, and reported to the cloud."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy

from pydantic import SecretStr

from local_node.alerts import ledger
from local_node.alerts.channels import WebhookChannel
from local_node.alerts.fallback import FallbackRunner
from local_node.sync import store
from local_node.sync.agent import SyncAgent
from local_node.sync.outbox import StreamMark, to_hit_record
from sync_protocol.messages import LocalDelivery
from sync_protocol.webhook_signing import verify_webhook_signature
from tests.local_node.alerts.conftest import (
    DUTY,
    SENDER,
    WEBHOOK_SECRET,
    SmtpServer,
    WebhookServer,
    enrol_offline,
    ledger_rows,
    list_plate,
    smtp_channel,
)
from tests.local_node.conftest import RunningNode
from tests.local_node.sync.conftest import enroll_node, post
from tests.local_node.sync.fake_cloud import FakeCloud

NodeFactory = Callable[..., RunningNode]
Runners = Callable[..., FallbackRunner]


def _mail(envelope):
    return message_from_bytes(envelope.original_content, policy=policy.default)


# --- the node as deployed: settings only ----------------------------------------------------------


def test_node_emails_a_hit_when_the_cloud_has_been_unreachable_too_long(
    node_factory: NodeFactory, smtp_server: SmtpServer
):
    # Given a node whose fallback emails through a real SMTP server, enrolled at a dead
    # cloud last reached ten minutes ago (the setting is two)
    node = node_factory(
        fallback_after_s=120,
        fallback_smtp_host=smtp_server.host,
        fallback_smtp_port=smtp_server.port,
        fallback_smtp_starttls=False,
        fallback_email_from=SENDER,
        fallback_email_to=[DUTY],
    )
    enrol_offline(node, cloud_silent_s=600)
    list_plate(node, "AB12CDE")
    # When a camera reads the listed plate
    assert post(node, "AB12 CDE").status_code == 201
    # Then the email arrives at once, and the ledger records it with its Message-ID
    [envelope] = smtp_server.inbox.wait_for(1)
    mail = _mail(envelope)
    assert envelope.rcpt_tos == [DUTY]
    assert mail["Subject"].startswith("[edgesync] STOLEN AB12 CDE at site-a / gate-0")
    assert "Taken from driveway <b>30 June</b>" in mail.get_body(("plain",)).get_content()
    assert "&lt;b&gt;30 June&lt;/b&gt;" in mail.get_body(("html",)).get_content()
    [row] = _wait_settled(node, 1)
    assert (row["channel"], row["recipient"], row["ok"], row["attempt"]) == ("smtp", DUTY, True, 1)
    assert row["provider_message_id"] == mail["Message-ID"].strip()


def test_node_posts_a_signed_webhook_when_the_cloud_has_been_unreachable_too_long(
    node_factory: NodeFactory, webhook_server: WebhookServer
):
    node = node_factory(
        fallback_after_s=60,
        fallback_webhook_url=webhook_server.url(),
        fallback_webhook_secret=WEBHOOK_SECRET,
    )
    enrol_offline(node, cloud_silent_s=None)  # enrolled a day ago, never reached since
    list_plate(node, "AB12CDE")
    post(node, "AB12CDE")
    [request] = webhook_server.wait_for(1)
    assert verify_webhook_signature(
        WEBHOOK_SECRET,
        request.headers["x-edgesync-timestamp"],
        request.body,
        request.headers["x-edgesync-signature"],
        now=node.clock(),
    )
    payload = json.loads(request.body)
    assert payload["alert"]["plate"] == "AB12CDE" and payload["alert"]["site"]["id"] == "site-a"
    [row] = _wait_settled(node, 1)
    assert row["ok"] and "secret-token" not in row["recipient"]


def test_fallback_messages_use_the_zone_the_node_reports_to_the_cloud(
    node_factory: NodeFactory, webhook_server: WebhookServer
):
    """EDGESYNC_NODE_TIMEZONE, not the host's zone: the node's messages and the cloud's agree."""
    node = node_factory(
        timezone="Asia/Tokyo",
        fallback_after_s=60,
        fallback_webhook_url=webhook_server.url(),
        fallback_webhook_secret=WEBHOOK_SECRET,
    )
    enrol_offline(node, cloud_silent_s=None)
    list_plate(node, "AB12CDE")
    post(node, "AB12CDE")
    [request] = webhook_server.wait_for(1)
    alert = json.loads(request.body)["alert"]
    assert alert["site"]["timezone"] == "Asia/Tokyo"
    assert alert["occurred_at_local"].endswith("+09:00")


def _wait_settled(node: RunningNode, count: int, timeout: float = 10.0) -> list[dict]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        rows = ledger_rows(node)
        if (len(rows) >= count and all(r["ok"] is not None for r in rows)) or (
            time.monotonic() > deadline
        ):
            return rows
        time.sleep(0.02)


# --- the runner over a real node's database -------------------------------------------------------


def test_nothing_is_sent_while_the_cloud_is_reachable_and_sent_once_the_outage_passes(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    enrol_offline(node, cloud_silent_s=5)
    list_plate(node)
    runner = runners(node, [smtp_channel(smtp_server)], after_s=120)
    post(node, "AB12CDE")
    assert runner.drain()
    assert smtp_server.inbox.envelopes == [] and ledger_rows(node) == []
    # The cloud stays away: two minutes after its last success the hit goes out.
    node.clock.advance(seconds=114)  # silent for 119 s
    assert runner.drain() and smtp_server.inbox.envelopes == []
    node.clock.advance(seconds=2)  # 121 s
    assert runner.drain()
    assert len(smtp_server.inbox.envelopes) == 1


def test_a_hit_the_cloud_acknowledged_is_never_sent_locally(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    enrol_offline(node, cloud_silent_s=5)
    list_plate(node)
    runner = runners(node, [smtp_channel(smtp_server)], after_s=120)
    post(node, "AB12CDE")
    assert runner.drain()
    with node.services.engine.begin() as conn:  # the agent pushed it; the cloud stored it
        store.update_state(conn, hits_acked=1)
    node.clock.advance(seconds=600)
    assert runner.drain()
    assert smtp_server.inbox.envelopes == [] and ledger_rows(node) == []


def test_entries_below_the_minimum_priority_and_stand_alone_nodes_send_nothing(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    list_plate(node, "LOW1", priority=1)
    list_plate(node, "HIGH1", priority=8)
    runner = runners(node, [smtp_channel(smtp_server)], min_priority=5)
    post(node, "HIGH1")
    assert runner.drain() and smtp_server.inbox.envelopes == []  # not enrolled
    enrol_offline(node, cloud_silent_s=600)
    post(node, "LOW1")
    assert runner.drain()
    [envelope] = smtp_server.inbox.envelopes
    assert "HIGH1" in _mail(envelope)["Subject"]


def test_no_double_send_across_a_restart_and_missed_hits_go_out_at_start(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    enrol_offline(node, cloud_silent_s=600)
    list_plate(node, "AB12CDE")
    list_plate(node, "XY99ZZZ")
    first = runners(node, [smtp_channel(smtp_server, to=[DUTY, "desk@example.com"])])
    post(node, "AB12CDE")
    assert first.drain()
    assert len(smtp_server.inbox.envelopes) == 2
    first.stop()
    post(node, "XY99ZZZ")  # while no fallback runs (the node was stopped)
    second = runners(node, [smtp_channel(smtp_server, to=[DUTY, "desk@example.com"])])
    assert second.drain()
    subjects = sorted(_mail(e)["Subject"].split(" at ")[0] for e in smtp_server.inbox.envelopes)
    assert subjects == ["[edgesync] STOLEN AB12CDE"] * 2 + ["[edgesync] STOLEN XY99ZZZ"] * 2
    assert [r["ok"] for r in ledger_rows(node)] == [True] * 4


def test_an_attempt_in_flight_when_the_node_stopped_is_sent_again_and_the_ledger_says_so(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    enrol_offline(node, cloud_silent_s=600)
    list_plate(node)
    post(node, "AB12CDE")
    claimed = ledger.claim(  # a node that died during the send left this row
        node.services.engine,
        hit_id=1,
        detection_id=ledger_rows_detection(node),
        target=("smtp", DUTY),
        now=node.clock(),
    )
    assert claimed is not None
    runner = runners(node, [smtp_channel(smtp_server)])
    assert runner.drain()
    assert len(smtp_server.inbox.envelopes) == 1
    first, second = ledger_rows(node)
    assert (first["ok"], first["error"]) == (False, ledger.UNKNOWN_OUTCOME)
    assert (second["ok"], second["attempt"]) == (True, 2)


def ledger_rows_detection(node: RunningNode) -> str:
    with node.services.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT detection_id FROM hits WHERE id = 1").scalar_one()


def test_a_failing_smtp_server_is_retried_then_recorded_as_failed(
    node_factory: NodeFactory, smtp_server: SmtpServer, runners: Runners
):
    node = node_factory()
    enrol_offline(node, cloud_silent_s=600)
    list_plate(node)
    smtp_server.inbox.data_reply = "451 4.3.0 mailbox busy, try later"
    runner = runners(node, [smtp_channel(smtp_server)])
    post(node, "AB12CDE")
    assert runner.drain()
    rows = ledger_rows(node)
    assert [(r["attempt"], r["ok"]) for r in rows] == [(1, False), (2, False), (3, False)]
    assert all("451" in r["error"] for r in rows) and smtp_server.inbox.attempts == 3
    # Given up for this process: later scans do not hammer the server...
    assert runner.drain() and smtp_server.inbox.attempts == 3
    # ...and a permanent refusal is not retried at all.
    smtp_server.inbox.data_reply = "550 5.1.1 no such user"
    runner.stop()
    again = runners(node, [smtp_channel(smtp_server)])
    assert again.drain()
    assert [(r["attempt"], r["ok"]) for r in ledger_rows(node)][-1] == (4, False)
    assert smtp_server.inbox.attempts == 4


def test_the_next_exchange_tells_the_cloud_which_hits_were_delivered_locally(
    node_factory: NodeFactory, smtp_server: SmtpServer, webhook_server: WebhookServer, runners
):
    # Given an enrolled node whose cloud has been away for ten minutes
    cloud = FakeCloud()
    node = node_factory()
    enroll_node(node, cloud)
    with node.services.engine.begin() as conn:
        store.update_state(conn, enrolled_at=node.clock() - timedelta(minutes=10))
    list_plate(node)
    webhook = WebhookChannel(
        webhook_server.url(), SecretStr(WEBHOOK_SECRET), timeout=5, clock=node.clock
    )
    runner = runners(node, [smtp_channel(smtp_server), webhook])
    post(node, "AB12CDE")
    assert runner.drain()
    # When the cloud is back and the agent pushes the hit
    agent = SyncAgent(
        engine=node.services.engine,
        settings=node.settings.sync,
        data_dir=node.settings.data_dir,
        clock=node.clock,
        transport=cloud.transport(),
    )
    try:
        agent.exchange()
    finally:
        agent.close()
    # Then the HitRecord carries both deliveries
    [(_, hit)] = cloud.hits.values()
    assert [(d.channel, d.recipient) for d in hit.delivered_locally] == [
        ("smtp", DUTY),
        ("webhook", webhook.recipients()[0]),
    ]
    mail = _mail(smtp_server.inbox.envelopes[0])
    assert hit.delivered_locally[0].provider_message_id == mail["Message-ID"].strip()
    assert hit.delivered_locally[1].provider_message_id == "rq-1"
    assert hit.delivered_locally[0].delivered_at.tzinfo is not None


def test_hit_records_without_local_deliveries_carry_an_empty_list(node_factory: NodeFactory):
    node = node_factory()
    list_plate(node)
    post(node, "AB12CDE")
    with node.services.engine.connect() as conn:
        [row] = store.pending_hits(conn, 0, 10)
    record = to_hit_record(row, StreamMark("s", 0, 0), hotlist_version=0)
    assert record.delivered_locally == []
    assert LocalDelivery.model_fields["recipient"].metadata  # bounded on the wire
