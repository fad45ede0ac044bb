"""One contract, every channel (habit 4): what the dispatcher may rely on from any of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses import ses_backends
from moto.sns import sns_backends

from cloud_plane.alerts.channels.base import Channel
from cloud_plane.alerts.channels.file import FileChannel
from cloud_plane.alerts.channels.ses import SesEmailChannel
from cloud_plane.alerts.channels.smtp import SmtpEmailChannel
from cloud_plane.alerts.channels.sns import SnsSmsChannel
from cloud_plane.alerts.channels.webhook import WebhookChannel
from cloud_plane.alerts.model import AlertKind, ChannelKind, Recipient
from tests.cloud_plane.alerts.conftest import (
    REGION,
    SENDER,
    WEBHOOK_SECRET,
    delivery_for,
    health_message,
    hit_message,
    recipient,
)
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.conftest import free_port


@dataclass
class Subject:
    """A channel under contract, the recipient it reaches, and how to count what arrived."""

    channel: Channel
    recipient: Recipient
    received: Callable[[], int]
    unreachable: Callable[[], tuple[Channel, Recipient]] | None  # the same, pointed at nothing


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def _sns(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    request.getfixturevalue("aws")
    return Subject(
        SnsSmsChannel(boto3.client("sns", region_name=REGION)),
        recipient(),
        lambda: len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages),
        lambda: (SnsSmsChannel(region_name=REGION, endpoint_url=_dead_url()), recipient()),
    )


def _ses(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    request.getfixturevalue("aws")
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity=SENDER)
    return Subject(
        SesEmailChannel(client, from_address=SENDER),
        recipient(),
        lambda: len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages),
        lambda: (
            SesEmailChannel(from_address=SENDER, region_name=REGION, endpoint_url=_dead_url()),
            recipient(),
        ),
    )


def _smtp(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    server = request.getfixturevalue("smtp_server")
    return Subject(
        SmtpEmailChannel(server.host, server.port, from_address=SENDER, security="none"),
        recipient(),
        lambda: len(server.inbox.envelopes),
        lambda: (
            SmtpEmailChannel(
                "127.0.0.1", free_port(), from_address=SENDER, security="none", timeout=2
            ),
            recipient(),
        ),
    )


def _webhook(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    server = request.getfixturevalue("webhook")
    channel = WebhookChannel(timeout=5)
    request.addfinalizer(channel.close)
    return Subject(
        channel,
        recipient(webhook_url=server.url(204), webhook_secret=WEBHOOK_SECRET),
        lambda: len(server.received),
        lambda: (channel, recipient(webhook_url=_dead_url(), webhook_secret=WEBHOOK_SECRET)),
    )


def _file(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    channel = FileChannel(tmp_path / "sent.jsonl")

    def received() -> int:
        return len(channel.path.read_bytes().splitlines()) if channel.path.exists() else 0

    return Subject(channel, recipient(), received, None)


SUBJECTS = {"sns": _sns, "ses": _ses, "smtp": _smtp, "webhook": _webhook, "file": _file}


@pytest.fixture(params=list(SUBJECTS))
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    return SUBJECTS[request.param](request, tmp_path)


def test_channel_satisfies_the_protocol(subject: Subject) -> None:
    assert isinstance(subject.channel, Channel)
    assert isinstance(subject.channel.name, ChannelKind)


def test_the_test_double_satisfies_the_protocol() -> None:
    assert isinstance(ScriptedChannel(), Channel)


def test_a_hit_is_delivered_once_with_a_provider_id(subject: Subject) -> None:
    message = hit_message()
    outcome = subject.channel.send(
        delivery_for(message, subject.channel.name), message, subject.recipient
    )
    assert outcome.ok and outcome.provider_message_id
    assert subject.received() == 1


@pytest.mark.parametrize("kind", [k for k in AlertKind if k is not AlertKind.HIT])
def test_every_health_kind_is_delivered(subject: Subject, kind: AlertKind) -> None:
    message = health_message(kind, alert_id=uuid.uuid4(), camera_name="gate-1")
    outcome = subject.channel.send(
        delivery_for(message, subject.channel.name), message, subject.recipient
    )
    assert outcome.ok, outcome.error


def test_a_recipient_it_cannot_reach_is_a_permanent_failure_not_an_exception(
    subject: Subject,
) -> None:
    if subject.recipient.address(subject.channel.name) == subject.recipient.id:
        pytest.skip("this channel reaches every recipient")
    message = hit_message()
    bare = Recipient(id="r-1", name="No Address")
    outcome = subject.channel.send(delivery_for(message, subject.channel.name), message, bare)
    assert not outcome.ok and not outcome.retryable and outcome.error
    assert subject.received() == 0


def test_an_unreachable_provider_is_a_retryable_failure_not_an_exception(
    subject: Subject,
) -> None:
    if subject.unreachable is None:
        pytest.skip("no provider endpoint to take away")
    message = hit_message()
    channel, to = subject.unreachable()
    outcome = channel.send(delivery_for(message, channel.name), message, to)
    assert not outcome.ok and outcome.retryable and outcome.error
