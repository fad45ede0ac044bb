"""The ingest URL token's path rewrite (``local_node.api.url_tokens``), pure: no server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from local_node.api.url_tokens import UrlTokens, split_url_token, strip_url_token
from local_node.auth import URL_TOKEN_SCOPE
from local_node.credentials import ingest_path

TOKEN = "esu_" + "A1b2-C3d4_" * 4


def http_scope(path: str, raw: bytes | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode() if raw is None else raw,
        "query_string": b"",
        "root_path": "",
    }


@pytest.mark.parametrize("vendor", ["platerecognizer", "openalpr", "hikvision", "any-new_one"])
def test_any_ingest_route_splits_into_its_path_and_token(vendor: str):
    assert split_url_token(f"/api/v1/ingest/{vendor}/k/{TOKEN}") == (
        f"/api/v1/ingest/{vendor}",
        TOKEN,
    )


def test_a_trailing_slash_after_the_token_is_not_part_of_it():
    assert split_url_token(f"/api/v1/ingest/axis/k/{TOKEN}/") == ("/api/v1/ingest/axis", TOKEN)


def test_a_root_path_in_front_is_kept():
    assert split_url_token(f"/site/api/v1/ingest/axis/k/{TOKEN}") == (
        "/site/api/v1/ingest/axis",
        TOKEN,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ingest/platerecognizer",
        "/api/v1/ingest/platerecognizer/k/",
        f"/api/v1/ingest/k/{TOKEN}",
        f"/api/v1/ingest/platerecognizer/k/{TOKEN}/more",
        f"/api/v1/detections/k/{TOKEN}",
        f"/api/v1/status/k/{TOKEN}",
    ],
)
def test_other_paths_are_not_token_paths(path: str):
    assert split_url_token(path) is None


def test_strip_rewrites_path_and_raw_path_in_place_and_keeps_the_token():
    scope = http_scope(ingest_path("platerecognizer", TOKEN))
    strip_url_token(scope)
    assert scope["path"] == "/api/v1/ingest/platerecognizer"
    assert scope["raw_path"] == b"/api/v1/ingest/platerecognizer"
    assert scope[URL_TOKEN_SCOPE] == TOKEN


def test_strip_rebuilds_a_raw_path_written_with_escapes():
    scope = http_scope(
        f"/api/v1/ingest/openalpr/k/{TOKEN}", raw=f"/api/v1/ingest/open%61lpr%2Fk/{TOKEN}".encode()
    )
    strip_url_token(scope)
    assert scope["raw_path"] == b"/api/v1/ingest/openalpr"
    assert TOKEN.encode() not in scope["raw_path"]


def test_strip_leaves_a_path_without_a_token_alone():
    scope = http_scope("/api/v1/ingest/openalpr")
    strip_url_token(scope)
    assert scope == http_scope("/api/v1/ingest/openalpr")


def test_the_middleware_hands_the_app_the_same_scope_rewritten():
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = http_scope(ingest_path("survision", TOKEN))
    asyncio.run(UrlTokens(app)(scope, None, None))  # type: ignore[arg-type]
    assert seen[0] is scope  # in place: uvicorn's access log reads this very dict
    assert scope["path"] == "/api/v1/ingest/survision" and scope[URL_TOKEN_SCOPE] == TOKEN
