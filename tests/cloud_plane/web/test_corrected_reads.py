"""A read a better reading corrected (issue 15) shows so in the dashboard's read tables."""

from __future__ import annotations

from datetime import timedelta

from sync_protocol.corrections import ReadCorrection
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in


def test_a_corrected_read_says_what_it_was_first_read_as(cloud: RunningCloud, browser) -> None:
    node = cloud.node("Depot")
    [first, other] = node.records(1, 2, plate="AB12CDE")
    node.exchange(batch=[first, other])
    node.exchange(
        corrections=[
            ReadCorrection(
                stream_id=node.stream_id,
                record=first.model_copy(update={"plate": "XY34ZZZ", "plate_norm": "XY34ZZZ"}),
                revision=2,
                previous_plate="AB12CDE",
                corrected_at=cloud.clock() + timedelta(seconds=1),
            )
        ]
    )
    tab = signed_in(browser, cloud)
    found = tab.get("/search?plate=XY34ZZZ").text
    assert "corrected, was read as AB12CDE" in found
    listed = tab.get(f"/sites/{node.site_id}").text
    assert listed.count("corrected, was read as") == 1  # the read never corrected says nothing
