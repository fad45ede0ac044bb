"""HitRecord carries every match kind the matcher produces, and optionally the image digest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sync_protocol.messages import HitRecord
from sync_protocol.plates import KIND_RANK


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
