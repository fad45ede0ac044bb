"""The cloud's settings in groups: every documented flat variable still lands in its group field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from cloud_plane.config import CloudSettings
from sync_protocol.grouped_settings import flat_settings

# Every variable the flat CloudSettings documented before the groups: (name, env value, path, value)
DOCUMENTED: list[tuple[str, str, str, Any]] = [
    ("DATA_DIR", "/srv/cloud", "data_dir", Path("/srv/cloud")),
    ("DATABASE_URL", "sqlite:///c.db", "database_url", "sqlite:///c.db"),
    ("STORE", "dynamodb", "store", "dynamodb"),
    ("TABLE", "edgesync", "table", "edgesync"),
    ("DETECTION_RETENTION_DAYS", "90", "detection_retention_days", 90),
    (
        "SECRETS_ARN",
        "arn:aws:secretsmanager:eu-west-1:1:secret:m",
        "secrets_arn",
        "arn:aws:secretsmanager:eu-west-1:1:secret:m",
    ),
    ("SYNC_PUSH_INTERVAL_S", "5", "sync_push_interval_s", 5),
    ("DELIVERY_QUEUE_URL", "https://sqs/q", "delivery_queue_url", "https://sqs/q"),
    ("DELIVERY_DLQ_URL", "https://sqs/dlq", "delivery_dlq_url", "https://sqs/dlq"),
    ("COGNITO_JWKS_URL", "https://idp/jwks.json", "cognito_jwks_url", "https://idp/jwks.json"),
    ("AUTH", "cognito", "auth", "cognito"),
    ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123", "cognito_user_pool_id", "eu-west-1_AbC123"),
    ("COGNITO_CLIENT_ID", "client-1", "cognito_client_id", "client-1"),
    ("AWS_REGION", "eu-west-1", "aws_region", "eu-west-1"),
    ("HOST", "0.0.0.0", "host", "0.0.0.0"),
    ("PORT", "8191", "port", 8191),
    ("REQUEST_TIMEOUT_S", "12", "request_timeout_s", 12),
    ("MAX_CONNECTIONS", "50", "max_connections", 50),
    ("PUBLIC_URL", "https://sync.example.com", "public_url", "https://sync.example.com"),
    ("TOKEN_TTL_S", "600", "token_ttl_s", 600),
    ("ENROLLMENT_CODE_TTL_S", "7200", "enrollment_code_ttl_s", 7200),
    ("HOTLIST_SNAPSHOT_THRESHOLD", "50", "hotlist_snapshot_threshold", 50),
    ("HOTLIST_TOMBSTONE_RETENTION_DAYS", "7", "hotlist_tombstone_retention_days", 7),
    ("HOTLIST_LOOKBACK_DAYS", "14", "hotlist_lookback_days", 14),
    ("HOTLIST_LOOKBACK_INTERVAL_S", "5", "hotlist_lookback_interval_s", 5),
    ("MAX_REQUEST_BYTES", "4096", "max_request_bytes", 4096),
    ("LOGIN_MAX_FAILURES", "3", "login_max_failures", 3),
    ("LOGIN_WINDOW_S", "60", "login_window_s", 60),
    ("LOGIN_ADDRESS_MAX_DELAY_S", "600", "login_address_max_delay_s", 600),
    ("LOGIN_USER_MAX_DELAY_S", "10", "login_user_max_delay_s", 10),
    ("TRUSTED_PROXIES", "10.0.0.0/16,127.0.0.1", "trusted_proxies", "10.0.0.0/16,127.0.0.1"),
    ("METRICS_PUBLIC", "true", "metrics_public", True),
    ("WEB_SECRET", "k" * 32, "web_secret", "k" * 32),
    ("WEB_COOKIE_SECURE", "never", "web_cookie_secure", "never"),
    ("ALERT_SMS", "sns", "alerts.sms", "sns"),
    ("ALERT_EMAIL", "smtp", "alerts.email", "smtp"),
    ("ALERT_WEBHOOKS", "false", "alerts.webhooks", False),
    ("ALERT_FILE_PATH", "/srv/alerts.jsonl", "alerts.file_path", Path("/srv/alerts.jsonl")),
    ("ALERT_SNS_SENDER_ID", "EDGESYNC", "alerts.sns_sender_id", "EDGESYNC"),
    ("ALERT_SES_FROM", "alerts@example.com", "alerts.ses_from", "alerts@example.com"),
    ("ALERT_SES_CONFIGURATION_SET", "bounces", "alerts.ses_configuration_set", "bounces"),
    ("ALERT_TIMEZONE", "Europe/London", "alerts.timezone", "Europe/London"),
    ("ALERT_GROUP_WINDOW_S", "60", "alerts.group_window_s", 60),
    ("ALERT_MAX_ATTEMPTS", "3", "alerts.max_attempts", 3),
    ("ALERT_RETRY_BASE_S", "1.5", "alerts.retry_base_s", 1.5),
    ("ALERT_RETRY_CAP_S", "30", "alerts.retry_cap_s", 30),
    ("ALERT_LEASE_S", "20", "alerts.lease_s", 20),
    ("ALERT_SENDERS", "4", "alerts.senders", 4),
    ("ALERT_POLL_S", "0.5", "alerts.poll_s", 0.5),
    ("ALERT_RECIPIENT_RATE_PER_MINUTE", "10", "alerts.recipient_rate_per_minute", 10),
    ("ALERT_CHANNEL_RATE_PER_MINUTE", "100", "alerts.channel_rate_per_minute", 100),
    ("ALERT_RESOLUTION_SETTLE_S", "45", "alerts.resolution_settle_s", 45),
    ("ALERT_ESCALATE_AFTER_S", "120", "alerts.escalate_after_s", 120),
    ("ALERT_ESCALATE_MIN_PRIORITY", "90", "alerts.escalate_min_priority", 90),
    ("ALERT_WORKER", "false", "alerts.worker", False),
    ("SMTP_HOST", "smtp.example.com", "smtp.host", "smtp.example.com"),
    ("SMTP_PORT", "465", "smtp.port", 465),
    ("SMTP_USERNAME", "cloud", "smtp.username", "cloud"),
    ("SMTP_PASSWORD", "smtp-pass-123", "smtp.password", "smtp-pass-123"),
    ("SMTP_SECURITY", "tls", "smtp.security", "tls"),
    ("SMTP_FROM", "alerts@example.com", "smtp.from_address", "alerts@example.com"),
    ("HEALTH_INTERVAL_S", "10", "health.interval_s", 10),
    ("OFFLINE_AFTER_S", "90", "health.offline_after_s", 90),
    ("CAMERA_SILENT_AFTER_S", "600", "health.camera_silent_after_s", 600),
    ("CAMERA_EXPECTED_HOURS", "06:00-22:00", "health.camera_expected_hours", "06:00-22:00"),
    ("DISK_FULL_RATIO", "0.8", "health.disk_full_ratio", 0.8),
    ("BACKLOG_AGE_S", "300", "health.backlog_age_s", 300),
    ("BACKLOG_GROWTH_S", "2400", "health.backlog_growth_s", 2400),
    ("BACKLOG_GROWTH_MIN", "50", "health.backlog_growth_min", 50),
    ("BACKLOG_COUNT", "1000", "health.backlog_count", 1000),
    ("CLOCK_SKEW_S", "30", "health.clock_skew_s", 30),
    ("IMAGES_KEEP_S", "3600", "images.keep_s", 3600),
    ("IMAGES_UPLOAD_HITS", "true", "images.upload_hits", True),
    ("IMAGES_MAX_BYTES", "4096", "images.max_bytes", 4096),
    ("IMAGES_OFFLINE_AFTER_S", "30", "images.offline_after_s", 30),
    ("IMAGES_PICKUP_S", "20", "images.pickup_s", 20),
    ("IMAGES_RESEND_AFTER_S", "5", "images.resend_after_s", 5),
    ("IMAGES_BUCKET", "evidence", "images.bucket", "evidence"),
    ("IMAGES_URL_TTL_S", "120", "images.url_ttl_s", 120),
    ("IMAGES_POLL_INTERVAL_S", "0", "images.poll_interval_s", 0),
]


def read(settings: CloudSettings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def test_every_documented_variable_lands_in_its_group_field(monkeypatch: pytest.MonkeyPatch):
    for name, raw, _, _ in DOCUMENTED:
        monkeypatch.setenv(f"EDGESYNC_CLOUD_{name}", raw)

    settings = CloudSettings()

    assert {path: read(settings, path) for _, _, path, _ in DOCUMENTED} == {
        path: value for _, _, path, value in DOCUMENTED
    }


def test_the_region_is_also_read_from_aws_region(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("EDGESYNC_CLOUD_AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-2")

    assert CloudSettings().aws_region == "us-east-2"


def test_the_flat_names_still_work_as_constructor_keywords():
    given = {name.lower(): value for name, _, _, value in DOCUMENTED}

    settings = CloudSettings(**given)

    assert all(read(settings, path) == value for _, _, path, value in DOCUMENTED)


def test_the_flat_names_are_exactly_the_documented_ones():
    secrets_ = {"secret_key": ("secret_key",)}  # a SecretStr: compared in the test below
    assert flat_settings(CloudSettings) == secrets_ | {
        name.lower(): tuple(path.split(".")) for name, _, path, _ in DOCUMENTED
    }


def test_the_store_secret_key_stays_hidden(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDGESYNC_CLOUD_SECRET_KEY", "fernet-key-material")

    settings = CloudSettings()

    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "fernet-key-material"
    assert "fernet-key-material" not in repr(settings) + str(settings.model_dump())


def test_secrets_stay_hidden_in_their_group(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDGESYNC_CLOUD_SMTP_PASSWORD", "smtp-pass-123")

    settings = CloudSettings()

    assert isinstance(settings.smtp.password, SecretStr)
    assert "smtp-pass-123" not in repr(settings) + str(settings.model_dump())


@pytest.mark.parametrize("given", [{"alert_bogus": 1}, {"bogus": 1}, {"health": {"bogus": 1}}])
def test_an_unknown_setting_is_refused(given: dict):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        CloudSettings(**given)


def test_every_group_field_is_described():
    groups = [f.annotation for f in CloudSettings.model_fields.values()]
    fields = [f for g in groups if hasattr(g, "model_fields") for f in g.model_fields.values()]
    assert len(fields) >= 34 and all(f.description for f in fields)


def test_a_dynamodb_cloud_asks_nodes_for_fewer_fuller_batches():
    assert CloudSettings(store="dynamodb").resolved_push_interval_s == 5
    assert CloudSettings(store="dynamodb", sync_push_interval_s=2).resolved_push_interval_s == 2
    assert CloudSettings(store="sql").resolved_push_interval_s is None


def test_an_unknown_alert_timezone_is_refused_naming_it():
    with pytest.raises(ValidationError, match="Europe/Berlln"):
        CloudSettings(alert_timezone="Europe/Berlln")
    assert CloudSettings(alert_timezone="Asia/Tokyo").alerts.timezone == "Asia/Tokyo"
