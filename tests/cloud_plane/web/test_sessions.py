"""Dashboard sessions: sign in and out, session end, CSRF and origin (Cognito mode:
test_cognito_sessions.py)."""

from __future__ import annotations

import stat

from sync_protocol.private_files import load_or_create_secret as load_or_create
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import make_user, signed_in


def test_the_sign_in_form_has_labelled_fields_and_a_sign_in_button(cloud, browser):
    html = browser().get("/sign-in").text
    assert '<label for="f-username">Username</label>' in html
    assert '<label for="f-password">Password</label>' in html
    assert '<button type="submit">Sign in</button>' in html


def test_signing_in_sets_an_httponly_session_cookie_and_returns_to_next(cloud, browser):
    tab = browser()
    r = tab.sign_in(make_user(cloud), next="/search")
    assert r.status_code == 303 and r.headers["location"] == "/search"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("edgesync_session=")]
    assert cookie and "HttpOnly" in cookie[0] and "SameSite=lax" in cookie[0]
    assert tab.get("/search").status_code == 200


def test_a_wrong_password_shows_the_form_again_with_the_login_wording(cloud, browser):
    tab = browser()
    r = tab.sign_in(make_user(cloud), password="not-it")
    assert r.status_code == 401
    assert "wrong username or password" in r.text.lower()
    assert "edgesync_session" not in r.headers.get("set-cookie", "")


def test_a_page_without_a_session_redirects_to_sign_in_with_next(cloud, browser):
    r = browser().get("/search?plate=AB1")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=/search%3Fplate%3DAB1"


def test_an_expired_session_goes_back_to_sign_in_saying_so(cloud: RunningCloud, browser):
    tab = signed_in(browser, cloud)
    cloud.clock.advance(seconds=cloud.settings.token_ttl_s + 120)
    r = tab.get("/sites")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=/sites&notice=session-ended"
    page = tab.get(r.headers["location"])
    assert "Your session has ended; sign in again." in page.text


def test_a_fragment_without_a_session_answers_401_with_x_sign_in(cloud, browser):
    r = browser().get("/fragments/overview", headers={"referer": f"{cloud.url}/sites"})
    assert r.status_code == 401
    assert r.headers["x-sign-in"] == "/sign-in?next=/sites"


def test_disabling_a_user_ends_their_session_at_the_next_page(cloud: RunningCloud, browser):
    tab = browser()
    name = make_user(cloud, "manager", [cloud.new_site()[0]])
    tab.sign_in(name)
    assert tab.get("/").status_code == 200
    cloud.store.users.disable_user(name)
    assert tab.get("/").status_code == 303


def test_signing_out_clears_the_session(cloud, browser):
    tab = signed_in(browser, cloud)
    tab.get("/")
    r = tab.post("/sign-out")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?notice=signed-out"
    assert tab.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(cloud, browser):
    tab = signed_in(browser, cloud)
    tab.get("/hotlist")
    r = tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE"}, csrf=False)
    assert r.status_code == 403 and "missing or wrong CSRF token" in r.text
    assert cloud.store.hotlist.list_entries() == []


def test_a_cross_origin_post_is_refused(cloud, browser):
    tab = signed_in(browser, cloud)
    tab.get("/hotlist")
    r = tab.post(
        "/hotlist",
        {"list": "stolen", "plate": "AB12CDE"},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert cloud.store.hotlist.list_entries() == []


def test_the_random_web_key_is_kept_owner_only_and_reused(tmp_path):
    path = tmp_path / "d" / "web_secret.key"
    first = load_or_create(path)
    assert load_or_create(path) == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
