"""Backups to S3 (moto): files and manifests uploaded, rotation deletes there, no bucket fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local_node.backups.destinations import S3Destination
from local_node.backups.job import run_backup
from local_node.backups.manifest import sha256_of
from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from tests.local_node.backups.conftest import StepClock, add_reads


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="site-backups")
        yield client


@pytest.fixture
def sqlite_node(tmp_path: Path):
    settings = NodeSettings(
        data_dir=tmp_path / "node",
        min_free_bytes=0,
        timezone="UTC",
        backup_keep_daily=2,
        backup_keep_weekly=0,
    )
    settings.data_dir.mkdir()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    repo.ensure_state(engine, datetime.now(UTC))
    add_reads(settings, engine, 3)
    yield settings, engine
    engine.dispose()


def keys(s3, prefix: str = "depot/") -> list[str]:
    listed = s3.list_objects_v2(Bucket="site-backups", Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_a_backup_and_its_manifest_land_in_the_bucket_with_their_checksum(
    s3, sqlite_node, tmp_path: Path
) -> None:
    settings, engine = sqlite_node
    dest = S3Destination("site-backups", "depot", s3)
    outcome = run_backup(
        engine, settings, StepClock(datetime(2026, 3, 2, tzinfo=UTC)), destination=dest
    )
    assert outcome.status == "ok", outcome.error
    assert keys(s3) == [f"depot/{outcome.file}", f"depot/{outcome.file}.manifest.json"]
    fetched = tmp_path / "fetched.db"
    dest.fetch(outcome.file or "", fetched)
    head = s3.head_object(
        Bucket="site-backups", Key=f"depot/{outcome.file}", ChecksumMode="ENABLED"
    )
    assert head["ChecksumSHA256"]  # S3 checked the upload against its own SHA-256
    manifest = json.loads(
        s3.get_object(Bucket="site-backups", Key=f"depot/{outcome.file}.manifest.json")[
            "Body"
        ].read()
    )
    assert manifest["sha256"] == sha256_of(fetched)


def test_rotation_deletes_old_backups_in_the_bucket(s3, sqlite_node) -> None:
    settings, engine = sqlite_node
    group = settings.backup.model_copy(update={"destination": "s3://site-backups/depot"})
    settings = settings.model_copy(update={"backup": group})  # as EDGESYNC_NODE_BACKUP_DESTINATION
    clock = StepClock(datetime(2026, 3, 2, 2, 30, tzinfo=UTC))
    files = []
    for _ in range(4):
        files.append(run_backup(engine, settings, clock).file)
        clock.advance(days=1)
    assert keys(s3) == sorted(
        [f"depot/{f}" for f in files[2:]] + [f"depot/{f}.manifest.json" for f in files[2:]]
    )


def test_a_missing_bucket_fails_the_run_with_the_reason(s3, sqlite_node) -> None:
    settings, engine = sqlite_node
    dest = S3Destination("no-such-bucket", "depot", s3)
    outcome = run_backup(
        engine, settings, StepClock(datetime(2026, 3, 2, tzinfo=UTC)), destination=dest
    )
    assert outcome.status == "failed"
    assert "NoSuchBucket" in (outcome.error or "")
