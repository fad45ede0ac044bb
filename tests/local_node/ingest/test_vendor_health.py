"""Vendor stream health shared by the serving processes of one node through a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from local_node.ingest.vendor_health import VendorHealth
from local_node.ingest.vendors import AgentHeartbeat, CameraHealth

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def beat(agent: str, *streams: str) -> AgentHeartbeat:
    return AgentHeartbeat(
        agent_uid=agent,
        agent_version="4.1",
        agent_hostname="box",
        timestamp=NOW,
        video_streams=tuple(CameraHealth(s, f"lane {s}", 10.0, True, NOW, None) for s in streams),
    )


def test_a_heartbeat_recorded_by_one_process_is_shown_by_another(tmp_path: Path) -> None:
    path = tmp_path / "vendor_health.json"
    VendorHealth(path).record_heartbeat("cam-1", beat("a", "lane-1"), received_at=NOW)
    (stream,) = VendorHealth(path).streams_of("cam-1")
    assert (stream.source_camera, stream.agent_uid, stream.last_update) == ("lane-1", "a", NOW)


def test_heartbeats_recorded_by_two_processes_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "vendor_health.json"
    first, second = VendorHealth(path), VendorHealth(path)
    first.record_heartbeat("cam-1", beat("a", "lane-1"), received_at=NOW)
    second.record_heartbeat("cam-1", beat("b", "lane-2"), received_at=NOW)
    assert [s.source_camera for s in first.streams_of("cam-1")] == ["lane-1", "lane-2"]
