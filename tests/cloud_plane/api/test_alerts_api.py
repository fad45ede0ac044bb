"""Staff API for alerts (scoped reads, ack) and recipients/subscriptions (admin only)."""

from __future__ import annotations

from collections.abc import Callable

from cloud_plane.alerts.model import ChannelKind
from tests.cloud_plane.alerts.doubles import PERMANENT, ScriptedChannel
from tests.cloud_plane.conftest import RunningCloud

SECRET = "whsec-0123456789abcdef"


def test_recipients_are_admin_only_and_never_show_webhook_secrets(cloud: RunningCloud) -> None:
    admin = cloud.staff("admin")
    body = {
        "name": "Ops hook",
        "email": "ops@example.com",
        "webhook_url": "https://hooks.example.com/x",
        "webhook_secret": SECRET,
    }
    created = admin.put("/api/v1/recipients/ops", json=body)
    assert created.status_code == 200, created.text
    assert created.json()["has_webhook_secret"] is True and SECRET not in created.text
    renamed = admin.put(
        "/api/v1/recipients/ops", json={**body, "name": "Ops", "webhook_secret": None}
    )
    assert renamed.json()["has_webhook_secret"] is True  # kept
    listed = admin.get("/api/v1/recipients")
    assert [r["name"] for r in listed.json()] == ["Ops"] and SECRET not in listed.text
    assert cloud.store.recipients.get_recipient("ops").webhook_secret == SECRET
    assert (
        admin.put("/api/v1/recipients/bad", json={"name": "x", "phone": "0770"}).status_code == 422
    )
    manager = cloud.staff("manager")
    assert manager.get("/api/v1/recipients").status_code == 403
    assert manager.put("/api/v1/recipients/m", json={"name": "m"}).status_code == 403
    assert admin.delete("/api/v1/recipients/ops").status_code == 204
    assert admin.get("/api/v1/recipients/ops").status_code == 404


def test_subscriptions_are_managed_per_recipient(cloud: RunningCloud) -> None:
    admin = cloud.staff("admin")
    admin.put("/api/v1/recipients/duty", json={"name": "Duty", "phone": "+447700900123"})
    sub = {
        "channels": ["sms"],
        "lists": ["stolen"],
        "kinds": ["hit"],
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "quiet_zone": "Europe/London",
        "tier": 1,
    }
    put = admin.put("/api/v1/recipients/duty/subscriptions/nights", json=sub)
    assert put.status_code == 200, put.text
    assert put.json()["tier"] == 1 and put.json()["quiet_zone"] == "Europe/London"
    [listed] = admin.get("/api/v1/recipients/duty/subscriptions").json()
    assert listed["subscription_id"] == "nights"
    bad = admin.put("/api/v1/recipients/duty/subscriptions/x", json={**sub, "quiet_start": "25:99"})
    assert bad.status_code == 422
    assert (
        admin.put("/api/v1/recipients/duty/subscriptions/x", json={"channels": []}).status_code
        == 422
    )
    assert (
        admin.put(
            "/api/v1/recipients/ghost/subscriptions/x", json={"channels": ["sms"]}
        ).status_code
        == 404
    )
    assert admin.delete("/api/v1/recipients/duty/subscriptions/nights").status_code == 204
    assert admin.delete("/api/v1/recipients/duty/subscriptions/nights").status_code == 404


def test_alerts_show_deliveries_the_ledger_and_why_a_delivery_gave_up(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    refusing = ScriptedChannel(then=PERMANENT, name=ChannelKind.SMS)
    cloud.services.alerting.dispatcher.channels["sms"] = refusing
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 90, "reason": "taken"})
    admin.put("/api/v1/recipients/duty", json={"name": "Duty", "phone": "+447700900123"})
    admin.put(
        "/api/v1/recipients/duty/subscriptions/hits", json={"channels": ["sms"], "kinds": ["hit"]}
    )
    node = cloud.node("Depot")
    node.exchange()
    node.exchange(batch=node.records(1, 1))
    cloud.clock.advance(seconds=1)
    cloud.services.alerting.dispatcher.drain()

    page = admin.get("/api/v1/alerts", params={"kind": "hit"}).json()
    [hit] = page["items"]
    detail = admin.get(f"/api/v1/alerts/{hit['alert_id']}").json()
    [delivery] = detail["deliveries"]
    assert delivery["status"] == "gave_up"
    assert delivery["gave_up_reason"] == f"not retryable: {PERMANENT.error}"
    assert [(a["attempt"], a["outcome"]) for a in detail["attempts"]] == [(1, "failed")]
    [failed] = admin.get("/api/v1/alerts", params={"kind": "delivery_failed"}).json()["items"]
    assert hit["alert_id"] in failed["reason"] and PERMANENT.error in failed["reason"]
    newest_first = [a["kind"] for a in admin.get("/api/v1/alerts").json()["items"]]
    assert newest_first == ["delivery_failed", "hit"]


