"""/docs works on a LAN without internet: its page and assets are served by the app itself."""

from __future__ import annotations

import re

import httpx

from tests.cloud_plane.conftest import RunningCloud


def test_the_docs_page_references_no_external_host(cloud: RunningCloud) -> None:
    page = httpx.get(f"{cloud.url}/docs")
    assert page.status_code == 200
    # Every src/href/url is a path on this server: no scheme, no protocol-relative host.
    refs = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs)
    assert "http://" not in page.text and "https://" not in page.text


def test_the_docs_assets_are_served_locally(cloud: RunningCloud) -> None:
    page = httpx.get(f"{cloud.url}/docs").text
    paths = re.findall(r"""(?:src|href)=['"](/[^'"]+)['"]""", page)
    assert len(paths) >= 2  # the script and the stylesheet
    for path in paths:
        assert httpx.get(f"{cloud.url}{path}").status_code == 200, path
