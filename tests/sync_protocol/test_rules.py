"""Pure sync rules: ack marks, next batch, hotlist conflicts, snapshots, backoff."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp
from sync_protocol.rules import (
    SeqGap,
    SeqRange,
    backoff_delays,
    batch_after_ack,
    clamp_made_at,
    contiguous_high_water,
    merge_entries,
    needs_snapshot,
    next_acked_mark,
    op_wins,
)

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def test_high_water_stops_at_the_first_gap() -> None:
    assert contiguous_high_water([1, 2, 3, 5], start=1) == 3
    assert contiguous_high_water([(1, 10), (12, 20)], start=1) == 10
    assert contiguous_high_water([(5, 9), 2, 3, 4, 1], start=1) == 9
    assert contiguous_high_water([2, 3], start=1) == 0
    assert contiguous_high_water([], start=7) == 6


@given(st.sets(st.integers(min_value=1, max_value=60)))
def test_high_water_matches_brute_force(held: set[int]) -> None:
    expected = 0
    while expected + 1 in held:
        expected += 1
    assert contiguous_high_water(held, start=1) == expected


def test_acked_mark_only_moves_forward_within_an_epoch() -> None:
    assert next_acked_mark(current=10, reply_ack=15, known_epoch="e1", reply_epoch="e1") == 15
    # A stale reply cannot rewind the mark.
    assert next_acked_mark(current=10, reply_ack=4, known_epoch="e1", reply_epoch="e1") == 10


def test_acked_mark_follows_the_cloud_after_a_restore() -> None:
    # The cloud was restored from an older backup: its lower mark wins.
    assert next_acked_mark(current=10, reply_ack=4, known_epoch="e1", reply_epoch="e2") == 4
    assert next_acked_mark(current=10, reply_ack=None, known_epoch="e1", reply_epoch="e2") == 0


def test_batch_after_ack_sends_the_next_contiguous_range() -> None:
    assert batch_after_ack(acked=10, oldest_held=1, newest=100, max_count=20) == SeqRange(11, 30)
    assert batch_after_ack(acked=95, oldest_held=1, newest=100, max_count=20) == SeqRange(96, 100)
    assert batch_after_ack(acked=100, oldest_held=1, newest=100, max_count=20) is None
    assert SeqRange(11, 30).count == 20


def test_batch_after_ack_reports_a_gap_instead_of_hiding_it() -> None:
    with pytest.raises(SeqGap, match="cloud holds up to seq 3 but node holds only from 50"):
        batch_after_ack(acked=3, oldest_held=50, newest=100, max_count=20)


def _entry(made_at: datetime, op_id: uuid.UUID, *, deleted: bool = False) -> HotlistEntry:
    return HotlistEntry(
        list="stolen",
        plate_norm="AB12CDE",
        plate="AB12CDE",
        updated_by="x",
        updated_at=made_at,
        op_id=op_id,
        deleted=deleted,
        version=1,
    )


def test_later_write_wins_and_ties_break_on_op_id() -> None:
    low, high = sorted([uuid.uuid4(), uuid.uuid4()], key=str)
    early, late = _entry(NOW, high), _entry(NOW + timedelta(seconds=1), low)
    assert merge_entries(early, late) is late
    tie_a, tie_b = _entry(NOW, low), _entry(NOW, high, deleted=True)
    assert merge_entries(tie_a, tie_b) is tie_b
    assert merge_entries(tie_b, tie_a) is tie_b


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=6))
def test_concurrent_edits_end_the_same_in_any_order(edits: list[tuple[int, bool]]) -> None:
    # Given edits of one entry, some at the same instant, some deletions
    entries = [_entry(NOW + timedelta(seconds=s), uuid.uuid4(), deleted=d) for s, d in edits]
    # When every side merges them in a different order
    outcomes = {
        reduce(merge_entries, order)
        for order in itertools.islice(itertools.permutations(entries), 50)
    }
    # Then all sides end the same
    assert len(outcomes) == 1


def test_op_wins_against_an_older_entry_only() -> None:
    entry = _entry(NOW, uuid.uuid4())
    op = HotlistOp(
        op_id=uuid.uuid4(),
        action="delete",
        list="stolen",
        plate_norm="AB12CDE",
        made_at=NOW - timedelta(seconds=1),
        made_by="guard",
    )
    assert op_wins(None, op)
    assert not op_wins(entry, op)
    assert op_wins(entry, op.model_copy(update={"made_at": NOW + timedelta(seconds=1)}))


def test_made_at_from_the_future_is_clamped() -> None:
    assert clamp_made_at(NOW + timedelta(hours=1), NOW) == NOW
    assert clamp_made_at(NOW - timedelta(hours=1), NOW) == NOW - timedelta(hours=1)


def test_needs_snapshot_when_changes_were_pruned_or_the_node_is_ahead() -> None:
    assert not needs_snapshot(node_version=9, oldest_retained_version=10)
    assert needs_snapshot(node_version=8, oldest_retained_version=10)
    assert needs_snapshot(node_version=0, oldest_retained_version=2)
    assert not needs_snapshot(node_version=0, oldest_retained_version=1)
    assert needs_snapshot(node_version=50, oldest_retained_version=1, current_version=40)


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    delays = list(backoff_delays(1.0, 30.0, random.Random(1), attempts=10))
    assert len(delays) == 10
    for n, delay in enumerate(delays):
        assert 0 <= delay <= min(30.0, 2**n)
    assert delays == list(backoff_delays(1.0, 30.0, random.Random(1), attempts=10))


def test_backoff_is_endless_and_survives_long_outages() -> None:
    delays = list(itertools.islice(backoff_delays(0.5, 60.0, random.Random(2)), 2000))
    assert max(delays) <= 60.0


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="0 < base <= cap"):
        next(backoff_delays(0, 1, random.Random()))
