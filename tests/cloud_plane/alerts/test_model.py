"""The alert data: what is validated before anything is rendered or sent."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError

from cloud_plane.alerts.model import (
    AlertKind,
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    Recipient,
)
from tests.cloud_plane.alerts.conftest import OCCURRED, hit_message, recipient


def test_occurred_at_is_normalised_to_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    message = hit_message(occurred_at=OCCURRED.astimezone(paris))
    assert message.occurred_at.tzinfo is dt.UTC
    assert message.occurred_at == OCCURRED


def test_naive_occurred_at_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        hit_message(occurred_at=dt.datetime(2026, 7, 1, 7, 1))


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        hit_message(site_timezone="Europe/Atlantis")


def test_hit_without_plate_is_rejected() -> None:
    with pytest.raises(ValidationError, match="plate"):
        hit_message(plate=None)


def test_health_alert_needs_no_plate_or_camera() -> None:
    message = hit_message(kind=AlertKind.SITE_OFFLINE, plate=None, list_name=None, camera_name=None)
    assert message.kind is AlertKind.SITE_OFFLINE


def test_link_must_be_http() -> None:
    with pytest.raises(ValidationError, match="http"):
        hit_message(link_url="javascript:alert(1)")


def test_phone_must_be_e164() -> None:
    with pytest.raises(ValidationError, match=r"E\.164"):
        recipient(phone="07700 900123")


def test_webhook_url_requires_a_secret() -> None:
    with pytest.raises(ValidationError, match="go together"):
        recipient(webhook_url="https://hooks.example.com/x")


def test_webhook_secret_is_not_in_repr() -> None:
    r = recipient(webhook_url="https://hooks.example.com/x", webhook_secret="x" * 20)
    assert "x" * 20 not in repr(r)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (ChannelKind.SMS, "+447700900123"),
        (ChannelKind.EMAIL, "duty@example.com"),
        (ChannelKind.WEBHOOK, None),
        (ChannelKind.FILE, "r-1"),
    ],
)
def test_recipient_address_per_channel(channel: ChannelKind, expected: str | None) -> None:
    assert recipient().address(channel) == expected


def test_delivery_key_is_the_same_for_every_attempt() -> None:
    alert_id = uuid.uuid4()
    first = Delivery(alert_id=alert_id, recipient_id="r", channel=ChannelKind.SMS, attempt=1)
    third = first.model_copy(update={"attempt": 3})
    assert first.key == third.key == f"{alert_id}:r:sms"


def test_successful_outcome_cannot_be_retryable() -> None:
    with pytest.raises(ValidationError):
        DeliveryOutcome(ok=True, retryable=True)


def test_failed_outcome_must_say_why() -> None:
    with pytest.raises(ValidationError):
        DeliveryOutcome(ok=False)


def test_recipient_reachable_by_no_channel_is_allowed() -> None:
    assert Recipient(id="r", name="Nobody").address(ChannelKind.SMS) is None
