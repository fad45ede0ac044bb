"""The historical-hit alert is in the feed, but sent only to subscriptions that name its kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cloud_plane.alerts.rules import subscription_matches
from cloud_plane.records.alerts import AlertQuery, StoredAlert
from cloud_plane.records.recipients import Subscription
from tests.cloud_plane.alerts.test_hit_alerts import lines
from tests.cloud_plane.conftest import RunningCloud


def subscribe(cloud: RunningCloud, kinds: list[str]) -> None:
    admin = cloud.staff("admin")
    r = admin.put("/api/v1/recipients/duty", json={"name": "Duty", "phone": "+447700900123"})
    assert r.status_code == 200, r.text
    r = admin.put(
        "/api/v1/recipients/duty/subscriptions/s1", json={"channels": ["sms"], "kinds": kinds}
    )
    assert r.status_code == 200, r.text


def add_entry_with_past_reads(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 2, plate="AB12CDE"))
    cloud.clock.advance(days=3)
    put = cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 90})
    assert put.status_code == 200, put.text
    cloud.services.retro.run_once()
    cloud.services.alerting.dispatcher.drain()


def test_a_subscription_to_every_kind_gets_no_sms_for_historical_hits(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False, hotlist_lookback_interval_s=3600)
    subscribe(cloud, kinds=[])
    add_entry_with_past_reads(cloud)
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert alert.kind == "historical_hit"
    assert lines(cloud) == []


def test_a_subscription_naming_historical_hits_gets_the_sms(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False, hotlist_lookback_interval_s=3600)
    subscribe(cloud, kinds=["historical_hit"])
    add_entry_with_past_reads(cloud)
    [sent] = lines(cloud)
    assert sent["delivery"]["channel"] == "sms"
    assert "2 past reads at 1 site" in sent["sms"]


def test_the_alerts_api_lists_historical_hits_by_kind(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False, hotlist_lookback_interval_s=3600)
    add_entry_with_past_reads(cloud)
    r = cloud.staff("admin").get("/api/v1/alerts?kind=historical_hit")
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    reason = "2 past reads at 1 site in the last 30 days"
    assert (item["plate"], item["reason"]) == ("AB12CDE", reason)


def _alert(kind: str) -> StoredAlert:
    at = datetime(2026, 7, 1, tzinfo=UTC)
    return StoredAlert(
        alert_id="a1", kind=kind, priority=50, site_id="s", status="open", first_seen=at,
        last_seen=at, count=1, created_at=at, list_name="stolen", plate="AB12CDE",
    )  # fmt: skip


def test_every_kind_means_every_kind_but_historical_hits() -> None:
    every = Subscription("s1", "r1", ("sms",), datetime(2026, 7, 1, tzinfo=UTC))
    assert subscription_matches(every, _alert("hit"))
    assert not subscription_matches(every, _alert("historical_hit"))


def test_a_list_filter_applies_to_historical_hits() -> None:
    sub = Subscription(
        "s1", "r1", ("sms",), datetime(2026, 7, 1, tzinfo=UTC),
        lists=frozenset({"wanted"}), kinds=frozenset({"historical_hit"}),
    )  # fmt: skip
    assert not subscription_matches(sub, _alert("historical_hit"))
