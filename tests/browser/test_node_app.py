"""The site's local web app in a real Chromium against a real `edgesync node serve`.

No cloud is configured for the shared node (the app must work with the WAN down); the node
of the session-expiry test points at a cloud that is not there.
"""

from __future__ import annotations

import base64
import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.conftest import free_port
from tests.e2e.harness import Node, edgesync

PASSWORD = "browser-password-1"
HOSTILE = "<img src=x onerror=alert(1)>"
ENDED = "Your session has ended; sign in again."


def _jpeg() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "navy").save(buf, "JPEG")
    return base64.b64encode(buf.getvalue()).decode()


def start_node(root: Path, name: str, **extra_env: str) -> Node:
    """A node with a camera, an admin token, and users admin and viewer; started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    env.update(
        EDGESYNC_NODE_DATA_DIR=str(root / name),
        EDGESYNC_NODE_MIN_FREE_BYTES="0",
        **extra_env,
    )
    key = edgesync("node", "add-camera", "gate", "--json", env=env)["api_key"]
    token = edgesync("node", "create-token", "--role", "admin", "--json", env=env)["token"]
    for role in ("admin", "viewer"):
        made = edgesync(
            "node", "create-user", role, "--role", role, "--password", PASSWORD, "--json", env=env
        )
        assert made == {"username": role, "password": PASSWORD, "role": role}
    node = Node(
        name=name,
        args=["node", "serve"],
        env=env,
        log=root / f"{name}.log",
        port=free_port(),
        camera_key=key,
        admin_token=token,
    )
    node.start()
    return node


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = start_node(tmp_path_factory.mktemp("node-app"), "site")
    yield node
    node.stop()


def post_read(node: Node, plate: str, key: str | None = None) -> str:
    body = {
        "plate": plate,
        "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "image_b64": _jpeg(),
    }
    with node.camera() as cam:
        if key:
            cam.headers["Authorization"] = f"Bearer {key}"
        r = cam.post("/api/v1/detections", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def sign_in(page: Page, node: Node, user: str, password: str = PASSWORD) -> None:
    page.goto(f"{node.url}/sign-in")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Live")).to_be_visible()


def unique(prefix: str) -> str:
    return f"{prefix}{time.monotonic_ns() % 10**8}"


def clean(watch) -> None:
    """No dialog, no script error, no console error (CSP violations are console errors)."""
    assert watch.dialogs == [] and watch.errors == [] and watch.console == []


def test_sign_in_and_out(site, page, watch):
    sign_in(page, site, "admin")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{site.url}/sign-in")
    page.goto(site.url)
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    clean(watch)


def test_a_wrong_password_is_refused(site, page, watch):
    page.goto(f"{site.url}/sign-in")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    assert watch.dialogs == [] and watch.errors == []


def test_the_live_feed_shows_a_new_read_without_reload(site, page, watch):
    sign_in(page, site, "viewer")
    page.evaluate("window.notReloaded = true")
    plate = unique("LIVE")
    post_read(site, plate)
    expect(page.get_by_role("link", name=plate)).to_be_visible(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    clean(watch)


def test_a_search_finds_a_read_and_its_image_opens(site, page, watch):
    plate = unique("SRCH")
    post_read(site, plate)
    sign_in(page, site, "viewer")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Plate").fill(plate)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=plate).click()
    image = page.get_by_role("img", name="Image of the read")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.full').complete", timeout=10_000)
    assert image.evaluate("img => img.naturalWidth") == 800
    clean(watch)


def test_a_hotlist_entry_added_in_the_app_marks_a_later_read_a_hit(site, page, watch):
    plate = unique("HOT")
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Hotlist").click()
    page.get_by_label("List").fill("stolen")
    page.get_by_label("Plate").fill(plate)
    page.get_by_label("Reason").fill("reported stolen")
    page.get_by_label("Priority").fill("80")
    page.get_by_role("button", name="Add to hotlist").click()
    expect(page.get_by_role("status")).to_contain_text(f"{plate} is on the stolen list")
    page.get_by_role("link", name="Live").click()
    post_read(site, plate)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=plate))
    expect(row.get_by_text("hit", exact=True)).to_be_visible(timeout=10_000)
    expect(row.get_by_text("stolen", exact=True)).to_be_visible()
    clean(watch)


def test_cameras_add_rotate_and_disable(site, page, watch):
    name = unique("cam-")
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Cameras").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add camera").click()
    first = page.locator("code.api-key").inner_text()
    assert first.startswith("esc_")
    post_read(site, unique("CAM"), key=first)  # the key shown works
    page.get_by_role("link", name="Cameras").click()
    expect(page.locator("code.api-key")).to_have_count(0)  # shown once
    page.get_by_role("button", name=f"Rotate key of {name}").click()
    second = page.locator("code.api-key").inner_text()
    assert second != first and second.startswith("esc_")
    page.get_by_role("button", name=f"Disable {name}").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_text("disabled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=f"Enable {name}")).to_be_visible()
    clean(watch)


def test_a_viewer_cannot_change_anything(site, page, watch):
    sign_in(page, site, "viewer")
    page.get_by_role("link", name="Hotlist").click()
    expect(page.get_by_role("button", name="Add to hotlist")).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    r = page.request.post(
        f"{site.url}/hotlist",
        form={"csrf_token": token, "list": "stolen", "plate": "VIEW1", "priority": "50"},
    )
    assert r.status == 403 and "Only an admin can change this" in r.text()
    clean(watch)


def test_a_post_without_the_csrf_token_is_refused(site, page, watch):
    sign_in(page, site, "admin")
    r = page.request.post(f"{site.url}/cameras", form={"name": "no-token"})
    assert r.status == 403 and "missing or wrong CSRF token" in r.text()


def test_a_hostile_camera_name_and_plate_render_as_text(site, page, watch):
    from local_node.clock import utc_now
    from local_node.db import access
    from local_node.db.engine import make_engine

    # The API and CLI refuse such a name; one written to the database some other way (an
    # older version, a restore) must still render as text.
    engine = make_engine(f"sqlite:///{Path(site.env['EDGESYNC_NODE_DATA_DIR']) / 'node.db'}")
    try:
        key = access.create_camera(engine, HOSTILE + unique(""), utc_now()).secret
    finally:
        engine.dispose()
    read_id = post_read(site, HOSTILE, key=key)
    sign_in(page, site, "admin")
    expect(page.get_by_role("link", name=HOSTILE).first).to_be_visible()
    page.goto(f"{site.url}/reads/{read_id}")
    expect(page.get_by_role("heading", name=f"Read {HOSTILE}")).to_be_visible()
    page.get_by_role("link", name="Cameras").click()
    expect(page.get_by_text(HOSTILE).first).to_be_visible()
    page.goto(f"{site.url}/search?plate={HOSTILE}&mode=exact")
    expect(page.get_by_role("link", name=HOSTILE).first).to_be_visible()
    clean(watch)


def test_a_search_with_a_reason_shows_on_the_audit_page_as_text(site, page, watch):
    plate = HOSTILE + unique("AUD")
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Plate").fill(plate)
    page.get_by_label("Reason (optional, recorded)").fill("case 42")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Audit").click()
    row = page.get_by_role("row").filter(has_text=plate)
    expect(row).to_contain_text("case 42")
    expect(row).to_contain_text("user:admin")
    clean(watch)


def test_a_disabled_users_session_ends_at_once(site, page, watch):
    name = unique("temp")
    edgesync(
        "node",
        "create-user",
        name,
        "--role",
        "viewer",
        "--password",
        PASSWORD,
        "--json",
        env=site.env,
    )
    sign_in(page, site, name)
    edgesync("node", "users", "disable", name, "--json", env=site.env)
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"), timeout=10_000)
    expect(page.get_by_role("status")).to_have_text(ENDED)
    assert watch.dialogs == [] and watch.errors == []


def test_an_ended_session_sends_the_browser_to_sign_in_and_back(tmp_path, page, watch):
    unreachable = f"http://127.0.0.1:{free_port()}"
    node = start_node(
        tmp_path,
        "short",
        EDGESYNC_NODE_WEB_SESSION_IDLE_S="3",
        EDGESYNC_NODE_CLOUD_URL=unreachable,
    )
    try:
        sign_in(page, node, "viewer")
        page.get_by_role("link", name="Sync").click()
        expect(page.get_by_text("none configured")).to_have_count(0)
        expect(page.get_by_text(unreachable)).to_be_visible()
        time.sleep(4)  # idle on a page that does not poll: the session ends after 3 s
        page.get_by_role("link", name="Live").click()
        expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
        expect(page.get_by_role("status")).to_have_text(ENDED)
        sign_in(page, node, "viewer")
        expect(page).to_have_url(f"{node.url}/")
        assert watch.dialogs == [] and watch.errors == []
    finally:
        node.stop()
