"""The offline fallback never pages anyone for a historical hit (a past read found later)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from local_node.alerts.fallback import FallbackRunner
from local_node.retro_hits import RetroScanner
from tests.local_node.alerts.conftest import DUTY, SmtpServer, enrol_offline, smtp_channel
from tests.local_node.conftest import RunningNode
from tests.local_node.sync.conftest import post


def test_a_historical_hit_sends_nothing_while_the_cloud_is_away(
    node_factory: Callable[..., RunningNode],
    smtp_server: SmtpServer,
    runners: Callable[..., FallbackRunner],
) -> None:
    node = node_factory()
    enrol_offline(node, cloud_silent_s=600)
    runner = runners(node, [smtp_channel(smtp_server, to=[DUTY])])
    post(node, "AB12CDE")  # before the entry: no hit
    with node.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 90}).status_code == 200
    assert RetroScanner(node.services.engine, node.clock, timedelta(days=30)).run_once() == 1
    assert runner.drain()
    assert smtp_server.inbox.envelopes == []
