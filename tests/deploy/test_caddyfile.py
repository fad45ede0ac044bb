"""deploy/caddy/Caddyfile: HTTPS for browsers, and a plain-HTTP port that serves the cameras'
ingest endpoints and nothing else, checked against the node's real routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest
from fastapi.routing import APIRoute

from local_node.config import NodeSettings
from local_node.deps import camera_auth
from local_node.main import create_app
from tests.deploy.conftest import CaddyNode

CAMERA_PORT = "http://:8081"


def site(caddy: list[CaddyNode], address: str) -> CaddyNode:
    """The one site block whose address is ``address``."""
    (block,) = [node for node in caddy if node.args == [address]]
    return block


def camera_matcher(caddy: list[CaddyNode]) -> tuple[set[str], list[str]]:
    """(methods, path patterns) of the named matcher the camera port proxies."""
    camera = site(caddy, CAMERA_PORT)
    (proxied,) = [h for h in camera.find("handle") if h.find("reverse_proxy")]
    (name,) = proxied.args[1:]
    (matcher,) = camera.find(name)
    (method,) = matcher.find("method")
    (path,) = matcher.find("path")
    return set(method.args[1:]), path.args[1:]


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def routes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, bool]]:
    """(method, path, needs a camera key) of every route of the node's app.

    FastAPI 0.165 keeps an included router's routes behind an ``_IncludedRouter`` that yields
    them as contexts (as in tests/cloud_plane/api/test_surface.py).
    """
    app = create_app(NodeSettings(data_dir=tmp_path_factory.mktemp("node")), run_jobs=False)
    found: list[tuple[str, str, bool]] = []
    for route in app.routes:
        contexts: list[Any] = [route] if isinstance(route, APIRoute) else []
        if hasattr(route, "effective_route_contexts"):
            contexts = [c for c in route.effective_route_contexts() if c.methods]
        for context in contexts:
            camera = camera_auth in set(_calls(context.dependant))
            found += [(method, context.path, camera) for method in context.methods]
        if not contexts and hasattr(route, "path"):
            found.append(("GET", route.path, False))
    return found


@pytest.fixture(scope="module")
def node_routes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, bool]]:
    return routes(tmp_path_factory)


def served_on_the_camera_port(caddy: list[CaddyNode], method: str, path: str) -> bool:
    """Whether the camera port's matcher lets ``method path`` through to the node."""
    methods, patterns = camera_matcher(caddy)
    # A path parameter stands for any one segment, as a camera could send it.
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    return method in methods and any(fnmatchcase(concrete, p) for p in patterns)


def test_every_camera_endpoint_of_the_node_is_served_on_the_camera_port(
    caddy: list[CaddyNode], node_routes: list[tuple[str, str, bool]]
):
    camera_routes = [(m, p) for m, p, camera in node_routes if camera]
    assert camera_routes, "no route of the node takes a camera key"
    assert [r for r in camera_routes if not served_on_the_camera_port(caddy, *r)] == []


def test_no_other_endpoint_of_the_node_is_served_on_the_camera_port(
    caddy: list[CaddyNode], node_routes: list[tuple[str, str, bool]]
):
    others = [(m, p) for m, p, camera in node_routes if not camera]
    assert ("GET", "/api/v1/detections") in others  # the reading API stays off this port
    assert [r for r in others if served_on_the_camera_port(caddy, *r)] == []


def test_the_camera_port_answers_anything_else_with_404(caddy: list[CaddyNode]):
    camera = site(caddy, CAMERA_PORT)
    (fallback,) = [h for h in camera.find("handle") if len(h.args) == 1]
    assert [n.args for n in fallback.block] == [["respond", "not a camera endpoint", "404"]]
    assert [n.args[0] for n in camera.block] == ["@camera", "handle", "handle"]


def test_the_camera_port_speaks_plain_http_only(caddy: list[CaddyNode]):
    assert site(caddy, CAMERA_PORT).find("tls") == []


def test_browsers_get_tls_on_the_site_address_from_the_environment(caddy: list[CaddyNode]):
    browsers = site(caddy, "{$SITE_ADDRESS}")
    assert [n.args for n in browsers.find("tls")] == [["tls", "{$TLS:internal}"]]
    assert [n.args for n in browsers.find("reverse_proxy")] == [["reverse_proxy", "node:8080"]]


def test_http_is_not_switched_off_for_the_redirect(caddy: list[CaddyNode]):
    """Caddy redirects HTTP to HTTPS unless auto_https is turned off: it must not be."""
    (global_options,) = [node for node in caddy if node.args == []]
    assert global_options.find("auto_https") == []


def test_the_caddyfile_variables_are_set_on_the_proxy(
    caddy: list[CaddyNode], resolved: dict[str, Any]
):
    def tokens(nodes: list[CaddyNode]) -> Iterator[str]:
        for node in nodes:
            yield from node.args
            yield from tokens(node.block)

    used = {m for t in tokens(caddy) for m in re.findall(r"\{\$(\w+)", t)}
    assert used == set(resolved["services"]["proxy"]["environment"])


def test_the_proxy_mounts_this_caddyfile(resolved: dict[str, Any]):
    volumes = resolved["services"]["proxy"]["volumes"]
    sources = {v["target"]: v["source"] for v in volumes}
    assert sources["/etc/caddy/Caddyfile"].endswith("deploy/caddy/Caddyfile")


def test_the_https_site_refuses_camera_ingest_to_tailnet_clients(caddy: list[CaddyNode]):
    """Remote access (docs/operations/remote-access.md) never reaches the camera API."""
    browsers = site(caddy, "{$SITE_ADDRESS}")
    (matcher,) = browsers.find("@remote_ingest")
    assert [n.args for n in matcher.find("remote_ip")] == [["remote_ip", "100.64.0.0/10"]]
    methods, patterns = camera_matcher(caddy)
    (method,) = matcher.find("method")
    (path,) = matcher.find("path")
    assert (set(method.args[1:]), path.args[1:]) == (methods, patterns)
    (refusal,) = browsers.find("respond")
    assert refusal.args[1] == "@remote_ingest" and refusal.args[-1] == "403"
