"""The cloud dashboard in Chromium against real processes: a cloud (`edgesync cloud serve`) and
two enrolled nodes (`edgesync node serve`), as `tests/e2e/harness.py` starts them."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.harness import PASSWORD, Hybrid, edgesync, wait_for

expect = pytest.importorskip("playwright.sync_api").expect

# A 1x1 JPEG (a real one: the browser decodes it).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////"
    "////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/a"
    "AAgBAQABPxA="
)
XSS_CAMERA = "<img src=x onerror=alert(1)>"
XSS_PLATE = "<svg onload=alert(1)"  # 20 characters: the longest plate the wire carries


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[Hybrid]:
    """One cloud and the sites Alpha and Bravo (each a real node), shared by this module."""
    hybrid = Hybrid(tmp_path_factory.mktemp("dashboard"))
    hybrid.start_cloud()
    try:
        hybrid.add_node("alpha")
        hybrid.add_node("bravo")
        yield hybrid
    finally:
        hybrid.stop()


def sign_in(page, system: Hybrid, username: str = "admin@e2e", path: str = "/") -> None:
    page.goto(system.cloud.url + path)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def no_csp_or_script_trouble(watch, *, expected_404: bool = False) -> None:
    assert watch.dialogs == []
    assert watch.errors == []
    console = [m for m in watch.console if not (expected_404 and "status of 404" in m)]
    assert console == [], "console errors (CSP violations are reported here)"


def test_sign_in_and_out(system: Hybrid, page, watch) -> None:
    sign_in(page, system, path="/search")
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(system.cloud.url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    no_csp_or_script_trouble(watch)


def test_an_expired_session_goes_back_to_sign_in(system: Hybrid, page, watch) -> None:
    from cloud_plane.auth.tokens import LocalIssuer, load_or_create_key

    root = system.root / "cloud"
    issuer = LocalIssuer(
        load_or_create_key(root / "staff_signing_key.pem"),
        issuer=system.cloud.url,
        client_id="edgesync-dashboard",
        ttl_s=60,
        clock=lambda: datetime.now(UTC) - timedelta(hours=2),
    )
    expired = issuer.issue("admin@e2e", "admin", version=0)
    page.context.add_cookies(
        [{"name": "edgesync_session", "value": expired, "url": system.cloud.url}]
    )
    page.goto(system.cloud.url + "/sites")
    expect(page.get_by_text("Your session has ended; sign in again.")).to_be_visible()
    assert "/sign-in?next=/sites" in page.url
    page.get_by_label("Username").fill("admin@e2e")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sites", exact=True)).to_be_visible()
    no_csp_or_script_trouble(watch)


def test_the_overview_lists_both_sites(system: Hybrid, page, watch) -> None:
    sign_in(page, system)
    table = page.locator("#site-table")
    expect(table.get_by_role("link", name="alpha")).to_be_visible()
    expect(table.get_by_role("link", name="bravo")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    no_csp_or_script_trouble(watch)


def test_search_finds_a_read(system: Hybrid, page, watch) -> None:
    alpha = system.nodes[0]
    alpha.read("SR12ABC")
    wait_for(lambda: alpha.backlog() == 0, what="alpha's read in the cloud")
    sign_in(page, system, path="/search")
    page.get_by_label("Plate").fill("SR12ABC")
    page.get_by_role("button", name="Search").click()
    row = page.locator("table.reads tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("SR12ABC")
    expect(row.first).to_contain_text("alpha")
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", re.compile(r"^/search\.csv\?.*plate=SR12ABC")
    )
    no_csp_or_script_trouble(watch)


def test_show_image_brings_the_reads_image_from_its_node(system: Hybrid, page, watch) -> None:
    alpha = system.nodes[0]
    alpha.read("IM12AGE", image=JPEG)
    wait_for(lambda: alpha.backlog() == 0, what="alpha's read in the cloud")
    sign_in(page, system, path="/search?plate=IM12AGE")
    cell = page.locator("table.reads tbody tr td.read-image")
    expect(cell).to_have_count(1)
    cell.get_by_role("button", name="Show image").click()
    # The site's next command poll uploads it (2 s by default); the script then shows it.
    expect(cell.locator("img")).to_be_visible(timeout=20_000)
    shown = page.evaluate("() => document.querySelector('td.read-image img').naturalWidth")
    assert shown == 1  # the 1x1 JPEG the camera posted, decoded by the browser
    no_csp_or_script_trouble(watch)


def test_a_hit_raises_an_alert_that_is_acknowledged_with_who(system: Hybrid, page, watch) -> None:
    sign_in(page, system, path="/hotlist")
    page.get_by_label("List", exact=True).fill("stolen")
    page.get_by_label("Plate", exact=True).fill("AK47HIT")
    page.get_by_label("Reason").fill("browser test")
    page.get_by_role("button", name="Add to hotlist").click()
    expect(page.locator("table.hotlist")).to_contain_text("AK47HIT")
    page.goto(system.cloud.url + "/alerts")
    bravo = system.nodes[1]
    # The node pulls the entry (every 0.5 s here), reads the plate and pushes the hit; the
    # feed shows the alert without a reload.
    time.sleep(3)
    bravo.read("AK47HIT")
    feed = page.locator("#alert-feed")
    expect(feed.get_by_text("AK47HIT")).to_be_visible(timeout=30_000)
    feed.get_by_role("link").first.click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text(re.compile(r"Acknowledged by admin@e2e at"))).to_be_visible()
    no_csp_or_script_trouble(watch)


def test_a_viewer_of_one_site_sees_nothing_of_the_other(system: Hybrid, page, watch) -> None:
    alpha, bravo = system.nodes
    bravo.read("BRAVO99")
    wait_for(lambda: bravo.backlog() == 0, what="bravo's read in the cloud")
    edgesync(
        "cloud", "create-user", "viewer-alpha@e2e", "--role", "viewer", "--sites",
        alpha.site_id, "--password", PASSWORD, "--json", env=system.cloud.env,
    )  # fmt: skip
    sign_in(page, system, "viewer-alpha@e2e")
    expect(page.locator("#site-table").get_by_role("link", name="alpha")).to_be_visible()
    assert "bravo" not in page.content()
    for path in ("/sites", "/search?plate=BRAV&mode=prefix", "/alerts", "/fragments/overview",
                 "/fragments/alerts", "/search.csv"):  # fmt: skip
        body = page.request.get(system.cloud.url + path).text()
        assert "bravo" not in body and bravo.site_id not in body and "BRAVO99" not in body, path
    for path in (f"/sites/{bravo.site_id}", f"/search.csv?site_id={bravo.site_id}",
                 f"/fragments/alerts?site_id={bravo.site_id}"):  # fmt: skip
        assert page.request.get(system.cloud.url + path).status == 404, path
    page.goto(system.cloud.url + f"/sites/{bravo.site_id}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    no_csp_or_script_trouble(watch, expected_404=True)  # the page itself is the 404


def test_a_hostile_camera_name_and_plate_render_as_text(system: Hybrid, page, watch) -> None:
    from cloud_plane.store.sql import SqlStore
    from sync_protocol.detections import DetectionRecord, detection_uuid
    from sync_protocol.messages import CameraHealth, Heartbeat

    alpha = system.nodes[0]
    store = SqlStore.open(f"sqlite:///{system.root / 'cloud' / 'cloud.db'}")
    try:
        now = datetime.now(UTC)
        beat = Heartbeat(
            node_version="x", uptime_s=1, disk_used_bytes=1, disk_total_bytes=10,
            db_size_bytes=1, backlog_count=0,
            cameras=[CameraHealth(camera_id="evil-cam", name=XSS_CAMERA, last_seen=now)],
        )  # fmt: skip
        store.detections.record_heartbeat(alpha.site_id, beat, now + timedelta(minutes=5))
        record = DetectionRecord(
            id=detection_uuid("xss-stream", 1), seq=1, camera_id="evil-cam",
            captured_at=now, received_at=now, plate=XSS_PLATE, plate_norm="SVGONLOADALERT1",
        )  # fmt: skip
        store.detections.put_batch(alpha.site_id, "xss-stream", [record], received_at=now)
    finally:
        store.meta.close()
    sign_in(page, system, path=f"/sites/{alpha.site_id}")
    expect(page.get_by_text(XSS_CAMERA).first).to_be_visible()
    expect(page.get_by_text(XSS_PLATE).first).to_be_visible()
    page.goto(system.cloud.url + "/search?plate=SVGONLOADALERT1")
    expect(page.get_by_text(XSS_PLATE).first).to_be_visible()
    page.wait_for_timeout(500)
    no_csp_or_script_trouble(watch)


def test_posts_without_csrf_token_or_from_another_origin_are_refused(
    system: Hybrid, page, watch
) -> None:
    sign_in(page, system)
    url = system.cloud.url + "/hotlist"
    plain = page.request.post(url, form={"list": "stolen", "plate": "NOCSRF1"})
    assert plain.status == 403 and "missing or wrong CSRF token" in plain.text()
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    cross = page.request.post(
        url,
        form={"list": "stolen", "plate": "NOCSRF1", "csrf_token": token or ""},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status == 403
    page.goto(url)
    assert "NOCSRF1" not in page.content()
    no_csp_or_script_trouble(watch)
