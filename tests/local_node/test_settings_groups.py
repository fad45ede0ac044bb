"""The node's settings in groups: every documented flat variable still lands in its group field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from local_node.config import NodeSettings
from sync_protocol.grouped_settings import flat_settings

# Every variable the flat NodeSettings documented before the groups: (name, env value, path, value)
DOCUMENTED: list[tuple[str, str, str, Any]] = [
    ("DATA_DIR", "/srv/node", "data_dir", Path("/srv/node")),
    ("DATABASE_URL", "sqlite:///x.db", "database_url", "sqlite:///x.db"),
    ("DATABASE_SECRET_ARN", "arn:aws:x", "database_secret_arn", "arn:aws:x"),
    ("DATABASE_SECRET_REGION", "eu-west-1", "database_secret_region", "eu-west-1"),
    ("DATABASE_SSLMODE", "verify-ca", "database_sslmode", "verify-ca"),
    ("DATABASE_SSLROOTCERT", "/ca.pem", "database_sslrootcert", Path("/ca.pem")),
    ("HOST", "0.0.0.0", "host", "0.0.0.0"),
    ("PORT", "8181", "port", 8181),
    ("METRICS_PUBLIC", "true", "metrics_public", True),
    ("REQUEST_TIMEOUT_S", "12", "request_timeout_s", 12),
    ("MAX_CONNECTIONS", "50", "max_connections", 50),
    ("FORWARDED_ALLOW_IPS", "10.0.0.0/16", "forwarded_allow_ips", "10.0.0.0/16"),
    ("IMAGE_STORE", "s3://bucket/images", "image_store", "s3://bucket/images"),
    ("IMAGE_STORE_ENDPOINT_URL", "http://minio:9000", "image_store_endpoint_url", "http://minio:9000"),
    ("IMAGE_PUT_CONCURRENCY", "32", "image_put_concurrency", 32),
    ("TIMEZONE", "Europe/Berlin", "timezone", "Europe/Berlin"),
    ("HOTLIST_LOOKBACK_DAYS", "14", "hotlist_lookback_days", 14),
    ("HOTLIST_LOOKBACK_INTERVAL_S", "2", "hotlist_lookback_interval_s", 2),
    ("MAX_BODY_BYTES", "4096", "ingest.max_body_bytes", 4096),
    ("IMAGE_SYNC", "file", "ingest.image_sync", "file"),
    ("COMMIT_BATCH_MAX", "64", "ingest.commit_batch_max", 64),
    ("MAX_PENDING", "100", "ingest.max_pending", 100),
    ("OPENALPR_STORE_FRAMES", "true", "ingest.openalpr_store_frames", True),
    ("CLOCK_SKEW_S", "300", "ingest.clock_skew_s", 300),
    ("DISK_BUDGET_BYTES", "1000000", "retention.disk_budget_bytes", 1_000_000),
    ("MIN_FREE_BYTES", "0", "retention.min_free_bytes", 0),
    ("IMAGE_RETENTION_DAYS", "7", "retention.image_days", 7),
    ("HIT_IMAGE_RETENTION_DAYS", "90", "retention.hit_image_days", 90),
    ("METADATA_RETENTION_DAYS", "100", "retention.metadata_days", 100),
    ("RETENTION_INTERVAL_S", "60", "retention.interval_s", 60),
    ("CLOUD_URL", "https://cloud.example.com", "sync.cloud_url", "https://cloud.example.com"),
    ("SYNC_AGENT", "false", "sync.agent", False),
    ("SYNC_PUSH_INTERVAL_S", "3", "sync.push_interval_s", 3),
    ("SYNC_HEARTBEAT_INTERVAL_S", "40", "sync.heartbeat_interval_s", 40),
    ("SYNC_HOTLIST_INTERVAL_S", "20", "sync.hotlist_interval_s", 20),
    ("SYNC_COMMAND_POLL_S", "0", "sync.command_poll_s", 0),
    ("SYNC_TIMEOUT_S", "5", "sync.timeout_s", 5),
    ("SYNC_BACKOFF_BASE_S", "2", "sync.backoff_base_s", 2),
    ("SYNC_BACKOFF_CAP_S", "60", "sync.backoff_cap_s", 60),
    ("SYNC_BATCH_MAX_RECORDS", "100", "sync.batch_max_records", 100),
    ("SYNC_BATCH_MAX_BYTES", "65536", "sync.batch_max_bytes", 65_536),
    ("MQTT_URL", "mqtt://broker:1883", "mqtt.url", "mqtt://broker:1883"),
    ("MQTT_TOPIC_PREFIX", "site/frigate", "mqtt.topic_prefix", "site/frigate"),
    ("MQTT_CAMERAS", '{"gate_lpr": "gate"}', "mqtt.cameras", {"gate_lpr": "gate"}),
    ("MQTT_DEFAULT_CAMERA", "gate", "mqtt.default_camera", "gate"),
    ("MQTT_EVENTS", "false", "mqtt.events", False),
    ("FALLBACK_AFTER_S", "300", "fallback.after_s", 300),
    ("FALLBACK_MIN_PRIORITY", "50", "fallback.min_priority", 50),
    ("FALLBACK_MAX_AGE_S", "3600", "fallback.max_age_s", 3600),
    ("FALLBACK_SMTP_HOST", "smtp.example.com", "fallback.smtp_host", "smtp.example.com"),
    ("FALLBACK_SMTP_PORT", "2525", "fallback.smtp_port", 2525),
    ("FALLBACK_SMTP_STARTTLS", "false", "fallback.smtp_starttls", False),
    ("FALLBACK_SMTP_USER", "node", "fallback.smtp_user", "node"),
    ("FALLBACK_SMTP_PASSWORD", "smtp-pass-987", "fallback.smtp_password", "smtp-pass-987"),
    ("FALLBACK_EMAIL_FROM", "node@example.com", "fallback.email_from", "node@example.com"),
    ("FALLBACK_EMAIL_TO", '["duty@example.com"]', "fallback.email_to", ["duty@example.com"]),
    ("FALLBACK_WEBHOOK_URL", "https://hooks.example.com/x", "fallback.webhook_url", "https://hooks.example.com/x"),
    ("FALLBACK_WEBHOOK_SECRET", "k" * 16, "fallback.webhook_secret", "k" * 16),
    ("FALLBACK_TIMEOUT_S", "4", "fallback.timeout_s", 4),
    ("WEB_COOKIE_SECURE", "never", "web.cookie_secure", "never"),
    ("WEB_SESSION_IDLE_S", "30m", "web.session_idle_s", 1800),
    ("WEB_SESSION_MAX_S", "2d", "web.session_max_s", 172800),
    ("WORKERS", "3", "workers", 3),
    ("BACKUP_ENABLED", "false", "backup.enabled", False),
    ("BACKUP_DESTINATION", "s3://bucket/site-1", "backup.destination", "s3://bucket/site-1"),
    ("BACKUP_SCHEDULE", "15 3 * * 0", "backup.schedule", "15 3 * * 0"),
    ("BACKUP_KEEP_DAILY", "10", "backup.keep_daily", 10),
    ("BACKUP_KEEP_WEEKLY", "8", "backup.keep_weekly", 8),
    ("BACKUP_VERIFY", "false", "backup.verify", False),
]  # fmt: skip


def read(settings: NodeSettings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def test_every_documented_variable_lands_in_its_group_field(monkeypatch: pytest.MonkeyPatch):
    for name, raw, _, _ in DOCUMENTED:
        monkeypatch.setenv(f"EDGESYNC_NODE_{name}", raw)

    settings = NodeSettings()

    assert {path: read(settings, path) for _, _, path, _ in DOCUMENTED} == {
        path: value for _, _, path, value in DOCUMENTED
    }


def test_the_flat_names_still_work_as_constructor_keywords():
    given = {name.lower(): value for name, _, _, value in DOCUMENTED}

    settings = NodeSettings(**given)

    assert all(read(settings, path) == value for _, _, path, value in DOCUMENTED)


def test_the_flat_names_are_exactly_the_documented_ones():
    assert flat_settings(NodeSettings) == {
        name.lower(): tuple(path.split(".")) for name, _, path, _ in DOCUMENTED
    }


def test_a_constructor_keyword_beats_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDGESYNC_NODE_SYNC_PUSH_INTERVAL_S", "9")
    monkeypatch.setenv("EDGESYNC_NODE_SYNC_TIMEOUT_S", "7")

    settings = NodeSettings(sync_push_interval_s=1)

    assert (settings.sync.push_interval_s, settings.sync.timeout_s) == (1, 7)


@pytest.mark.parametrize("given", [{"sync_bogus": 1}, {"bogus": 1}, {"sync": {"bogus": 1}}])
def test_an_unknown_setting_is_refused(given: dict):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        NodeSettings(**given)


def test_every_group_field_is_described():
    groups = [f.annotation for f in NodeSettings.model_fields.values()]
    fields = [f for g in groups if hasattr(g, "model_fields") for f in g.model_fields.values()]
    assert len(fields) >= 38 and all(f.description for f in fields)
    assert all(f.description for f in NodeSettings.model_fields.values())
