"""Pure alert rules: grouping (property tests), subscriptions, quiet hours, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_plane.alerts import rules
from cloud_plane.records.alerts import StoredAlert
from cloud_plane.records.recipients import Subscription

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)

plates = st.sampled_from(["AB12CDE", "AB12CDF", "XY99ZZZ"])
sites = st.sampled_from(["site-a", "site-b"])
reads = st.lists(
    st.tuples(st.integers(0, 30), sites, plates, st.integers(0, 3600)), max_size=60
).map(
    lambda items: [
        rules.Read(
            dedup_key=f"d{det}",
            group_key=rules.hit_group_key(site, "stolen", plate),
            occurred_at=T0 + timedelta(seconds=offset),
        )
        for det, site, plate, offset in items
    ]
)


@settings(max_examples=300, deadline=None)
@given(reads)
def test_every_distinct_read_is_counted_in_exactly_one_alert(items: list[rules.Read]) -> None:
    groups = rules.group_reads(items, WINDOW)
    counted = [r.dedup_key for g in groups for r in g.reads]
    assert sorted(counted) == sorted({r.dedup_key for r in items})


@settings(max_examples=300, deadline=None)
@given(reads)
def test_a_group_never_mixes_plates_or_sites(items: list[rules.Read]) -> None:
    for group in rules.group_reads(items, WINDOW):
        assert {r.group_key for r in group.reads} == {group.group_key}


@settings(max_examples=300, deadline=None)
@given(reads)
def test_every_read_of_a_group_is_within_the_window_of_its_first(items: list[rules.Read]) -> None:
    for group in rules.group_reads(items, WINDOW):
        assert all(abs(r.occurred_at - group.first_seen) < WINDOW for r in group.reads)


@settings(max_examples=200, deadline=None)
@given(reads)
def test_duplicates_change_nothing(items: list[rules.Read]) -> None:
    once = rules.group_reads(items, WINDOW)
    twice = rules.group_reads(items + items, WINDOW)
    assert [(g.group_key, g.count) for g in once] == [(g.group_key, g.count) for g in twice]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 599), min_size=1, max_size=40))
def test_a_burst_within_the_window_is_one_alert(offsets: list[int]) -> None:
    burst = [
        rules.Read(f"d{i}", "g", T0 + timedelta(seconds=s)) for i, s in enumerate(sorted(offsets))
    ]
    [group] = rules.group_reads(burst, WINDOW)
    assert group.count == len(offsets)


# --- who is told -------------------------------------------------------------------------------


def alert(**kw) -> StoredAlert:
    fields = {
        "alert_id": "a1",
        "kind": "hit",
        "priority": 90,
        "site_id": "site-a",
        "status": "open",
        "first_seen": T0,
        "last_seen": T0,
        "count": 1,
        "created_at": T0,
        "list_name": "stolen",
    }
    fields.update(kw)
    return StoredAlert(**fields)


def sub(sid: str = "s1", rid: str = "r1", **kw) -> Subscription:
    fields = {"subscription_id": sid, "recipient_id": rid, "channels": ("sms",), "created_at": T0}
    fields.update(kw)
    return Subscription(**fields)


def test_subscriptions_match_by_site_list_priority_and_kind() -> None:
    hit = alert()
    assert rules.subscription_matches(sub(), hit)
    assert not rules.subscription_matches(sub(site_id="site-b"), hit)
    assert not rules.subscription_matches(sub(lists=frozenset({"watch"})), hit)
    assert rules.subscription_matches(sub(lists=frozenset({"stolen", "watch"})), hit)
    assert not rules.subscription_matches(sub(min_priority=95), hit)
    assert not rules.subscription_matches(sub(kinds=frozenset({"site_offline"})), hit)
    health = alert(kind="site_offline", list_name=None, priority=60)
    assert rules.subscription_matches(sub(lists=frozenset({"stolen"})), health)


def test_one_delivery_per_recipient_and_channel_at_the_asked_tier() -> None:
    subs = [
        sub("s1", "r1", channels=("sms", "email")),
        sub("s2", "r1", channels=("sms",), site_id="site-a"),
        sub("s3", "r2", channels=("email",), tier=1),
        sub("s4", "r3", channels=("webhook",)),
    ]
    targets = rules.targets_for(alert(), subs, tier=0, now=T0, channels={"sms", "email"})
    assert [(t.recipient_id, t.channel) for t in targets] == [("r1", "email"), ("r1", "sms")]
    tier1 = rules.targets_for(alert(), subs, tier=1, now=T0)
    assert [(t.recipient_id, t.channel, t.tier) for t in tier1] == [("r2", "email", 1)]


def test_quiet_hours_hold_low_priority_alerts_until_they_end() -> None:
    quiet = sub(quiet_start="22:00", quiet_end="07:00", quiet_zone="Europe/London")
    night = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST
    ends = datetime(2026, 7, 2, 6, 0, tzinfo=UTC)  # 07:00 BST
    assert rules.quiet_until(quiet, 40, night) == ends
    assert rules.quiet_until(quiet, 90, night) is None  # high priority goes through
    assert rules.quiet_until(quiet, 40, datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) is None
    evening = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 22:30 BST, before midnight
    assert rules.quiet_until(quiet, 40, evening) == ends
    [target] = rules.targets_for(alert(priority=40), [quiet], tier=0, now=night)
    assert target.not_before == ends


def test_escalation_only_for_high_priority_and_while_a_higher_tier_exists() -> None:
    policy = rules.EscalationPolicy(after=timedelta(minutes=5), min_priority=80)
    assert policy.first_due(90, T0) == T0 + timedelta(minutes=5)
    assert policy.first_due(50, T0) is None
    subs = [sub(tier=0), sub("s2", tier=1), sub("s3", tier=2, site_id="site-b")]
    assert policy.next_due(alert(), 1, subs, T0) is None  # tier 2 is for another site
    assert policy.next_due(alert(), 0, subs, T0) == T0 + timedelta(minutes=5)
