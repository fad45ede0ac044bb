"""What each AWS-mode Lambda refuses to start without."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cloud_plane.aws.requirements import ROLES, cloud_env_names, describe, missing
from cloud_plane.aws.runtime import Container
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError


def complete(tmp_path: Path) -> CloudSettings:
    return CloudSettings(
        data_dir=tmp_path,
        store="dynamodb",
        table="edgesync",
        secret_key=Fernet.generate_key().decode(),
        web_secret="w" * 40,
        auth="cognito",
        cognito_user_pool_id="eu-west-1_x",
        cognito_client_id="client",
        delivery_queue_url="https://sqs/q",
        delivery_dlq_url="https://sqs/dlq",
        alert_sms="sns",
        alert_email="ses",
        alert_ses_from="alerts@example.com",
        public_url="https://cloud.example.com",
    )


@pytest.mark.parametrize("role", ROLES)
def test_complete_settings_meet_every_role(tmp_path: Path, role: str) -> None:
    assert missing(complete(tmp_path), role) == []  # type: ignore[arg-type]


def test_the_api_names_what_it_lacks(tmp_path: Path) -> None:
    settings = complete(tmp_path).model_copy(update={"auth": "local", "public_url": None})
    assert describe(missing(settings, "api")) == (
        "EDGESYNC_CLOUD_AUTH=cognito, EDGESYNC_CLOUD_PUBLIC_URL"
    )


def test_a_grouped_setting_is_named_by_its_variable(tmp_path: Path) -> None:
    settings = complete(tmp_path)
    settings = settings.model_copy(
        update={"alerts": settings.alerts.model_copy(update={"ses_from": None})}
    )
    assert describe(missing(settings, "delivery")) == "EDGESYNC_CLOUD_ALERT_SES_FROM"


def test_the_variables_are_the_documented_ones() -> None:
    names = cloud_env_names()
    assert names["EDGESYNC_CLOUD_ALERT_SES_FROM"] == ("alerts", "ses_from")
    assert names["EDGESYNC_CLOUD_TABLE"] == ("table",)
    documented = Path("docs/settings.md").read_text()
    assert all(f"`{name}`" in documented for name in names)


def test_the_container_refuses_an_incomplete_dynamodb_lambda(tmp_path: Path) -> None:
    settings = complete(tmp_path).model_copy(update={"table": None})
    with pytest.raises(ConfigError, match="the monitor Lambda needs EDGESYNC_CLOUD_TABLE"):
        Container(settings).require("monitor")


def test_the_runtime_leaves_the_auth_mode_to_the_stack_check(tmp_path: Path) -> None:
    settings = complete(tmp_path).model_copy(update={"auth": "local"})
    Container(settings).require("api")
    assert describe(missing(settings, "api")) == "EDGESYNC_CLOUD_AUTH=cognito"


def test_the_container_does_not_hold_sql_handlers_to_aws_requirements(tmp_path: Path) -> None:
    Container(CloudSettings(data_dir=tmp_path)).require("api")
