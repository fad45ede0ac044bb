"""The site page shows each camera's errors by reason, and refused posts that named no camera."""

from __future__ import annotations

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in
from tests.cloud_plane.web.helpers import beat


def test_a_site_shows_its_cameras_errors_by_reason(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    heartbeat = beat(cloud)
    camera = heartbeat.cameras[0].model_copy(
        update={"errors": 4, "errors_by_reason": {"too_large": 1, "invalid": 3}}
    )
    node.exchange(
        heartbeat=heartbeat.model_copy(
            update={
                "cameras": [camera],
                "errors_window_s": 3600.0,
                "unattributed_errors": {"unauthenticated": 9},
            }
        )
    )
    html = signed_in(browser, cloud).get(f"/sites/{node.site_id}").text
    assert "Errors (last 60 min)" in html
    assert '<td>4 <small class="muted">(invalid 3, too large 1)</small></td>' in html
    assert "Refused camera posts naming no camera" in html and "unauthenticated 9" in html
