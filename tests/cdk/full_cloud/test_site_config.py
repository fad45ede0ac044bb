"""A site's options from CDK context: per site over every site over the defaults, and
refused before anything is deployed when wrong."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from aws_cdk import App
from edgesync_cdk.asset_build import PROJECT_ROOT
from edgesync_cdk.config import DeployConfig
from edgesync_cdk.full_cloud.site_config import SiteConfig, camel_case, site_names


def _site(name: str = "depot-north", **context: object) -> SiteConfig:
    return SiteConfig.from_context(App(context=context).node, name)


def test_no_context_gives_the_design_s_defaults() -> None:
    config = _site()
    assert config == SiteConfig(name="depot-north")
    assert (config.egress, config.multi_az, config.images_versioned) == ("public", False, False)
    assert (config.api_desired_tasks, config.api_max_tasks) == (2, 6)


def test_the_backstop_expiry_is_a_week_past_the_node_s_hit_image_keep() -> None:
    assert _site().image_expiry_days == 365 + 7
    assert _site(**{"fullCloud.hitImageDays": "30"}).image_expiry_days == 37


def test_a_site_s_own_key_wins_over_the_every_site_key() -> None:
    context = {"fullCloud.egress": "nat", "fullCloud.depot-south.egress": "public"}
    assert _site("depot-north", **context).egress == "nat"
    assert _site("depot-south", **context).egress == "public"


def test_context_strings_are_coerced_to_the_field_s_type() -> None:
    config = _site(**{"fullCloud.multiAz": "true", "fullCloud.apiMaxTasks": "9"})
    assert (config.multi_az, config.api_max_tasks) == (True, 9)


def test_a_flag_that_is_not_true_or_false_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("fullCloud.multiAz must be true or false")):
        _site(**{"fullCloud.multiAz": "yes"})


def test_an_unknown_egress_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("fullCloud.egress must be one of public, nat")):
        _site(**{"fullCloud.egress": "proxy"})


@pytest.mark.parametrize("name", ["Depot North", "depot--north", "depot-", "d" * 41])
def test_a_site_name_that_cannot_end_a_stack_or_rds_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"site name {name!r}")):
        _site(name)


def test_more_desired_tasks_than_the_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("apiDesiredTasks must be 1..apiMaxTasks")):
        _site(**{"fullCloud.apiDesiredTasks": "7"})


def test_log_retention_must_be_one_cloudwatch_offers() -> None:
    with pytest.raises(ValueError, match="logRetentionDays must be one of"):
        _site(**{"fullCloud.logRetentionDays": "45"})


def test_sites_are_the_comma_separated_full_cloud_sites_context() -> None:
    assert site_names(None) == ()
    assert site_names(" depot-north, ,depot-south ") == ("depot-north", "depot-south")
    config = DeployConfig.from_context(App(context={"fullCloudSites": "a,b"}).node)
    assert config.full_cloud_sites == "a,b"


def test_every_option_is_documented_in_the_cdk_readme() -> None:
    readme = (PROJECT_ROOT / "cdk" / "README.md").read_text()
    keys = [f"fullCloud.{camel_case(f.name)}" for f in fields(SiteConfig) if f.name != "name"]
    assert [key for key in [*keys, "fullCloudSites"] if f"`{key}`" not in readme] == []
