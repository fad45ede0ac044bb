"""A viewer of one site sees nothing of another through any page, fragment or CSV; camera
strings render as text."""

from __future__ import annotations

import pytest

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in
from tests.cloud_plane.web.helpers import XSS, beat, hit_alert


@pytest.fixture
def two_sites(cloud: RunningCloud, browser):
    """Sites Alpha and Bravo with reads and an alert each; a tab of a viewer of Alpha only."""
    alpha, bravo = cloud.node("Alpha"), cloud.node("Bravo")
    for node, plate in ((alpha, "AAA111"), (bravo, "BBB222")):
        node.exchange(
            heartbeat=beat(cloud, name=f"{plate} cam"), batch=node.records(1, 2, plate=plate)
        )
    alerts = {
        alpha.site_id: hit_alert(cloud, alpha, "HOTA1"),
        bravo.site_id: hit_alert(cloud, bravo, "HOTB2"),
    }
    tab = signed_in(browser, cloud, "viewer", [alpha.site_id])
    return alpha, bravo, alerts, tab


def _no_bravo(text: str, bravo, *, reads: bool = True) -> None:
    assert "Bravo" not in text and bravo.site_id not in text
    if reads:  # the hotlist is every site's: its plates are no secret of Bravo's
        assert "BBB222" not in text and "HOTB2" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sites",
        "/fragments/overview",
        "/search?camera=gate-1",
        "/search?plate=B&mode=prefix",
        "/search.csv",
        "/alerts",
        "/fragments/alerts",
        "/hotlist",
        "/hotlist.csv",
    ],
)
def test_the_other_site_never_appears(two_sites, path: str) -> None:
    _, bravo, _, tab = two_sites
    r = tab.get(path)
    assert r.status_code == 200
    _no_bravo(r.text, bravo, reads=not path.startswith("/hotlist"))


def test_the_viewer_sees_their_own_site(two_sites) -> None:
    alpha, _, alerts, tab = two_sites
    assert "Alpha" in tab.get("/").text
    assert "AAA111" in tab.get("/search.csv").text
    assert alerts[alpha.site_id] in tab.get("/fragments/alerts").text


@pytest.mark.parametrize(
    "path",
    [
        "/sites/{site}",
        "/search?site_id={site}",
        "/search.csv?site_id={site}",
        "/alerts?site_id={site}",
        "/fragments/alerts?site_id={site}",
        "/alerts/{alert}",
    ],
)
def test_the_other_site_by_url_is_a_404_like_a_missing_one(two_sites, path: str) -> None:
    _, bravo, alerts, tab = two_sites
    r = tab.get(path.format(site=bravo.site_id, alert=alerts[bravo.site_id]))
    assert r.status_code == 404
    # Says only what the URL said ("no site 'site_...'"), as for an id that does not exist.
    assert "Bravo" not in r.text and "BBB222" not in r.text and "HOTB2" not in r.text


def test_a_hostile_camera_name_and_plate_render_as_text(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    node.exchange(heartbeat=beat(cloud, name=XSS), batch=node.records(1, 1, plate="<b>X1</b>"))
    tab = signed_in(browser, cloud)
    for path in (f"/sites/{node.site_id}", "/search?site_id=" + node.site_id):
        html = tab.get(path).text
        assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<b>X1</b>" not in html


def test_an_alerts_resolution_shows_on_its_page_as_text(cloud: RunningCloud, browser) -> None:
    from cloud_plane.alerts.model import AlertKind

    node = cloud.node()
    service = cloud.services.alerting.service
    raised = service.raise_problem(AlertKind.DISK_NEARLY_FULL, node.site_id, "disk 95% used")
    service.resolve(raised.alert, f"disk down to 40% used {XSS}")
    tab = signed_in(browser, cloud, "viewer", [node.site_id])
    html = tab.get(f"/alerts/{raised.alert.alert_id}").text
    assert (
        '<span class="resolution">disk down to 40% used &lt;img src=x onerror=alert(1)&gt;' in html
    )
    assert XSS not in html
