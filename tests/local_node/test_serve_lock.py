"""When several `node serve` may share a data dir: only a full-cloud node (S3 + a server DB)."""

from __future__ import annotations

import pytest

from local_node.serve_lock import several_servers_allowed

PG = "postgresql+psycopg://edgesync@db:5432/edgesync"


def test_the_full_cloud_api_tasks_share_one_data_dir():
    assert several_servers_allowed(images_in_s3=True, database_url=PG)


@pytest.mark.parametrize(
    ("images_in_s3", "database_url"),
    [
        (False, PG),  # a folder store: a second start-up would delete images in flight
        (True, "sqlite:////data/node.db"),  # two writers on one SQLite file over a shared disk
        (False, "sqlite:////data/node.db"),
    ],
)
def test_any_other_node_keeps_one_server_per_data_dir(images_in_s3, database_url):
    assert not several_servers_allowed(images_in_s3=images_in_s3, database_url=database_url)
