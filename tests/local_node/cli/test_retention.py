"""`edgesync node retention runs`: the retention job's deletion runs, newest first."""

from __future__ import annotations

import json

from click.testing import CliRunner

from edgesync.cli import main
from local_node.retention import Retention
from tests.local_node.conftest import RunningNode
from tests.local_node.web.conftest import post_read


def runs_json(node: RunningNode) -> list[dict]:
    args = ["node", "retention", "runs", "--json", "--database-url"]
    args += [node.settings.resolved_database_url, "--data-dir", str(node.settings.data_dir)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["runs"]


def test_runs_lists_what_each_run_deleted(node_factory):
    node = node_factory(image_retention_days=7)
    post_read(node, "AB12CDE")
    node.clock.advance(days=8)
    s = node.services
    Retention(engine=s.engine, images=s.images, settings=s.settings.retention, clock=s.clock).run()
    [run] = runs_json(node)
    assert run["images_pruned"] == 1 and run["rows_deleted"] == 0
    assert run["image_cutoff"] is not None
