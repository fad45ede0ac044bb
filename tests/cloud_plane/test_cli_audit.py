"""`edgesync cloud audit list|export`, and CLI changes recorded with the actor ``cli``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from cloud_plane.cli import cloud


def _run(args: list[str], data_dir: Path, database_url: str):
    result = CliRunner().invoke(
        cloud, [*args, "--data-dir", str(data_dir), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    return result


def test_cli_changes_are_listed_as_the_cli_actors(tmp_path: Path, database_url: str) -> None:
    _run(["create-site", "North"], tmp_path, database_url)
    _run(["create-user", "ann@example.com", "--role", "admin"], tmp_path, database_url)
    out = _run(["audit", "list", "--json"], tmp_path, database_url).stdout
    entries = [json.loads(line) for line in out.splitlines()]
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("cli", "user.create"),
        ("cli", "key.create"),
    ]


def test_audit_list_filters_by_action(tmp_path: Path, database_url: str) -> None:
    _run(["create-site", "North"], tmp_path, database_url)
    _run(["create-user", "ann@example.com", "--role", "admin"], tmp_path, database_url)
    out = _run(["audit", "list", "--action", "key.create"], tmp_path, database_url).stdout
    assert "key.create" in out and "user.create" not in out


def test_audit_export_writes_csv_and_is_recorded(tmp_path: Path, database_url: str) -> None:
    _run(["create-site", "North"], tmp_path, database_url)
    target = tmp_path / "audit.csv"
    args = ["audit", "export", "--format", "csv", "--action", "key.create", "--out", str(target)]
    _run(args, tmp_path, database_url)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["actor"], r["action"]) for r in rows] == [("cli", "key.create")]
    listed = _run(["audit", "list", "--action", "audit.export"], tmp_path, database_url).stdout
    assert "audit.export" in listed


def test_audit_export_since_a_later_time_is_empty_jsonl(tmp_path: Path, database_url: str) -> None:
    _run(["create-site", "North"], tmp_path, database_url)
    args = ["audit", "export", "--since", "2999-01-01T00:00", "--action", "key.create"]
    assert _run(args, tmp_path, database_url).stdout == ""


def test_a_bad_time_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cloud, ["audit", "list", "--since", "yesterday"])
    assert result.exit_code == 2 and "--since" in result.output
