"""The dispatcher tells each site's alert times on the site's own clock, not alert_timezone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloud_plane.alerts.render import email_content, sms_text
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    impl = SqlStore.open(database_url)
    yield impl
    impl.meta.close()


def test_a_site_in_tokyo_gets_its_alert_times_in_tokyo_time(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = Alerting(store=store, clock=Clock(), channels={"sms": channel})  # T0: 12:00 UTC
    store.sites.set_site_timezone(a.site.site_id, "Asia/Tokyo")
    a.recipient()
    a.hit()
    assert a.dispatcher(timezone="UTC").drain() == 1
    [call] = channel.calls
    assert call.message.site_timezone == "Asia/Tokyo"
    assert "21:00 JST" in sms_text(call.message)
    assert "Asia/Tokyo" in email_content(call.message).text


def test_a_site_without_a_zone_gets_alert_timezone(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = Alerting(store=store, clock=Clock(), channels={"sms": channel})
    a.recipient()
    a.hit()
    assert a.dispatcher(timezone="Europe/Berlin").drain() == 1
    [call] = channel.calls
    assert call.message.site_timezone == "Europe/Berlin"
    assert "14:00 CEST" in sms_text(call.message)
