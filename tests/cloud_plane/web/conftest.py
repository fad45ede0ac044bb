"""A browser-like HTTP client for the dashboard: cookies kept, CSRF token read from the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from sync_protocol.passwords import hash_password
from tests.cloud_plane.conftest import RunningCloud

PASSWORD = "web-password-123"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class Browser:
    """An httpx client that behaves like a browser tab on the dashboard."""

    http: httpx.Client
    csrf: str = ""

    def get(self, path: str, **kw) -> httpx.Response:
        r = self.http.get(path, **kw)
        if m := TOKEN.search(r.text):
            self.csrf = m.group(1)
        return r

    def post(
        self, path: str, data: dict | None = None, *, csrf: bool = True, **kw
    ) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.http.post(path, data=form, **kw)

    def sign_in(self, username: str, password: str = PASSWORD, next: str = "/") -> httpx.Response:
        self.get("/sign-in")
        return self.post("/sign-in", {"username": username, "password": password, "next": next})


def make_user(
    cloud: RunningCloud,
    role: str = "admin",
    sites: list[str] | None = None,
    name: str | None = None,
) -> str:
    """A staff user with PASSWORD; returns the username."""
    import secrets

    name = name or f"{role}-{secrets.token_hex(3)}@example.com"
    cloud.store.users.create_user(
        name,
        hash_password(PASSWORD),
        role,
        sites or [],
        now=cloud.clock(),  # type: ignore[arg-type]
    )
    return name


@pytest.fixture
def browser(cloud: RunningCloud):
    """A fresh tab (no cookies) factory on the test cloud."""
    clients: list[httpx.Client] = []

    def make() -> Browser:
        client = httpx.Client(base_url=cloud.url, timeout=30, follow_redirects=False)
        clients.append(client)
        return Browser(client)

    yield make
    for c in clients:
        c.close()


def signed_in(
    browser, cloud: RunningCloud, role: str = "admin", sites: list[str] | None = None
) -> Browser:
    """A tab signed in as a new user of ``role``."""
    tab = browser()
    r = tab.sign_in(make_user(cloud, role, sites))
    assert r.status_code == 303, r.text
    return tab


from tests.cloud_plane.cognito_pool import cognito_cloud, cognito_pool  # noqa: E402

__all__ = ["Browser", "cognito_cloud", "cognito_pool", "make_user", "signed_in"]
