"""Contract of ``RateLimitStore``: bucket TATs read, compare-and-set all or nothing, pruned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cloud_plane.store.base import CloudStore
from cloud_plane.store.rate_roles import SWAP_LIMIT
from tests.cloud_plane.store.contracts.builders import NOW
from tests.threads import run_together

ROLE = "rate_limits"

# A TAT with microseconds: what the limiter's arithmetic makes (60 s / 7 is not whole).
TAT = NOW + timedelta(seconds=60 / 7)
LATER = TAT + timedelta(seconds=60 / 7)


def test_buckets_never_set_read_as_absent(store: CloudStore) -> None:
    assert store.rate_limits.read(["channel:sms", "recipient:sms:r1"]) == {}
    assert store.rate_limits.read([]) == {}


def test_a_swap_expecting_absent_buckets_creates_them_exactly(store: CloudStore) -> None:
    new = {"channel:sms": TAT, "recipient:sms:r1": LATER}
    assert store.rate_limits.swap({"channel:sms": None, "recipient:sms:r1": None}, new)
    assert store.rate_limits.read(["channel:sms", "recipient:sms:r1", "recipient:sms:r2"]) == new


def test_a_swap_moves_a_bucket_from_the_tat_it_was_read_at(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": TAT})
    [(_, read)] = store.rate_limits.read(["recipient:sms:r1"]).items()
    assert store.rate_limits.swap({"recipient:sms:r1": read}, {"recipient:sms:r1": LATER})
    assert store.rate_limits.read(["recipient:sms:r1"]) == {"recipient:sms:r1": LATER}


def test_a_swap_from_a_stale_tat_changes_nothing(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": TAT})
    stale = TAT - timedelta(microseconds=1)
    assert not store.rate_limits.swap({"recipient:sms:r1": stale}, {"recipient:sms:r1": LATER})
    assert store.rate_limits.read(["recipient:sms:r1"]) == {"recipient:sms:r1": TAT}


def test_a_swap_expecting_absence_fails_on_an_existing_bucket(store: CloudStore) -> None:
    store.rate_limits.swap({"channel:sms": None}, {"channel:sms": TAT})
    assert not store.rate_limits.swap({"channel:sms": None}, {"channel:sms": LATER})
    assert store.rate_limits.read(["channel:sms"]) == {"channel:sms": TAT}


def test_a_swap_with_one_stale_bucket_writes_none_of_them(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": TAT})
    expected = {"channel:sms": None, "recipient:sms:r1": NOW, "recipient:sms:r2": None}
    new = {"channel:sms": LATER, "recipient:sms:r1": LATER, "recipient:sms:r2": LATER}
    assert not store.rate_limits.swap(expected, new)
    assert store.rate_limits.read(list(new)) == {"recipient:sms:r1": TAT}


def test_a_swap_takes_up_to_the_limit_of_buckets_at_once(store: CloudStore) -> None:
    names = [f"recipient:sms:r{i}" for i in range(SWAP_LIMIT)]
    assert store.rate_limits.swap(dict.fromkeys(names), dict.fromkeys(names, TAT))
    assert store.rate_limits.read(names) == dict.fromkeys(names, TAT)


def test_a_swap_beyond_the_limit_or_naming_other_buckets_is_refused(store: CloudStore) -> None:
    names = [f"recipient:sms:r{i}" for i in range(SWAP_LIMIT + 1)]
    with pytest.raises(ValueError, match=r"1\.\.100 buckets"):
        store.rate_limits.swap(dict.fromkeys(names), dict.fromkeys(names, TAT))
    with pytest.raises(ValueError, match="same buckets"):
        store.rate_limits.swap({"channel:sms": None}, {"channel:email": TAT})
    assert store.rate_limits.read(names) == {}


def test_of_concurrent_swaps_from_one_tat_exactly_one_wins(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": TAT})
    mine = {"recipient:sms:r1": TAT}

    def swap(i: int) -> bool:
        return store.rate_limits.swap(mine, {"recipient:sms:r1": LATER + timedelta(seconds=i)})

    results = run_together([lambda i=i: swap(i) for i in range(6)])
    assert sorted(results) == [False] * 5 + [True]
    [(_, tat)] = store.rate_limits.read(["recipient:sms:r1"]).items()
    assert LATER <= tat < LATER + timedelta(seconds=6)


def test_of_concurrent_creators_of_one_bucket_exactly_one_wins(store: CloudStore) -> None:
    def swap(i: int) -> bool:
        return store.rate_limits.swap(
            {"channel:sms": None, f"recipient:sms:r{i}": None},
            {"channel:sms": TAT + timedelta(seconds=i), f"recipient:sms:r{i}": TAT},
        )

    results = run_together([lambda i=i: swap(i) for i in range(6)])
    assert sorted(results) == [False] * 5 + [True]
    got = store.rate_limits.read([f"recipient:sms:r{i}" for i in range(6)])
    assert len(got) == 1  # the losers' other bucket was not created either


def test_concurrent_swaps_of_different_buckets_all_win(store: CloudStore) -> None:
    def swap(i: int) -> bool:
        return store.rate_limits.swap({f"recipient:sms:r{i}": None}, {f"recipient:sms:r{i}": TAT})

    assert run_together([lambda i=i: swap(i) for i in range(6)]) == [True] * 6


def test_prune_forgets_only_refilled_buckets(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:old": None}, {"recipient:sms:old": TAT})
    store.rate_limits.swap({"recipient:sms:new": None}, {"recipient:sms:new": LATER})
    pruned = store.rate_limits.prune(TAT)
    after = store.rate_limits.read(["recipient:sms:old", "recipient:sms:new"])
    assert after["recipient:sms:new"] == LATER
    # Forgotten here, or left to the backend's own expiry (a TTL): a refilled bucket either way.
    assert pruned == (0 if "recipient:sms:old" in after else 1)
    assert after.get("recipient:sms:old", TAT) <= TAT


def test_a_pruned_bucket_can_be_created_again(store: CloudStore) -> None:
    store.rate_limits.swap({"recipient:sms:r1": None}, {"recipient:sms:r1": TAT})
    store.rate_limits.prune(LATER)
    current: datetime | None = store.rate_limits.read(["recipient:sms:r1"]).get("recipient:sms:r1")
    assert store.rate_limits.swap({"recipient:sms:r1": current}, {"recipient:sms:r1": LATER})
    assert store.rate_limits.read(["recipient:sms:r1"]) == {"recipient:sms:r1": LATER}
