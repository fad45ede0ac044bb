"""``AlertService.resolve``: the reason stored, unsent deliveries cancelled, who is told."""

from __future__ import annotations

from collections.abc import Sequence

from cloud_plane.alerts.model import AlertKind, ChannelKind
from cloud_plane.records.alerts import AlertQuery, StoredAlert
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import LocalDelivery
from tests.cloud_plane.alerts.doubles import FailingChannel, ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


def world(store: CloudStore) -> Alerting:
    """r1 by SMS (which works) and r2 by email (which fails for now, so stays unsent)."""
    a = Alerting(
        store=store,
        clock=Clock(),
        channels={
            "sms": ScriptedChannel(),
            "email": FailingChannel(retryable=True, name=ChannelKind.EMAIL),
        },
    )
    a.recipient("r1", ("sms",))
    a.recipient("r2", ("email",))
    return a


def camera_silent(a: Alerting) -> StoredAlert:
    raised = a.service.raise_problem(
        AlertKind.CAMERA_SILENT, a.site.site_id, "camera gate-1: no read", camera_id="gate-1"
    )
    return raised.alert


def sent_then_resolved(a: Alerting) -> StoredAlert:
    alert = camera_silent(a)
    a.dispatcher().drain()  # r1's SMS goes; r2's email fails and waits for its retry
    return a.service.resolve(alert, "camera reading again")


def resolutions(store: CloudStore, alert_id: str) -> list[tuple[str, str]]:
    return [
        (d.recipient_id, d.channel)
        for d in store.deliveries.list_deliveries(alert_id)
        if d.purpose == "resolution"
    ]


def test_resolving_stores_the_reason_on_the_alert(shared_store: CloudStore) -> None:
    a = world(shared_store)
    resolved = sent_then_resolved(a)
    stored = shared_store.alerts.get_alert(resolved.alert_id)
    assert (stored.status, stored.resolution) == ("resolved", "camera reading again")
    assert stored.resolved_at == a.clock()


def test_only_recipients_the_alert_was_sent_to_are_told(shared_store: CloudStore) -> None:
    a = world(shared_store)
    resolved = sent_then_resolved(a)
    assert resolutions(shared_store, resolved.alert_id) == [("r1", "sms")]


def test_deliveries_never_sent_are_cancelled_and_never_go(shared_store: CloudStore) -> None:
    a = world(shared_store)
    resolved = sent_then_resolved(a)
    email = a.channels["email"]
    assert isinstance(email, ScriptedChannel)
    tried = len(email.calls)
    [r2] = [
        d
        for d in shared_store.deliveries.list_deliveries(resolved.alert_id)
        if d.recipient_id == "r2"
    ]
    assert r2.status == "cancelled"
    a.clock.advance(hours=1)
    a.dispatcher().drain()
    assert len(email.calls) == tried  # no "camera silent" after it cleared


def test_a_resolution_waits_the_settle_delay(shared_store: CloudStore) -> None:
    a = world(shared_store)
    resolved = sent_then_resolved(a)
    [resolution] = [
        d
        for d in shared_store.deliveries.list_deliveries(resolved.alert_id)
        if d.purpose == "resolution"
    ]
    assert resolution.next_at == a.clock() + a.service.resolution_settle
    assert a.dispatcher().drain() == 0
    a.clock.advance(seconds=30)
    assert a.dispatcher().drain() == 1


def test_an_alert_the_node_delivered_has_nobody_to_tell(shared_store: CloudStore) -> None:
    a = world(shared_store)
    local = LocalDelivery(channel="smtp", recipient="duty@example.com", delivered_at=a.clock())
    raised = a.hit(delivered_locally=[local])
    a.service.resolve(raised.alert, "cleared by staff")
    deliveries = shared_store.deliveries.list_deliveries(raised.alert.alert_id)
    assert [(d.source, d.purpose, d.status) for d in deliveries] == [("node", "alert", "sent")]


def test_resolving_again_tells_nobody_twice(shared_store: CloudStore) -> None:
    a = world(shared_store)
    resolved = sent_then_resolved(a)
    a.clock.advance(minutes=5)
    again = a.service.resolve(resolved, "site revoked")
    assert again.resolution == "camera reading again"
    assert resolutions(shared_store, resolved.alert_id) == [("r1", "sms")]


def test_resolution_ids_are_announced_after_commit_to_arrive_when_due(
    shared_store: CloudStore,
) -> None:
    a = world(shared_store)
    told: list[tuple[Sequence[str], float]] = []
    a.service.announce_later = lambda ids, delay_s: told.append((ids, delay_s))
    alert = camera_silent(a)
    a.dispatcher().drain()
    a.service.resolve(alert, "camera reading again")
    [(ids, delay_s)] = told
    [resolution] = [
        d
        for d in shared_store.deliveries.list_deliveries(alert.alert_id)
        if d.purpose == "resolution"
    ]
    assert (list(ids), delay_s) == ([resolution.delivery_id], 30.0)


def test_a_resolution_that_gives_up_says_so_in_its_failure_alert(shared_store: CloudStore) -> None:
    a = Alerting(
        store=shared_store,
        clock=Clock(),
        channels={"sms": ScriptedChannel()},
    )
    a.recipient("r1", ("sms",))
    alert = camera_silent(a)
    a.dispatcher().drain()
    a.service.resolve(alert, "camera reading again")
    a.channels["sms"] = FailingChannel(retryable=False)
    a.clock.advance(seconds=30)
    a.dispatcher().drain()
    failures = shared_store.alerts.list_alerts(AlertQuery(kind="delivery_failed")).items
    assert [f.reason.split(" could not")[0] for f in failures] == [
        f"the resolution of camera_silent alert {alert.alert_id}"
    ]
