"""`edgesync cloud sites ...` and the manager-needs-sites rule of `create-user`/`set-role`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cloud_plane.cli import cloud


def _run(args: list[str], data_dir: Path, database_url: str):
    return CliRunner().invoke(
        cloud, [*args, "--data-dir", str(data_dir), "--database-url", database_url]
    )


def _json(args: list[str], data_dir: Path, database_url: str) -> dict:
    result = _run([*args, "--json"], data_dir, database_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sites_list_prints_one_json_object(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    [site] = _json(["sites", "list"], tmp_path, database_url)["sites"]
    assert site["site_id"] == made["site_id"] and site["name"] == "North"
    assert site["status"] == "waiting" and site["enrolled_at"] is None
    assert site["last_heartbeat_at"] is None and site["archived_at"] is None


def test_create_site_refuses_a_duplicate_name(tmp_path: Path, database_url: str) -> None:
    _run(["create-site", "North"], tmp_path, database_url)
    again = _run(["create-site", "North"], tmp_path, database_url)
    assert again.exit_code != 0 and "already named 'North'" in again.stderr


def test_sites_rename(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    out = _json(["sites", "rename", made["site_id"], "North gate"], tmp_path, database_url)
    assert out["name"] == "North gate"


def test_sites_new_code_prints_a_new_code(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    out = _json(["sites", "new-code", made["site_id"]], tmp_path, database_url)
    assert out["site_id"] == made["site_id"]
    assert out["enrollment_code"] and out["enrollment_code"] != made["enrollment_code"]


def test_sites_archive_deletes_a_site_that_never_enrolled(
    tmp_path: Path, database_url: str
) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    out = _json(["sites", "archive", made["site_id"]], tmp_path, database_url)
    assert out == {"site_id": made["site_id"], "status": "deleted"}
    assert _json(["sites", "list"], tmp_path, database_url)["sites"] == []


def test_sites_commands_on_an_unknown_site_fail_with_a_message(
    tmp_path: Path, database_url: str
) -> None:
    for args in (["rename", "nope", "X"], ["new-code", "nope"], ["archive", "nope"]):
        result = _run(["sites", *args], tmp_path, database_url)
        assert result.exit_code != 0 and "no site 'nope'" in result.stderr


def test_a_manager_without_sites_is_refused_by_create_user(
    tmp_path: Path, database_url: str
) -> None:
    result = _run(["create-user", "m@example.com", "--role", "manager"], tmp_path, database_url)
    assert result.exit_code != 0 and "a manager needs at least one site" in result.stderr


def test_a_manager_without_sites_is_refused_by_set_role(tmp_path: Path, database_url: str) -> None:
    _run(["create-user", "a@example.com", "--role", "admin"], tmp_path, database_url)
    args = ["users", "set-role", "a@example.com", "--role", "manager"]
    result = _run(args, tmp_path, database_url)
    assert result.exit_code != 0 and "a manager needs at least one site" in result.stderr


def test_create_site_with_a_timezone_keeps_it(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "Tokyo", "--timezone", "Asia/Tokyo"], tmp_path, database_url)
    [site] = _json(["sites", "list"], tmp_path, database_url)["sites"]
    assert site["site_id"] == made["site_id"] and site["timezone"] == "Asia/Tokyo"


def test_create_site_refuses_an_unknown_timezone_naming_it(
    tmp_path: Path, database_url: str
) -> None:
    result = _run(["create-site", "North", "--timezone", "Europe/Berlln"], tmp_path, database_url)
    assert result.exit_code == 1 and "unknown time zone 'Europe/Berlln'" in result.stderr
    assert _json(["sites", "list"], tmp_path, database_url)["sites"] == []


def test_sites_set_timezone_changes_and_clears_the_zone(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    out = _json(["sites", "set-timezone", made["site_id"], "Europe/Berlin"], tmp_path, database_url)
    assert out["timezone"] == "Europe/Berlin"
    cleared = _json(["sites", "set-timezone", made["site_id"], "--clear"], tmp_path, database_url)
    assert cleared["timezone"] is None


def test_sites_set_timezone_refuses_an_unknown_zone(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    result = _run(
        ["sites", "set-timezone", made["site_id"], "Mars/Olympus"], tmp_path, database_url
    )
    assert result.exit_code == 1 and "Mars/Olympus" in result.stderr


def test_sites_set_timezone_needs_a_zone_or_clear(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    result = _run(["sites", "set-timezone", made["site_id"]], tmp_path, database_url)
    assert result.exit_code == 1 and "--clear" in result.stderr


def test_sites_set_retention_sets_days_and_back_to_default(
    tmp_path: Path, database_url: str
) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    out = _json(["sites", "set-retention", made["site_id"], "14"], tmp_path, database_url)
    assert out["read_retention_days"] == 14
    [listed] = _json(["sites", "list"], tmp_path, database_url)["sites"]
    assert listed["read_retention_days"] == 14
    back = _json(["sites", "set-retention", made["site_id"], "default"], tmp_path, database_url)
    assert back["read_retention_days"] is None


def test_sites_set_retention_refuses_days_out_of_bounds(tmp_path: Path, database_url: str) -> None:
    made = _json(["create-site", "North"], tmp_path, database_url)
    for days in ("0", "3651", "forever"):
        result = _run(["sites", "set-retention", made["site_id"], days], tmp_path, database_url)
        assert result.exit_code == 1 and "DAYS" in result.stderr and "3650" in result.stderr