def test_ack_records_who_and_when_once_and_is_scoped(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 90})
    node = cloud.node("Depot")
    other = cloud.node("Elsewhere")
    node.exchange()
    node.exchange(batch=node.records(1, 1))
    [alert] = admin.get("/api/v1/alerts").json()["items"]
    assert alert["next_escalation_at"] is not None
    url = f"/api/v1/alerts/{alert['alert_id']}/ack"

    assert cloud.staff("manager", [other.site_id]).post(url).status_code == 404
    assert cloud.staff("viewer", [node.site_id]).post(url).status_code == 403
    manager = cloud.staff("manager", [node.site_id])
    first = manager.post(url)
    assert first.status_code == 200, first.text
    acked = first.json()
    assert acked["status"] == "acked" and acked["acked_by"].startswith("manager-")
    assert acked["next_escalation_at"] is None
    cloud.clock.advance(seconds=30)
    again = admin.post(url).json()
    assert (again["acked_by"], again["acked_at"]) == (acked["acked_by"], acked["acked_at"])
    assert (
        admin.get("/api/v1/alerts", params={"status": "acked"}).json()["items"][0]["alert_id"]
        == (alert["alert_id"])
    )
    assert cloud.staff("viewer", [other.site_id]).get("/api/v1/alerts").json()["items"] == []
    assert admin.get("/api/v1/alerts/nope").status_code == 404
    assert admin.get("/api/v1/alerts", params={"status": "bogus"}).status_code == 422


def test_an_ack_shows_the_queued_escalation_tier_cancelled(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 90})
    for rid, tier in (("duty", 0), ("boss", 1)):
        admin.put(f"/api/v1/recipients/{rid}", json={"name": rid, "phone": "+447700900123"})
        subscribed = admin.put(
            f"/api/v1/recipients/{rid}/subscriptions/{rid}-hits",
            json={"channels": ["sms"], "kinds": ["hit"], "tier": tier},
        )
        assert subscribed.status_code == 200, subscribed.text
    node = cloud.node("Depot")
    node.exchange()
    node.exchange(batch=node.records(1, 1))
    [alert] = admin.get("/api/v1/alerts").json()["items"]
    cloud.clock.advance(seconds=600)
    assert cloud.services.alerting.service.escalate_due() == 1
    assert admin.post(f"/api/v1/alerts/{alert['alert_id']}/ack").status_code == 200
    detail = admin.get(f"/api/v1/alerts/{alert['alert_id']}").json()
    statuses = sorted((d["recipient_id"], d["tier"], d["status"]) for d in detail["deliveries"])
    assert statuses == [("boss", 1, "cancelled"), ("duty", 0, "pending")]
    assert cloud.services.alerting.dispatcher.drain() == 1  # the alert itself still goes out


def test_an_alert_says_when_and_why_it_resolved_and_which_deliveries_told_of_it(
    cloud: RunningCloud,
) -> None:
    from cloud_plane.alerts.model import AlertKind

    node = cloud.node()
    service = cloud.services.alerting.service
    raised = service.raise_problem(AlertKind.DISK_NEARLY_FULL, node.site_id, "disk 95% used")
    resolved = service.resolve(raised.alert, "disk down to 40% used")
    body = cloud.staff("admin").get(f"/api/v1/alerts/{raised.alert.alert_id}").json()
    assert (body["status"], body["resolution"]) == ("resolved", "disk down to 40% used")
    assert body["resolved_at"] == resolved.resolved_at.isoformat().replace("+00:00", "Z")
    listed = cloud.staff("admin").get("/api/v1/alerts?status=resolved").json()["items"]
    assert [a["resolution"] for a in listed] == ["disk down to 40% used"]
