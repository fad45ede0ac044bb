"""The hotlist entry's hits page: historical hits counted and marked, the plate links to it."""

from __future__ import annotations

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in


def test_an_entrys_page_shows_its_historical_hits(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    node.exchange(batch=node.records(1, 2, plate="AB12CDE"))
    tab = signed_in(browser, cloud)
    tab.get("/hotlist")
    assert tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE"}).status_code == 303
    cloud.services.retro.run_once()  # the thread may have done it already: a no-op then
    listing = tab.get("/hotlist")
    assert 'href="/hotlist/stolen/AB12CDE/hits"' in listing.text
    r = tab.get("/hotlist/stolen/AB12CDE/hits")
    assert r.status_code == 200
    assert "<strong>2 historical</strong>" in r.text and "North" in r.text


def test_a_bad_plate_on_the_hits_page_is_refused(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    assert tab.get("/hotlist/stolen/%2A%2A%2A/hits").status_code == 422
