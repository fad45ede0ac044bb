"""The fallback rule (pure): the node alerts a hit itself only while the cloud is away too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_node.alerts.decide import decide

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def _decide(**changes: Any):
    fields: dict[str, Any] = {
        "now": NOW,
        "enrolled": True,
        "last_success_at": NOW - timedelta(seconds=300),
        "enrolled_at": NOW - timedelta(days=3),
        "fallback_after_s": 120,
        "priority": 5,
        "min_priority": 0,
        "hit_at": NOW - timedelta(seconds=1),
        "max_age_s": 86_400,
    }
    return decide(**{**fields, **changes})


def test_sends_when_the_cloud_has_been_unreachable_longer_than_the_setting():
    decision = _decide()
    assert decision.send and "300s" in decision.reason


def test_does_not_send_while_the_cloud_was_reached_recently_and_says_when_to_look_again():
    last = NOW - timedelta(seconds=30)
    decision = _decide(last_success_at=last)
    assert not decision.send
    assert decision.recheck_at == last + timedelta(seconds=120)


def test_an_outage_exactly_as_long_as_the_setting_is_not_yet_enough():
    assert not _decide(last_success_at=NOW - timedelta(seconds=120)).send
    assert _decide(last_success_at=NOW - timedelta(seconds=120.5)).send


def test_a_stand_alone_node_never_sends():
    assert not _decide(enrolled=False).send


def test_a_hit_the_cloud_already_holds_is_left_to_the_cloud():
    assert not _decide(cloud_has_hit=True).send


@pytest.mark.parametrize(("priority", "send"), [(2, False), (3, True), (9, True)])
def test_only_entries_at_or_above_the_minimum_priority(priority: int, send: bool):
    assert _decide(priority=priority, min_priority=3).send is send


def test_before_the_first_exchange_the_outage_counts_from_enrolment():
    assert not _decide(last_success_at=None, enrolled_at=NOW - timedelta(seconds=60)).send
    assert _decide(last_success_at=None, enrolled_at=NOW - timedelta(seconds=600)).send
    assert _decide(last_success_at=None, enrolled_at=None).send


def test_a_hit_older_than_the_maximum_age_is_left_to_the_cloud():
    assert not _decide(hit_at=NOW - timedelta(days=2)).send


def test_a_last_success_in_the_future_clock_stepped_back_does_not_send():
    assert not _decide(last_success_at=NOW + timedelta(seconds=600)).send
