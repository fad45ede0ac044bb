"""Which of the cloud's routes take a staff bearer token, which are the nodes' signed ones.

An API gateway in front of the cloud (the CDK stack's HTTP API) puts a JWT authorizer on
the staff API and none on the node routes, whose HMAC signatures only the app can check,
nor on the dashboard's pages, whose session is a cookie the app verifies. These constants
are that map; ``tests/cloud_plane/api/test_surface.py`` holds them to the app's real
routes, so a new staff router that is not listed here fails a test instead of going
unguarded at the gateway.
"""

from __future__ import annotations

# Every route under these prefixes requires ``Authorization: Bearer <staff token>``.
STAFF_API_PREFIXES: tuple[str, ...] = (
    "/api/v1/alerts",
    "/api/v1/audit",
    "/api/v1/detections",
    "/api/v1/hits",
    "/api/v1/hotlist",
    "/api/v1/recipients",
    "/api/v1/sites",
    "/api/v1/status",
    "/api/v1/users",
)

# The nodes' routes: signed with the site's key (enrol: with the one-time code).
NODE_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/sync/v1/enroll"),
    ("POST", "/sync/v1/exchange"),
    # Images on demand (issue 14): the upload, "no image here", and the idle node's poll.
    ("PUT", "/sync/v1/images/{request_id}"),
    ("POST", "/sync/v1/images/{request_id}/missing"),
    ("POST", "/sync/v1/commands"),
)


def is_staff_path(path: str) -> bool:
    """Whether ``path`` lies under one of the staff API prefixes."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_API_PREFIXES)
