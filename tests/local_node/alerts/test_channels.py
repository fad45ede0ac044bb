"""The fallback's channels against real servers: SMTP (plain, STARTTLS + login) and webhooks."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime
from email import message_from_bytes, policy

from pydantic import SecretStr

from cloud_plane.alerts.signing import verify_webhook_signature as cloud_verify
from local_node.alerts.channels import SmtpChannel, WebhookChannel, webhook_label
from sync_protocol.webhook_signing import sign_webhook, verify_webhook_signature
from tests.conftest import free_port
from tests.local_node.alerts.conftest import (
    DUTY,
    SENDER,
    WEBHOOK_SECRET,
    SmtpServer,
    WebhookServer,
    smtp_channel,
)
from tests.local_node.alerts.test_messages import alert

NOW = datetime(2026, 7, 1, 7, 11, 5, tzinfo=UTC)


def test_one_email_per_recipient_arrives_with_its_message_id(smtp_server: SmtpServer):
    channel = smtp_channel(smtp_server, to=[DUTY, "desk@example.com"])
    outcomes = [channel.send(alert(), r, attempt=1) for r in channel.recipients()]
    assert all(o.ok for o in outcomes)
    first, second = smtp_server.inbox.envelopes
    assert (first.mail_from, first.rcpt_tos, second.rcpt_tos) == (
        SENDER,
        [DUTY],
        ["desk@example.com"],
    )
    mail = message_from_bytes(first.original_content, policy=policy.default)
    assert outcomes[0].provider_message_id == mail["Message-ID"].strip()
    assert mail["Subject"].startswith("[edgesync] STOLEN AB12 CDE")
    assert "<script>" not in mail.get_body(("html",)).get_content()


def test_header_injection_through_the_plate_adds_no_recipient(smtp_server: SmtpServer):
    outcome = smtp_channel(smtp_server).send(
        alert(plate="AB1\r\nBcc: evil@example.com"), DUTY, attempt=1
    )
    assert outcome.ok
    [envelope] = smtp_server.inbox.envelopes
    assert envelope.rcpt_tos == [DUTY]
    assert message_from_bytes(envelope.original_content, policy=policy.default)["Bcc"] is None


def test_starttls_and_login_with_the_secret_password(smtp_tls_server: SmtpServer):
    channel = SmtpChannel(
        smtp_tls_server.host,
        smtp_tls_server.port,
        from_address=SENDER,
        to=[DUTY],
        starttls=True,
        username="node",
        password=SecretStr("pw"),
        timeout=5,
        ssl_context=ssl.create_default_context(cafile=str(smtp_tls_server.ca_file)),
    )
    assert channel.send(alert(), DUTY, attempt=1).ok
    assert smtp_tls_server.inbox.tls == [True]
    assert smtp_tls_server.inbox.logins == [("node", "pw")]


def test_a_wrong_password_is_a_permanent_failure_that_never_shows_the_password(
    smtp_tls_server: SmtpServer,
):
    channel = SmtpChannel(
        smtp_tls_server.host,
        smtp_tls_server.port,
        from_address=SENDER,
        to=[DUTY],
        username="node",
        password=SecretStr("wrong-pass-123"),
        timeout=5,
        ssl_context=ssl.create_default_context(cafile=str(smtp_tls_server.ca_file)),
    )
    outcome = channel.send(alert(), DUTY, attempt=1)
    assert not outcome.ok and not outcome.retryable
    assert "wrong-pass-123" not in (outcome.error or "")
    assert smtp_tls_server.inbox.envelopes == []


def test_starttls_required_but_not_offered_is_a_permanent_failure(smtp_server: SmtpServer):
    channel = smtp_channel(smtp_server)
    channel._starttls = True
    outcome = channel.send(alert(), DUTY, attempt=1)
    assert not outcome.ok and not outcome.retryable and "STARTTLS" in (outcome.error or "")


def test_smtp_4xx_is_retryable_and_5xx_is_not(smtp_server: SmtpServer):
    smtp_server.inbox.data_reply = "451 4.3.0 try again later"
    soft = smtp_channel(smtp_server).send(alert(), DUTY, attempt=1)
    smtp_server.inbox.data_reply = "554 5.7.1 rejected"
    hard = smtp_channel(smtp_server).send(alert(), DUTY, attempt=1)
    assert (soft.ok, soft.retryable, hard.ok, hard.retryable) == (False, True, False, False)
    assert "451" in (soft.error or "") and "554" in (hard.error or "")


def test_no_smtp_server_listening_is_retryable():
    channel = SmtpChannel(
        "127.0.0.1", free_port(), from_address=SENDER, to=[DUTY], starttls=False, timeout=2
    )
    outcome = channel.send(alert(), DUTY, attempt=1)
    assert not outcome.ok and outcome.retryable


def _webhook(server: WebhookServer, **kwargs) -> WebhookChannel:
    return WebhookChannel(
        server.url(), SecretStr(WEBHOOK_SECRET), timeout=5, clock=lambda: NOW, **kwargs
    )


def test_the_webhook_arrives_signed_and_both_verifiers_accept_it(webhook_server: WebhookServer):
    channel = _webhook(webhook_server)
    try:
        outcome = channel.send(alert(), channel.recipients()[0], attempt=1)
    finally:
        channel.close()
    assert outcome.ok and outcome.provider_message_id == "rq-1"
    [request] = webhook_server.received
    ts = request.headers["x-edgesync-timestamp"]
    signature = request.headers["x-edgesync-signature"]
    assert ts == str(int(NOW.timestamp()))
    assert verify_webhook_signature(WEBHOOK_SECRET, ts, request.body, signature, now=NOW)
    assert cloud_verify(WEBHOOK_SECRET, ts, request.body, signature, now=NOW)
    assert not verify_webhook_signature(
        "another-secret-000000", ts, request.body, signature, now=NOW
    )
    payload = json.loads(request.body)
    assert payload["source"] == "node" and payload["alert"]["plate"] == "AB12 CDE"


def test_the_webhook_is_named_without_its_secret_path(webhook_server: WebhookServer):
    label = _webhook(webhook_server).recipients()[0]
    assert "secret-token" not in label and label.startswith("webhook http://127.0.0.1:")
    assert label == webhook_label(webhook_server.url()) != webhook_label(webhook_server.url("/x"))
    assert len(label) <= 254


def test_webhook_5xx_is_retryable_and_4xx_is_not(webhook_server: WebhookServer):
    channel = _webhook(webhook_server)
    try:
        webhook_server.status[0] = 503
        soft = channel.send(alert(), "w", attempt=1)
        webhook_server.status[0] = 400
        hard = channel.send(alert(), "w", attempt=2)
    finally:
        channel.close()
    assert (soft.ok, soft.retryable, hard.ok, hard.retryable) == (False, True, False, False)


def test_the_shared_signer_matches_the_clouds():
    from cloud_plane.alerts.signing import sign_webhook as cloud_sign

    assert sign_webhook("k" * 20, "1700000000", b"{}") == cloud_sign("k" * 20, "1700000000", b"{}")
