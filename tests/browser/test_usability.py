"""Both apps with a keyboard only and on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.steps import sign_in
from tests.browser.test_node_app import PASSWORD, start_node
from tests.e2e.harness import PASSWORD as CLOUD_PASSWORD
from tests.e2e.harness import Hybrid, Node

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
NODE_PAGES = ["/", "/search", "/hotlist", "/cameras", "/sync", "/audit"]
CLOUD_PAGES = ["/", "/sites", "/search", "/hotlist", "/alerts", "/recipients", "/users"]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    site = start_node(tmp_path_factory.mktemp("usable"), "site")
    yield site
    site.stop()


@pytest.fixture(scope="module")
def cloud_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    system = Hybrid(Path(tmp_path_factory.mktemp("usable-cloud")))
    system.start_cloud()
    system.add_node("north")
    try:
        yield system.cloud.url
    finally:
        system.stop()


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_sign_in_works_with_the_keyboard_alone(node, page) -> None:
    page.goto(f"{node.url}/sign-in")
    for _ in range(6):  # from wherever focus starts, Tab reaches the Username field
        if page.evaluate("document.activeElement.id") == "f-username":
            break
        page.keyboard.press("Tab")
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("path", NODE_PAGES)
def test_node_pages_fit_a_phone_screen(node, new_page, path) -> None:
    page = new_page(**PHONE)
    sign_in(page, node.url, "admin", PASSWORD)
    page.goto(f"{node.url}{path}")
    expect(page.get_by_role("heading").first).to_be_visible()
    assert _overflow(page) <= 1


@pytest.mark.parametrize("path", CLOUD_PAGES)
def test_cloud_pages_fit_a_phone_screen(cloud_url, new_page, path) -> None:
    page = new_page(**PHONE)
    sign_in(page, cloud_url, "admin@e2e", CLOUD_PASSWORD)
    page.goto(f"{cloud_url}{path}")
    expect(page.get_by_role("heading").first).to_be_visible()
    assert _overflow(page) <= 1
