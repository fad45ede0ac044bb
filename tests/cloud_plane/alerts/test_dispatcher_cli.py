"""`edgesync cloud dispatcher --once`: sends what is due through the configured (file) channel."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cloud_plane.cli import cloud
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


def test_dispatcher_once_delivers_due_alerts_to_the_file_channel(
    tmp_path: Path, database_url: str
) -> None:
    store = SqlStore.open(database_url)
    try:
        a = Alerting(store=store, clock=Clock(), channels={"email": ScriptedChannel()})
        a.recipient("duty", ("email",))
        raised = a.hit()
    finally:
        store.meta.close()
    result = CliRunner().invoke(
        cloud, ["dispatcher", "--once", "--data-dir", str(tmp_path), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "attempts 1" in result.output
    [line] = (tmp_path / "alerts" / "messages.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["delivery"]["alert_id"] == raised.alert.alert_id
    assert record["delivery"]["channel"] == "email" and "AB12CDE" in record["email"]["subject"]
