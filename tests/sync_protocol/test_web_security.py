"""The pages' CSRF, origin, redirect and cookie rules."""

from __future__ import annotations

from sync_protocol import web_security as ws

KEY = b"k" * 32


def test_the_token_for_the_seed_is_accepted() -> None:
    seed = ws.new_seed()
    assert ws.csrf_ok(KEY, seed, ws.csrf_token(KEY, seed))


def test_a_token_for_another_seed_is_refused() -> None:
    assert not ws.csrf_ok(KEY, ws.new_seed(), ws.csrf_token(KEY, ws.new_seed()))


def test_a_token_made_with_another_key_is_refused() -> None:
    seed = ws.new_seed()
    assert not ws.csrf_ok(KEY, seed, ws.csrf_token(b"x" * 32, seed))


def test_a_missing_seed_or_token_is_refused() -> None:
    seed = ws.new_seed()
    assert not ws.csrf_ok(KEY, None, ws.csrf_token(KEY, seed))
    assert not ws.csrf_ok(KEY, seed, None)
    assert not ws.csrf_ok(KEY, seed, "")


def test_a_cross_site_origin_is_refused_and_the_own_host_accepted() -> None:
    assert ws.origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert ws.origin_ok(None, "127.0.0.1:8080")
    assert not ws.origin_ok("http://evil.example", "127.0.0.1:8080")
    assert not ws.origin_ok("null", "127.0.0.1:8080")


def test_next_stays_on_this_site() -> None:
    assert ws.safe_next("/search?plate=AB1") == "/search?plate=AB1"
    for hostile in ("https://evil.example/", "//evil.example", "/\\evil.example", "/a\r\nb", None):
        assert ws.safe_next(hostile) == "/"


def test_the_policy_allows_no_inline_script_or_style() -> None:
    assert "unsafe-inline" not in ws.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in ws.CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in ws.CONTENT_SECURITY_POLICY


def test_secure_cookies_take_the_host_prefix_and_plain_http_ones_do_not() -> None:
    assert ws.CookiePolicy(secure=True).name("s") == "__Host-s"
    assert ws.CookiePolicy(secure=False).name("s") == "s"
    assert ws.CookiePolicy(secure=False).attributes(60)["httponly"] is True
