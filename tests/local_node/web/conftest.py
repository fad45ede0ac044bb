"""A real node (uvicorn on loopback) with local users, and a signed-in HTTP client per user."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from local_node import users
from tests.local_node.conftest import RunningNode

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form token on a page."""
    found = _CSRF.search(html)
    assert found, "the page has no form token"
    return found[1]


class WebClient(httpx.Client):
    """A browser-like client: cookies kept, redirects not followed, the page's form token known."""

    csrf: str = ""

    def form(self, url: str, data: dict[str, str] | None = None, **kw) -> httpx.Response:
        """POST a form with the token of the last page seen."""
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def page(self, url: str) -> httpx.Response:
        """GET a page and remember its form token."""
        r = self.get(url)
        if "csrf_token" in r.text:
            self.csrf = csrf_of(r.text)
        return r


def add_user(node: RunningNode, name: str, role: str) -> None:
    users.create_user(node.services.engine, name, role, node.clock(), PASSWORD)


@pytest.fixture
def client_for(node: RunningNode) -> Iterator[Callable[..., WebClient]]:
    """``client_for(role)``: a client signed in as a new user of that role (``None``: not)."""
    made: list[WebClient] = []

    def make(role: str | None = "admin", name: str | None = None) -> WebClient:
        client = WebClient(base_url=node.url, timeout=30)
        made.append(client)
        client.page("/sign-in")
        if role is not None:
            name = name or f"{role}{len(made)}"
            add_user(node, name, role)
            r = client.form("/sign-in", {"username": name, "password": PASSWORD, "next": "/"})
            assert r.status_code == 303, r.text
            client.page("/")
        return client

    yield make
    for client in made:
        client.close()


def post_read(node: RunningNode, plate: str, **fields) -> str:
    """A camera posts a read; its id."""
    import base64

    from tests.local_node.conftest import make_jpeg, now_rfc3339

    body = {"plate": plate, "captured_at": now_rfc3339(), **fields}
    if "image_b64" not in body:
        body["image_b64"] = base64.b64encode(make_jpeg(640, 480)).decode()
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]
