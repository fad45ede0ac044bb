"""The gateway map (cloud_plane.api.surface) against the app's real routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from cloud_plane.api.surface import NODE_ROUTES, STAFF_API_PREFIXES, is_staff_path
from cloud_plane.config import CloudSettings
from cloud_plane.deps import staff_auth
from cloud_plane.main import create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data_dir: Path = tmp_path_factory.mktemp("surface")
    built = create_app(CloudSettings(data_dir=data_dir, alert_worker=False))
    yield built
    built.state.services.close()


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _routes(app: FastAPI) -> list[Any]:
    """Every API route with its path, methods and dependant (FastAPI 0.165 keeps an included
    router's routes behind an ``_IncludedRouter`` that yields them as contexts)."""
    found: list[Any] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_route_contexts"):
            found.extend(c for c in route.effective_route_contexts() if c.methods)
    return found


def _needs_bearer(route: Any) -> bool:
    return staff_auth in set(_calls(route.dependant))


def test_the_app_has_its_api_routes(app: FastAPI) -> None:
    # Guards the walk above: an empty walk would pass every test below.
    assert len(_routes(app)) > 30


def test_every_route_that_takes_a_bearer_token_is_under_a_staff_prefix(app: FastAPI) -> None:
    stray = [r.path for r in _routes(app) if _needs_bearer(r) and not is_staff_path(r.path)]
    assert stray == []


def test_every_route_under_a_staff_prefix_takes_a_bearer_token(app: FastAPI) -> None:
    # The gateway's authorizer would refuse a tokenless caller the app means to let in.
    open_routes = [r.path for r in _routes(app) if is_staff_path(r.path) and not _needs_bearer(r)]
    assert open_routes == []


def test_every_staff_prefix_has_routes(app: FastAPI) -> None:
    paths = [r.path for r in _routes(app)]
    empty = [
        p for p in STAFF_API_PREFIXES if not any(x == p or x.startswith(p + "/") for x in paths)
    ]
    assert empty == []


def test_node_routes_are_the_sync_routes_and_take_no_bearer_token(app: FastAPI) -> None:
    sync = {
        (method, r.path)
        for r in _routes(app)
        if r.path.startswith("/sync/")
        for method in r.methods
    }
    assert sync == set(NODE_ROUTES)
    assert not any(_needs_bearer(r) for r in _routes(app) if r.path.startswith("/sync/"))


def test_sign_in_and_refresh_are_not_staff_paths() -> None:
    assert not is_staff_path("/api/v1/auth/login")
    assert not is_staff_path("/api/v1/sitesX")
    assert is_staff_path("/api/v1/sites/abc/key")
