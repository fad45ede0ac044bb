"""`edgesync cloud cost`: the table, the JSON, bad input refused by option name, --full-cloud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloud_plane.cli import cloud


def run(*args: str):
    return CliRunner().invoke(cloud, ["cost", *args])


def test_the_default_is_the_seed_site_as_a_table() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert "1 site(s) x 20 cameras x 10 reads/min = 8,640,000 reads" in result.output
    assert "total (excluding SMS)" in result.output
    assert "customer's full-cloud $150-250" in result.output


def test_json_prints_one_object_with_the_inputs_given() -> None:
    result = run("--sites", "3", "--cameras", "8", "--reads-per-minute", "4",
                 "--retention-days", "90", "--push-interval-s", "2", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["inputs"]["sites"] == 3 and doc["inputs"]["cameras"] == 8
    assert doc["inputs"]["retention_days"] == 90 and doc["inputs"]["push_interval_s"] == 2.0
    assert doc["usage"]["reads"] == 3 * 8 * 4 * 43_200


@pytest.mark.parametrize(
    ("option", "value"),
    [("--sites", "0"), ("--cameras", "-2"), ("--reads-per-minute", "0"),
     ("--retention-days", "0"), ("--push-interval-s", "-5"), ("--staff", "-1")],
)  # fmt: skip
def test_a_bad_value_is_refused_naming_the_option(option: str, value: str) -> None:
    result = run(option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output


def test_the_readme_shows_the_seed_table_the_command_prints() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## What the AWS mode costs", 1)[1].split("\n## ", 1)[0]
    shown = section.split("```\n", 2)[2].split("```", 1)[0]  # the block after the sh block
    assert shown.startswith("service") and "total (excluding SMS)" in shown
    printed = run().output
    assert shown.strip() in printed


def test_full_cloud_adds_the_sites_stack_and_the_side_by_side() -> None:
    plain, full = run().output, run("--full-cloud").output
    assert "ECS Fargate" not in plain and "side by side" not in plain
    for service in ("ECS Fargate", "RDS PostgreSQL", "Application Load Balancer",
                    "Public IPv4 addresses", "S3 images", "site total"):  # fmt: skip
        assert service in full
    assert "hybrid: the cloud plane alone (site hardware not counted)" in full
    assert "full cloud: the site's stack + the cloud plane" in full
    assert "the customer's own full-cloud estimate, 20 cameras" in full
    assert plain.strip() in full  # the plane's own table, unchanged


def test_full_cloud_json_takes_the_site_options() -> None:
    result = run("--full-cloud", "--json", "--cameras", "8", "--image-kb", "30",
                 "--image-retention-days", "7", "--metadata-retention-days", "90",
                 "--multi-az")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["site_inputs"] == doc["site_inputs"] | {
        "cameras": 8, "image_kb": 30.0, "image_retention_days": 7,
        "metadata_retention_days": 90, "multi_az": True,
    }  # fmt: skip
    assert doc["plane"]["inputs"]["cameras"] == 8


def test_help_explains_the_full_cloud_flag_and_its_options() -> None:
    text = " ".join(CliRunner().invoke(cloud, ["cost", "--help"]).output.split())
    assert "--full-cloud" in text and "ECS Fargate" in text and "$150-250" in text
    for option in ("--image-kb", "--image-retention-days", "--metadata-retention-days",
                   "--multi-az"):  # fmt: skip
        assert option in text


def test_the_readme_shows_the_full_cloud_figures_the_command_prints() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## What the AWS mode costs", 1)[1].split("\n## ", 1)[0]
    after = section.split("edgesync cloud cost --full-cloud` prints", 1)[1]
    site, side_by_side = after.split("```\n")[1:4:2]  # the two blocks that follow
    assert site.startswith("service") and "site total" in site
    assert side_by_side.startswith("side by side")
    printed = run("--full-cloud").output
    assert site.strip() in printed and side_by_side.strip() in printed
