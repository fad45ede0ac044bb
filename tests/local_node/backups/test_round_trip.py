"""Backup → verify → restore round trips, on SQLite and on PostgreSQL (real pg_dump/pg_restore)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from edgesync.cli import main
from local_node.backups.dump import url_schema
from local_node.backups.job import run_backup
from local_node.backups.manifest import read_manifest
from local_node.db.engine import make_engine
from tests.local_node.backups.conftest import BackupNode, add_reads


def node_cli(node: BackupNode, *args: str):
    return CliRunner().invoke(
        main,
        [
            "node",
            *args,
            "--data-dir",
            str(node.settings.data_dir),
            "--database-url",
            node.settings.resolved_database_url,
        ],
    )


def stream_of(node: BackupNode) -> str:
    with node.engine.connect() as conn:
        return conn.execute(text("SELECT stream_id FROM node_state")).scalar_one()


def lose_database(node: BackupNode) -> None:
    """The node's database is gone: its SQLite file deleted, or its PostgreSQL schema dropped."""
    node.engine.dispose()
    url = make_url(node.settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").unlink()
        return
    admin = make_engine(url.set(query={}))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{url_schema(url)}" CASCADE'))
    admin.dispose()


def test_a_backup_is_verified_and_restores_every_row_into_a_new_stream(
    backup_node: BackupNode,
) -> None:
    old_stream = stream_of(backup_node)
    outcome = run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    assert (outcome.status, outcome.verified) == ("ok", True), outcome.error
    backup = Path(backup_node.settings.backup.destination or "") / (outcome.file or "")
    assert read_manifest(backup).counts["detections"] == 12

    verified = node_cli(backup_node, "backup", "verify", str(backup))
    assert verified.exit_code == 0, verified.output
    assert "row counts match" in verified.output

    lose_database(backup_node)
    restored = node_cli(backup_node, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    backup_node.engine = make_engine(backup_node.settings.resolved_database_url)
    assert backup_node.count("detections") == 12
    assert stream_of(backup_node) != old_stream


def test_a_corrupted_backup_fails_verification_naming_the_checksum(
    backup_node: BackupNode,
) -> None:
    outcome = run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    backup = Path(backup_node.settings.backup.destination or "") / (outcome.file or "")
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    result = node_cli(backup_node, "backup", "verify", str(backup))
    assert result.exit_code != 0
    assert "checksum mismatch" in result.output and "SHA-256" in result.output


def test_verification_names_the_tables_whose_counts_differ(backup_node: BackupNode) -> None:
    outcome = run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    backup = Path(backup_node.settings.backup.destination or "") / (outcome.file or "")
    described = backup.with_name(backup.name + ".manifest.json")
    manifest = json.loads(described.read_text())
    manifest["counts"]["detections"] = 13
    described.write_text(json.dumps(manifest))
    result = node_cli(backup_node, "backup", "verify", str(backup))
    assert result.exit_code != 0
    assert "detections: manifest 13, restored 12" in result.output


def test_restore_refuses_a_database_that_holds_a_node_unless_clean(
    backup_node: BackupNode,
) -> None:
    outcome = run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    backup = Path(backup_node.settings.backup.destination or "") / (outcome.file or "")
    backup_node.engine.dispose()
    if backup_node.settings.resolved_database_url.startswith("sqlite"):
        # SQLite: the file is replaced and the old one kept beside it, as before issue 13.
        result = node_cli(backup_node, "restore", str(backup))
        assert result.exit_code == 0 and "kept as" in result.output
        return
    refused = node_cli(backup_node, "restore", str(backup))
    assert refused.exit_code != 0 and "--clean" in refused.output
    cleaned = node_cli(backup_node, "restore", str(backup), "--clean")
    assert cleaned.exit_code == 0, cleaned.output
    assert backup_node.count("detections") == 12


@pytest.mark.slow  # three backups, each verified, while a camera writes: ~15 s on PostgreSQL
def test_a_backup_taken_while_reads_are_stored_verifies_against_its_own_snapshot(
    backup_node: BackupNode,
) -> None:
    stop = threading.Event()

    def camera() -> None:
        while not stop.is_set():
            add_reads(backup_node.settings, backup_node.engine, 5)

    thread = threading.Thread(target=camera)
    thread.start()
    try:
        outcomes = [
            run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
            for _ in range(3)
        ]
    finally:
        stop.set()
        thread.join()
    assert [o.status for o in outcomes] == ["ok"] * 3, [o.error for o in outcomes]
    assert all(o.verified for o in outcomes)  # the counts are those of the dump's snapshot
