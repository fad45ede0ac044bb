"""The node's hotlist page counts each entry's historical hits and links to their reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from local_node.retro_hits import RetroScanner
from tests.local_node.conftest import RunningNode
from tests.local_node.web.conftest import WebClient, post_read


def test_the_hotlist_page_shows_how_many_past_reads_an_entry_found(
    node: RunningNode, client_for: Callable[..., WebClient]
) -> None:
    post_read(node, "AB12CDE")
    post_read(node, "AB12CDE")
    with node.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/AB12CDE", json={}).status_code == 200
    RetroScanner(node.services.engine, node.clock, timedelta(days=30)).run_once()
    html = client_for("viewer").page("/hotlist").text
    assert 'href="/search?plate=AB12CDE&amp;mode=fuzzy" title="Search these reads">2</a>' in html
