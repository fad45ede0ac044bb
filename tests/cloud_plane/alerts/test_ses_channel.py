"""Email through SES v2, against moto: what SES recorded, and refusals as outcomes."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses import ses_backends

from cloud_plane.alerts.channels.ses import SesEmailChannel
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.render import email_content
from tests.cloud_plane.alerts.conftest import (
    REGION,
    SENDER,
    delivery_for,
    hit_message,
    recipient,
)


def _sent() -> list:
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def _verified_client():
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity=SENDER)
    return client


def test_email_is_sent_from_the_configured_sender_to_the_recipient(aws: None) -> None:
    channel = SesEmailChannel(_verified_client(), from_address=SENDER)
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.EMAIL), message, recipient())
    assert outcome.ok
    [sent] = _sent()
    assert sent.id == outcome.provider_message_id
    assert sent.source == SENDER
    assert sent.destinations["ToAddresses"] == ["duty@example.com"]
    assert sent.subject == email_content(message).subject


def test_email_body_recorded_by_ses_is_the_escaped_html(aws: None) -> None:
    # moto keeps the HTML part when both are given; the text part is checked below.
    channel = SesEmailChannel(_verified_client(), from_address=SENDER)
    message = hit_message(reason="<script>steal()</script>")
    channel.send(delivery_for(message, ChannelKind.EMAIL), message, recipient())
    [sent] = _sent()
    assert "&lt;script&gt;steal()&lt;/script&gt;" in sent.body
    assert "<script>" not in sent.body


def test_email_carries_both_text_and_html_parts(aws: None) -> None:
    client = _verified_client()
    seen: list[dict] = []
    client.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: seen.append(params)
    )
    message = hit_message()
    SesEmailChannel(client, from_address=SENDER).send(
        delivery_for(message, ChannelKind.EMAIL), message, recipient()
    )
    body = seen[0]["Content"]["Simple"]["Body"]
    assert body["Text"]["Data"] == email_content(message).text
    assert body["Html"]["Data"] == email_content(message).html


def test_unverified_sender_is_not_retryable(aws: None) -> None:
    channel = SesEmailChannel(boto3.client("sesv2", region_name=REGION), from_address=SENDER)
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.EMAIL), message, recipient())
    assert not outcome.ok and not outcome.retryable
    assert outcome.error.startswith("MessageRejected")
    assert _sent() == []


def test_ses_sending_rate_exceeded_is_retryable() -> None:
    client = boto3.client(
        "sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "send_email",
            service_error_code="TooManyRequestsException",
            service_message="Maximum sending rate exceeded.",
            http_status_code=429,
        )
        message = hit_message()
        outcome = SesEmailChannel(client, from_address=SENDER).send(
            delivery_for(message, ChannelKind.EMAIL), message, recipient()
        )
    assert not outcome.ok and outcome.retryable


def test_recipient_without_email_is_not_retryable(aws: None) -> None:
    channel = SesEmailChannel(_verified_client(), from_address=SENDER)
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.EMAIL), message, recipient(email=None))
    assert not outcome.ok and not outcome.retryable
    assert _sent() == []
