"""The hotlist use case checks an op before the store sees it (list name, normalised plate)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from cloud_plane.hotlist.service import apply_op
from cloud_plane.store.base import CloudStore
from sync_protocol.hotlist_messages import HotlistOp

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class UntouchableHotlist:
    """A hotlist store that fails any call: a rejected op must never reach the store."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was called ({name}) for an invalid op")


def op(*, list_name: str = "stolen", plate: str = "AB12CDE") -> HotlistOp:
    return HotlistOp(
        op_id=uuid.uuid4(),
        action="upsert",
        list_name=list_name,
        plate_norm=plate,
        made_at=NOW,
        made_by="t",
    )


def test_invalid_hotlist_ops_are_rejected_and_remembered(store: CloudStore) -> None:
    bad = op(plate="ab 12")
    result = apply_op(store.hotlist, bad, "s", received_at=NOW)
    assert result.status == "rejected" and store.hotlist.current_version() == 0
    assert apply_op(store.hotlist, bad, "s", received_at=NOW) == result


@pytest.mark.parametrize(
    ("list_name", "plate", "reason"),
    [
        ("Stolen!", "AB12CDE", "list name 'Stolen!' must match ^[a-z][a-z0-9_-]{0,31}$"),
        ("stolen", "ab 12", "plate_norm 'ab 12' is not normalised (expected 'AB12')"),
        ("stolen", "*", "plate '*' has no letters or digits"),
    ],
)
def test_an_invalid_op_is_rejected_with_its_reason_without_calling_the_store(
    list_name: str, plate: str, reason: str
) -> None:
    result = apply_op(
        UntouchableHotlist(), op(list_name=list_name, plate=plate), "s", received_at=NOW
    )
    assert (result.status, result.reason, result.version) == ("rejected", reason, None)


def test_a_valid_op_is_applied_by_the_store(store: CloudStore) -> None:
    result = apply_op(store.hotlist, op(), "s", received_at=NOW)
    assert (result.status, result.version) == ("applied", 1)
