"""SMS through SNS, against moto: what SNS recorded, and refusals as outcomes."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.sns import sns_backends

from cloud_plane.alerts.channels.sns import SnsSmsChannel
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.render import sms_text
from tests.cloud_plane.alerts.conftest import REGION, delivery_for, hit_message, recipient
from tests.conftest import free_port


def _recorded() -> dict[str, tuple[str, str]]:
    return sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages


def test_sms_is_published_to_the_recipients_phone(aws: None) -> None:
    channel = SnsSmsChannel(boto3.client("sns", region_name=REGION))
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.SMS), message, recipient())
    assert outcome.ok
    assert _recorded()[outcome.provider_message_id] == ("+447700900123", sms_text(message))


def test_sms_is_sent_as_transactional(aws: None) -> None:
    client = boto3.client("sns", region_name=REGION)
    seen: list[dict] = []
    client.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: seen.append(params)
    )
    message = hit_message()
    SnsSmsChannel(client).send(delivery_for(message, ChannelKind.SMS), message, recipient())
    assert seen[0]["MessageAttributes"]["AWS.SNS.SMS.SMSType"] == {
        "DataType": "String",
        "StringValue": "Transactional",
    }


def test_sns_refusing_the_number_is_not_retryable(aws: None) -> None:
    # moto answers InvalidParameter for a number SNS rejects, as SNS does.
    channel = SnsSmsChannel(boto3.client("sns", region_name=REGION))
    message = hit_message()
    r = recipient().model_copy(update={"phone": "+1"})  # bypasses validation on purpose
    outcome = channel.send(delivery_for(message, ChannelKind.SMS), message, r)
    assert not outcome.ok and not outcome.retryable
    assert outcome.error.startswith("InvalidParameter")
    assert _recorded() == {}


def test_sns_throttling_is_retryable() -> None:
    client = boto3.client(
        "sns", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        message = hit_message()
        outcome = SnsSmsChannel(client).send(
            delivery_for(message, ChannelKind.SMS), message, recipient()
        )
    assert not outcome.ok and outcome.retryable
    assert outcome.error.startswith("Throttling")


def test_recipient_without_phone_is_not_retryable_and_sends_nothing(aws: None) -> None:
    channel = SnsSmsChannel(boto3.client("sns", region_name=REGION))
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.SMS), message, recipient(phone=None))
    assert not outcome.retryable and "no sms address" in outcome.error
    assert _recorded() == {}


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto as a real HTTP endpoint, named by AWS_ENDPOINT_URL, with fake credentials."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": url,
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield url
    finally:
        server.stop()
        _recorded().clear()


def test_lazily_built_client_honours_aws_endpoint_url(moto_server: str) -> None:
    channel = SnsSmsChannel()  # no client: built on first send, from the environment
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.SMS), message, recipient())
    assert outcome.ok
    assert _recorded()[outcome.provider_message_id][0] == "+447700900123"


def test_unreachable_endpoint_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    channel = SnsSmsChannel(
        region_name=REGION, endpoint_url=f"http://127.0.0.1:{free_port()}"
    )  # constructing it connects to nothing
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.SMS), message, recipient())
    assert not outcome.ok and outcome.retryable
    assert "EndpointConnectionError" in outcome.error
