"""Error bodies echo at most a capped piece of what the client sent, in one documented shape."""

from __future__ import annotations

from sync_protocol.error_text import ECHO_LIMIT, public_detail
from tests.local_node.conftest import RunningNode

LONG = "A" * 5000


def test_a_404_echoes_a_capped_id(node: RunningNode) -> None:
    with node.admin() as admin:
        response = admin.get(f"/api/v1/detections/{LONG}")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "A" * (ECHO_LIMIT + 1) not in detail and "A" * ECHO_LIMIT + "…" in detail


def test_pydantic_input_and_links_never_reach_a_message() -> None:
    text = (
        "invalid X: 1 validation error for X\ncode\n  String should have at least 6 characters "
        "[type=string_too_short, input_value='abc', input_type=str]\n"
        "    For further information visit https://errors.pydantic.dev/2.14/v/string_too_short"
    )
    detail = public_detail(text)
    assert "input_value" not in detail and "pydantic.dev" not in detail
    assert detail.endswith("[type=string_too_short]")
