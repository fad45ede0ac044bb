"""Signed webhooks to a real local HTTP server: signature, headers, status → retryable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import httpx

from cloud_plane.alerts.channels.webhook import WebhookChannel, verify_webhook_signature
from cloud_plane.alerts.model import ChannelKind, DeliveryOutcome
from cloud_plane.alerts.render import webhook_body
from tests.cloud_plane.alerts.conftest import (
    WEBHOOK_SECRET,
    WebhookServer,
    delivery_for,
    hit_message,
    recipient,
)
from tests.conftest import free_port

Clock = Callable[[], dt.datetime]


def _send(url: str, now: Clock, *, timeout: float = 5.0, attempt: int = 1) -> DeliveryOutcome:
    message = hit_message()
    channel = WebhookChannel(timeout=timeout, now=now)
    try:
        return channel.send(
            delivery_for(message, ChannelKind.WEBHOOK, attempt=attempt),
            message,
            recipient(webhook_url=url, webhook_secret=WEBHOOK_SECRET),
        )
    finally:
        channel.close()


def test_receiver_verifies_the_signature_with_the_helper(
    webhook: WebhookServer, fixed_now: Clock
) -> None:
    outcome = _send(webhook.url(200), fixed_now)
    assert outcome.ok
    [request] = webhook.received
    assert verify_webhook_signature(
        WEBHOOK_SECRET,
        request.headers["x-edgesync-timestamp"],
        request.body,
        request.headers["x-edgesync-signature"],
        now=fixed_now(),
    )


def test_timestamp_header_is_the_send_time_in_unix_seconds(
    webhook: WebhookServer, fixed_now: Clock
) -> None:
    _send(webhook.url(200), fixed_now)
    assert webhook.received[0].headers["x-edgesync-timestamp"] == str(int(fixed_now().timestamp()))


def test_body_is_the_rendered_json_payload(webhook: WebhookServer, fixed_now: Clock) -> None:
    _send(webhook.url(200), fixed_now, attempt=2)
    [request] = webhook.received
    message = hit_message()
    assert request.body == webhook_body(message, delivery_for(message, ChannelKind.WEBHOOK, 2))
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body)["delivery"]["attempt"] == 2


def test_delivery_header_is_stable_across_attempts(
    webhook: WebhookServer, fixed_now: Clock
) -> None:
    _send(webhook.url(200), fixed_now, attempt=1)
    _send(webhook.url(200), fixed_now, attempt=2)
    first, second = (r.headers["x-edgesync-delivery"] for r in webhook.received)
    assert first == second == f"{hit_message().alert_id}:r-1:webhook"


def test_a_wrong_secret_does_not_verify(webhook: WebhookServer, fixed_now: Clock) -> None:
    _send(webhook.url(200), fixed_now)
    [request] = webhook.received
    assert not verify_webhook_signature(
        "some-other-secret-value",
        request.headers["x-edgesync-timestamp"],
        request.body,
        request.headers["x-edgesync-signature"],
        now=fixed_now(),
    )


def test_server_error_500_is_retryable(webhook: WebhookServer, fixed_now: Clock) -> None:
    outcome = _send(webhook.url(500), fixed_now)
    assert not outcome.ok and outcome.retryable
    assert outcome.error.startswith("webhook HTTP 500")


def test_bad_request_400_is_not_retryable(webhook: WebhookServer, fixed_now: Clock) -> None:
    outcome = _send(webhook.url(400), fixed_now)
    assert not outcome.ok and not outcome.retryable


def test_too_many_requests_429_is_retryable_after_the_servers_delay(
    webhook: WebhookServer, fixed_now: Clock
) -> None:
    outcome = _send(webhook.url(429), fixed_now)
    assert outcome.retryable
    assert outcome.retry_after_s == 30


def test_request_timeout_408_is_retryable(webhook: WebhookServer, fixed_now: Clock) -> None:
    assert _send(webhook.url(408), fixed_now).retryable


def test_redirect_is_not_followed_and_not_retryable(
    webhook: WebhookServer, fixed_now: Clock
) -> None:
    outcome = _send(webhook.url(302), fixed_now)
    assert not outcome.ok and not outcome.retryable


def test_slow_receiver_times_out_retryably(webhook: WebhookServer, fixed_now: Clock) -> None:
    outcome = _send(f"{webhook.base}/slow", fixed_now, timeout=0.2)
    assert not outcome.ok and outcome.retryable
    assert "timeout" in outcome.error


def test_refused_connection_is_retryable(fixed_now: Clock) -> None:
    outcome = _send(f"http://127.0.0.1:{free_port()}/hook", fixed_now)
    assert not outcome.ok and outcome.retryable


def test_injected_client_is_used(fixed_now: Clock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204, headers={"X-Request-Id": "rcv-42"})

    message = hit_message()
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        outcome = WebhookChannel(client, now=fixed_now).send(
            delivery_for(message, ChannelKind.WEBHOOK),
            message,
            recipient(webhook_url="https://hooks.example.com/a", webhook_secret=WEBHOOK_SECRET),
        )
    assert outcome == DeliveryOutcome.sent("rcv-42")
    assert seen[0].url == "https://hooks.example.com/a"


def test_recipient_without_webhook_is_not_retryable(fixed_now: Clock) -> None:
    message = hit_message()
    outcome = WebhookChannel(now=fixed_now).send(
        delivery_for(message, ChannelKind.WEBHOOK), message, recipient()
    )
    assert not outcome.ok and not outcome.retryable
