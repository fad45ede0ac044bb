"""``AlertService.acknowledge`` writes an ``alert.ack`` entry in the alert's site."""

from __future__ import annotations

from cloud_plane.alerts.model import AlertKind
from cloud_plane.records.audit import AuditQuery
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.alerts.harness import Alerting, Clock


def test_an_acknowledgement_is_audited_in_the_alerts_site(shared_store: CloudStore) -> None:
    a = Alerting(store=shared_store, clock=Clock(), channels={})
    alert = a.service.raise_problem(
        AlertKind.CAMERA_SILENT, a.site.site_id, "camera gate-1: no read", camera_id="gate-1"
    ).alert
    a.service.acknowledge(alert.alert_id, by="ann@example.com", source="dashboard")
    [entry] = shared_store.audit.list(AuditQuery(action="alert.ack")).items
    assert (entry.actor, entry.target, entry.site_id, entry.source) == (
        "user:ann@example.com",
        alert.alert_id,
        a.site.site_id,
        "dashboard",
    )
    assert entry.at == a.clock()
