"""HitRecord carries every match kind the matcher produces, and optionally the image digest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sync_protocol.messages import HitRecord
from sync_protocol.plate_rules import KIND_RANK


def _hit(**changes: object) -> HitRecord:
    fields = {
        "detection_id": uuid.uuid4(),
        "seq": 1,
        "list": "stolen",
        "plate_norm": "AB12CDE",
        "match_kind": "exact",
        "hotlist_version": 3,
        "plate": "AB12 CDE",
        "camera_id": "gate-1",
        "captured_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return HitRecord.model_validate({**fields, **changes})


@pytest.mark.parametrize("kind", sorted(KIND_RANK))
def test_every_match_kind_of_the_matcher_is_accepted(kind: str) -> None:
    hit = _hit(match_kind=kind)
    assert HitRecord.model_validate_json(hit.model_dump_json(by_alias=True)) == hit


def test_image_digest_is_optional_and_checked() -> None:
    assert _hit().image_sha256 is None
    assert _hit(image_sha256="a" * 64).image_sha256 == "a" * 64
    with pytest.raises(ValidationError):
        _hit(image_sha256="not-hex")
    with pytest.raises(ValidationError):
        _hit(match_kind="phonetic")


def test_local_deliveries_default_to_empty_and_round_trip() -> None:
    from sync_protocol.messages import LocalDelivery

    assert _hit().delivered_locally == []
    delivered = LocalDelivery(
        channel="smtp",
        recipient="duty@example.com",
        delivered_at=datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
        provider_message_id="<1.2@example.com>",
    )
    hit = _hit(
        delivered_locally=[
            delivered.model_dump(),
            {
                "channel": "webhook",
                "recipient": "webhook https://hooks.example.com #0123456789ab",
                "delivered_at": "2026-01-01T09:31:00Z",
            },
        ]
    )
    assert HitRecord.model_validate_json(hit.model_dump_json(by_alias=True)) == hit
    assert hit.delivered_locally[0] == delivered
    assert hit.delivered_locally[1].provider_message_id is None


def test_an_older_node_without_the_field_still_validates() -> None:
    payload = _hit().model_dump(mode="json", by_alias=True)
    del payload["delivered_locally"]
    assert HitRecord.model_validate(payload).delivered_locally == []


@pytest.mark.parametrize(
    "bad",
    [
        {"channel": "sms", "recipient": "x", "delivered_at": "2026-01-01T09:30:00Z"},
        {"channel": "smtp", "recipient": "", "delivered_at": "2026-01-01T09:30:00Z"},
        {"channel": "smtp", "recipient": "a" * 255, "delivered_at": "2026-01-01T09:30:00Z"},
        {"channel": "smtp", "recipient": "a@b.c", "delivered_at": "2026-01-01T09:30:00"},
        {"channel": "smtp", "recipient": "a@b.c", "delivered_at": "2026-01-01T09:30:00Z", "x": 1},
    ],
    ids=["unknown-channel", "empty-recipient", "long-recipient", "naive-time", "unknown-field"],
)
def test_local_deliveries_are_checked(bad: dict) -> None:
    with pytest.raises(ValidationError):
        _hit(delivered_locally=[bad])


def test_local_deliveries_are_bounded_and_documented_for_the_cloud() -> None:
    from sync_protocol.messages import MAX_LOCAL_DELIVERIES

    one = {"channel": "smtp", "recipient": "a@b.c", "delivered_at": "2026-01-01T09:30:00Z"}
    with pytest.raises(ValidationError):
        _hit(delivered_locally=[one] * (MAX_LOCAL_DELIVERIES + 1))
    description = HitRecord.model_fields["delivered_locally"].description or ""
    assert "the cloud records these as delivered and does not send them again" in description
    delivered_at = _hit(delivered_locally=[{**one, "delivered_at": "2026-01-01T10:30:00+01:00"}])
    assert delivered_at.delivered_locally[0].delivered_at == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
