"""Deploy config from CDK context: names, coercion of -c strings, bad combinations."""

from __future__ import annotations

import pytest
from aws_cdk import App
from edgesync_cdk.config import DeployConfig, cdk_json_context


def _config(**context: object) -> DeployConfig:
    return DeployConfig.from_context(App(context=context).node)


def test_no_context_gives_the_defaults() -> None:
    assert _config() == DeployConfig()


def test_context_keys_are_camel_case_and_strings_are_coerced() -> None:
    config = _config(logRetentionDays="30", throttleRate="7", alarmEmail="ops@example.com")
    assert (config.log_retention_days, config.throttle_rate) == (30, 7)
    assert config.alarm_email == "ops@example.com"


def test_zero_detection_retention_means_keep_forever() -> None:
    assert _config(detectionRetentionDays="0").detection_retention_days is None


def test_detection_retention_past_the_clouds_bound_is_refused_before_deploying() -> None:
    with pytest.raises(ValueError, match=r"detectionRetentionDays must be 1\.\.3650"):
        _config(detectionRetentionDays="3651")


def test_a_domain_needs_its_certificate() -> None:
    with pytest.raises(ValueError, match="domainName and certificateArn go together"):
        _config(domainName="edgesync.example.com")


def test_log_retention_must_be_one_cloudwatch_offers() -> None:
    with pytest.raises(ValueError, match="logRetentionDays must be one of"):
        _config(logRetentionDays="100")


def test_cdk_json_holds_feature_flags_only() -> None:
    # Deploy choices have one home (DeployConfig's defaults), not a second copy here.
    context = cdk_json_context()
    assert context
    assert all(key.startswith("@aws-cdk") for key in context)
