"""Email through a real local SMTP server (aiosmtpd): what arrives, TLS, and refusals."""

from __future__ import annotations

import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage

from cloud_plane.alerts.channels.smtp import SmtpEmailChannel
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.render import email_content
from tests.cloud_plane.alerts.conftest import (
    SENDER,
    SmtpServer,
    delivery_for,
    hit_message,
    recipient,
)
from tests.conftest import free_port


def _plain(server: SmtpServer, **kwargs) -> SmtpEmailChannel:
    return SmtpEmailChannel(
        server.host, server.port, from_address=SENDER, security="none", timeout=5, **kwargs
    )


def _send(channel: SmtpEmailChannel, **message_overrides):
    message = hit_message(**message_overrides)
    return message, channel.send(delivery_for(message, ChannelKind.EMAIL), message, recipient())


def _received(server: SmtpServer) -> EmailMessage:
    [envelope] = server.inbox.envelopes
    return message_from_bytes(envelope.original_content, policy=policy.default)


def test_email_arrives_from_sender_to_recipient(smtp_server: SmtpServer) -> None:
    _, outcome = _send(_plain(smtp_server))
    assert outcome.ok
    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["duty@example.com"]


def test_email_subject_and_text_are_the_rendered_ones(smtp_server: SmtpServer) -> None:
    message, _ = _send(_plain(smtp_server))
    mail = _received(smtp_server)
    content = email_content(message)
    assert mail["Subject"] == content.subject
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == content.text.rstrip("\n")


def test_email_html_part_escapes_a_script_plate(smtp_server: SmtpServer) -> None:
    _send(_plain(smtp_server), plate="<script>x</script>", reason="<script>y</script>")
    html = _received(smtp_server).get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_provider_message_id_is_the_message_id_header(smtp_server: SmtpServer) -> None:
    message, outcome = _send(_plain(smtp_server))
    mail = _received(smtp_server)
    assert outcome.provider_message_id == mail["Message-ID"]
    assert mail["X-Edgesync-Alert-Id"] == str(message.alert_id)
    assert mail["X-Edgesync-Delivery"] == f"{message.alert_id}:r-1:email"


def test_header_injection_through_the_plate_adds_no_header(smtp_server: SmtpServer) -> None:
    _, outcome = _send(_plain(smtp_server), plate="AB1\r\nBcc: evil@example.com")
    assert outcome.ok
    assert _received(smtp_server)["Bcc"] is None
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["duty@example.com"]


def test_starttls_delivers_over_tls(smtp_tls_server: SmtpServer) -> None:
    context = ssl.create_default_context(cafile=str(smtp_tls_server.ca_file))
    channel = SmtpEmailChannel(
        smtp_tls_server.host,
        smtp_tls_server.port,
        from_address=SENDER,
        security="starttls",
        ssl_context=context,
        timeout=5,
    )
    _, outcome = _send(channel)
    assert outcome.ok, outcome.error
    assert smtp_tls_server.inbox.tls == [True]


def test_untrusted_certificate_is_not_retryable(smtp_tls_server: SmtpServer) -> None:
    channel = SmtpEmailChannel(
        smtp_tls_server.host,
        smtp_tls_server.port,
        from_address=SENDER,
        security="starttls",
        timeout=5,  # system trust store: the self-signed cert fails
    )
    _, outcome = _send(channel)
    assert not outcome.ok and not outcome.retryable
    assert "certificate" in outcome.error
    assert smtp_tls_server.inbox.envelopes == []


def test_server_without_starttls_is_not_retryable(smtp_server: SmtpServer) -> None:
    channel = SmtpEmailChannel(
        smtp_server.host, smtp_server.port, from_address=SENDER, security="starttls", timeout=5
    )
    _, outcome = _send(channel)
    assert not outcome.ok and not outcome.retryable
    assert smtp_server.inbox.envelopes == []


def test_temporary_refusal_4xx_is_retryable(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_reply = "450 4.2.1 Mailbox busy, try later"
    _, outcome = _send(_plain(smtp_server))
    assert not outcome.ok and outcome.retryable
    assert outcome.error.startswith("SMTP 450")


def test_permanent_refusal_5xx_is_not_retryable(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_reply = "550 5.1.1 No such user"
    _, outcome = _send(_plain(smtp_server))
    assert not outcome.ok and not outcome.retryable
    assert outcome.error.startswith("SMTP 550")


def test_refused_connection_is_retryable() -> None:
    channel = SmtpEmailChannel(
        "127.0.0.1", free_port(), from_address=SENDER, security="none", timeout=2
    )
    _, outcome = _send(channel)
    assert not outcome.ok and outcome.retryable
