"""The env contract: every setting a function needs is set, and every variable set is real."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from cloud_plane.aws.requirements import REQUIREMENTS, ROLES, Role, cloud_env_names
from cloud_plane.aws.secrets import DerivedKeys
from tests.cdk.conftest import Deployment, Synthesized

ENV_OF = {path: name for name, path in cloud_env_names().items()}
# Keys the functions derive from EDGESYNC_CLOUD_SECRETS_ARN: never in the environment.
DERIVED = {ENV_OF[(field.name,)] for field in dataclasses.fields(DerivedKeys)}
SECRETS_ARN = ENV_OF[("secrets_arn",)]
FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")  # 32 bytes, url-safe base64


def _env(deployment: Deployment, role: Role) -> dict[str, Any]:
    return deployment.function(role)[1]["Properties"]["Environment"]["Variables"]


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_set_is_a_real_cloud_setting(synth: Synthesized, role: Role) -> None:
    real = cloud_env_names()
    for deployment in synth.deployments:
        assert set(_env(deployment, role)) <= set(real), set(_env(deployment, role)) - set(real)


@pytest.mark.parametrize("role", ROLES)
def test_every_requirement_of_the_function_is_met(synth: Synthesized, role: Role) -> None:
    for deployment in synth.deployments:
        env = _env(deployment, role)
        for need in REQUIREMENTS[role]:
            if need.env in DERIVED:
                assert SECRETS_ARN in env, f"{role}: {need.env} is derived from {SECRETS_ARN}"
                continue
            assert need.env in env, f"{role} lacks {need.env}"
            if need.equals is not None:
                assert env[need.env] == need.equals, need.env


@pytest.mark.parametrize("role", ROLES)
def test_no_key_or_secret_value_is_in_an_environment(synth: Synthesized, role: Role) -> None:
    for deployment in synth.deployments:
        env = _env(deployment, role)
        assert not DERIVED & set(env)
        text = json.dumps(env)
        assert "SecretString" not in text and "secretsmanager:" not in text
        literals = [v for v in env.values() if isinstance(v, str)]
        assert not [v for v in literals if FERNET_KEY.fullmatch(v) or len(v) >= 32], literals
        # The secret's ARN is a reference to the Data stack, not a resolved value.
        assert "ExportsOutputRefMasterSecret" in json.dumps(env[SECRETS_ARN])


def test_only_the_api_authenticates_staff(default: Deployment) -> None:
    assert _env(default, "api")["EDGESYNC_CLOUD_AUTH"] == "cognito"
    assert _env(default, "api")["EDGESYNC_CLOUD_WEB_COOKIE_SECURE"] == "always"
    for role in ("delivery", "monitor"):
        assert not any("COGNITO" in name for name in _env(default, role))


@pytest.mark.parametrize("role", ROLES)
def test_functions_agree_on_the_alert_channels(default: Deployment, role: Role) -> None:
    env = _env(default, role)
    assert (env["EDGESYNC_CLOUD_ALERT_SMS"], env["EDGESYNC_CLOUD_ALERT_EMAIL"]) == ("sns", "ses")
    assert env["EDGESYNC_CLOUD_ALERT_SES_FROM"] == {"Ref": "AlertSender"}


def test_detection_retention_is_set_only_when_configured(synth: Synthesized) -> None:
    name = "EDGESYNC_CLOUD_DETECTION_RETENTION_DAYS"
    assert _env(synth.default, "api")[name] == str(synth.default.config.detection_retention_days)
    assert name not in _env(synth.custom, "api")


def test_region_is_left_to_lambda(default: Deployment) -> None:
    for role in ROLES:
        assert not {"AWS_REGION", "EDGESYNC_CLOUD_AWS_REGION"} & set(_env(default, role))


def test_the_api_and_the_monitor_are_told_the_images_bucket(synth: Synthesized) -> None:
    for deployment in synth.deployments:
        (bucket_id,) = deployment.resources("AWS::S3::Bucket", stack="data")
        for role in ("api", "monitor"):
            bucket = json.dumps(_env(deployment, role)["EDGESYNC_CLOUD_IMAGES_BUCKET"])
            assert f"ExportsOutputRef{bucket_id}" in bucket, role


def test_the_delivery_function_is_not_told_the_images_bucket(default: Deployment) -> None:
    assert "EDGESYNC_CLOUD_IMAGES_BUCKET" not in _env(default, "delivery")
