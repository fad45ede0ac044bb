"""Both dashboards together, on real processes: the cloud's hotlist reaches the site's web app,
and the demo's printed logins open both apps."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator

import psutil
import pytest

from tests.browser.steps import fill_field, sign_in
from tests.e2e.harness import PASSWORD, Hybrid, demo_logins, read_banner, start_demo, wait_for

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright").expect


def test_a_hotlist_entry_added_in_the_cloud_dashboard_is_a_hit_in_the_local_app(
    hybrid: Hybrid, new_page
):
    node = hybrid.add_node("site-a")
    local = node.create_user("guard", "viewer")
    plate = "WEB42HIT"
    cloud_page = new_page()
    sign_in(cloud_page, hybrid.cloud.url, "admin@e2e", PASSWORD)
    cloud_page.get_by_role("link", name="Hotlist").click()
    fill_field(cloud_page, "List", "stolen")
    fill_field(cloud_page, "Plate", plate)
    fill_field(cloud_page, "Reason", "browser test")
    fill_field(cloud_page, "Priority", "2")
    cloud_page.get_by_role("button", name="Add to hotlist").click()
    expect(cloud_page.get_by_text(plate).first).to_be_visible()

    def pulled() -> bool:  # the node's sync agent pulls the hotlist every 0.5 s here
        with node.admin() as admin:
            return any(e["plate_norm"] == plate for e in admin.get("/api/v1/hotlist").json())

    wait_for(pulled, timeout=30, what="the node to pull the new hotlist entry")
    read = node.read(plate)
    local_page = new_page()
    sign_in(local_page, node.url, local["username"], local["password"])
    row = local_page.locator("tr").filter(has_text=plate)  # on Live, the page people watch
    expect(row.get_by_text("hit", exact=True)).to_be_visible()
    local_page.goto(f"{node.url}/reads/{read['id']}")
    expect(local_page.get_by_text(plate).first).to_be_visible()
    expect(local_page.get_by_text("hit", exact=True).first).to_be_visible()


@pytest.fixture(scope="module")
def demo_banner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A two-site `edgesync demo` that has printed its banner; stopped (Ctrl-C) afterwards."""
    tmp = tmp_path_factory.mktemp("demo")
    proc = start_demo("--sites", "2", "--cameras", "1", "--duration", "600", tmp=tmp)
    try:
        yield read_banner(proc, tmp / "demo.err")
    finally:
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        for child in children:  # a demo that did not stop cleanly leaves nothing behind
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


def test_the_cloud_overview_shows_both_demo_sites(demo_banner: str, new_page):
    cloud = demo_logins(demo_banner)[0]
    assert cloud.what == "cloud", demo_banner
    page = new_page()
    sign_in(page, cloud.url, cloud.username, cloud.password)
    page.goto(f"{cloud.url}/")
    expect(page.get_by_role("heading").first).to_be_visible()
    for site in ("site-a", "site-b"):
        expect(page.get_by_text(site, exact=True).first).to_be_visible()


def test_a_demo_site_login_opens_its_local_web_app(demo_banner: str, new_page):
    site = demo_logins(demo_banner)[1]
    assert site.what == "site-a", demo_banner
    page = new_page()
    sign_in(page, site.url, site.username, site.password)
    page.goto(f"{site.url}/")
    expect(page.get_by_role("link", name="Live")).to_be_visible()
