"""Signing in and out of the node's web app, and sessions that end."""

from __future__ import annotations

import hashlib
import stat

import httpx
from sqlalchemy import select

from local_node import users
from local_node.db.tables import WebSession
from local_node.web.context import KEY_FILE
from local_node.web.sign_in import SESSION_ENDED, WRONG
from tests.local_node.web.conftest import PASSWORD, WebClient, add_user


def test_a_page_without_a_session_goes_to_sign_in_with_next(node, client_for):
    r = client_for(None).get("/search?plate=AB1")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=/search%3Fplate%3DAB1"


def test_sign_in_form_has_the_labels_and_button(node, client_for):
    html = client_for(None).get("/sign-in").text
    assert '<label for="f-username">Username</label>' in html
    assert '<label for="f-password">Password</label>' in html
    assert '<button type="submit">Sign in</button>' in html


def test_right_password_signs_in_and_goes_to_next(node, client_for):
    add_user(node, "ann", "viewer")
    client = client_for(None)
    r = client.form("/sign-in", {"username": "ann", "password": PASSWORD, "next": "/sync"})
    assert r.status_code == 303 and r.headers["location"] == "/sync"
    page = client.get("/sync")
    assert page.status_code == 200 and "ann (viewer)" in page.text


def test_wrong_password_is_refused(node, client_for):
    add_user(node, "ann", "admin")
    client = client_for(None)
    r = client.form("/sign-in", {"username": "ann", "password": "not it", "next": "/"})
    assert r.status_code == 401 and WRONG in r.text
    assert client.get("/").status_code == 303


def test_next_to_another_site_is_ignored(node, client_for):
    add_user(node, "ann", "admin")
    client = client_for(None)
    r = client.form(
        "/sign-in", {"username": "ann", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert r.headers["location"] == "/"


def test_sign_out_ends_the_session(node, client_for):
    client = client_for("admin")
    cookies = dict(client.cookies)
    assert client.form("/sign-out").status_code == 303
    replay = WebClient(base_url=node.url, cookies=cookies)
    assert replay.get("/").status_code == 303


def test_only_a_digest_of_the_session_id_is_stored(node, client_for):
    client = client_for("admin")
    sid = client.cookies["edgesync_node_session"]
    with node.services.engine.connect() as conn:
        stored = conn.execute(select(WebSession.id_hash)).scalars().all()
    assert stored == [hashlib.sha256(sid.encode()).hexdigest()]


def test_an_idle_session_ends_and_sign_in_says_so(node, client_for):
    client = client_for("admin")
    node.clock.advance(hours=12, minutes=1)
    r = client.get("/hotlist")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=/hotlist"
    assert SESSION_ENDED in client.get(r.headers["location"]).text


def test_a_used_session_ends_seven_days_after_sign_in(node, client_for):
    client = client_for("admin")
    for _ in range(15):  # used every 11 hours for 165 hours: never idle
        node.clock.advance(hours=11)
        assert client.get("/").status_code == 200
    node.clock.advance(hours=4)
    assert client.get("/").status_code == 303


def test_an_ended_session_gets_401_with_x_sign_in_on_a_fragment(node, client_for):
    client = client_for("admin")
    node.clock.advance(hours=13)
    r = client.get("/fragments/live", headers={"Referer": f"{node.url}/"})
    assert r.status_code == 401 and r.headers["x-sign-in"] == "/sign-in?next=/"


def test_a_disabled_users_session_ends_at_once(node, client_for):
    client = client_for("admin", name="bob")
    users.set_disabled(node.services.engine, "bob", True)
    assert client.get("/").status_code == 303


def test_a_disabled_user_cannot_sign_in(node, client_for):
    add_user(node, "bob", "admin")
    users.set_disabled(node.services.engine, "bob", True)
    client = client_for(None)
    r = client.form("/sign-in", {"username": "bob", "password": PASSWORD})
    assert r.status_code == 401


def test_a_password_reset_ends_the_users_sessions(node, client_for):
    client = client_for("admin", name="bob")
    users.reset_password(node.services.engine, "bob", "another password")
    assert client.get("/").status_code == 303


def test_sign_in_without_the_form_token_is_refused(node):
    add_user(node, "ann", "admin")
    r = httpx.post(f"{node.url}/sign-in", data={"username": "ann", "password": PASSWORD})
    assert r.status_code == 403 and "missing or wrong CSRF token" in r.text


def test_the_form_key_is_an_owner_only_file(node):
    mode = stat.S_IMODE((node.settings.data_dir / KEY_FILE).stat().st_mode)
    assert mode == 0o600


def test_secure_cookies_when_always_is_set(node_factory):
    node = node_factory(web_cookie_secure="always")
    add_user(node, "ann", "admin")
    seed = httpx.get(f"{node.url}/sign-in").headers["set-cookie"]
    assert seed.startswith("__Host-edgesync_csrf=") and "Secure" in seed


def test_repeated_wrong_passwords_are_slowed_down_with_429(node, client_for):
    add_user(node, "ann", "admin")
    client = client_for(None)
    codes = [
        client.form("/sign-in", {"username": "ann", "password": "guess", "next": "/"}).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [401] * 5 and 429 in codes[5:]
    refused = client.form("/sign-in", {"username": "ann", "password": PASSWORD, "next": "/"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in refused.text
