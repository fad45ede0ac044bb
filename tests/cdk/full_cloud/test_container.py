"""The container image (the repository's Dockerfile, built at deploy time from only what it
copies) and the node's environment (the secret by ARN, never its value)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from edgesync_cdk.full_cloud.container import (
    DOCKERFILE,
    REPO_ROOT,
    build_context_sources,
    context_excludes,
)

from tests.cdk.full_cloud.conftest import Site, SiteSynth


def _environment(site: Site, task: str) -> dict[str, Any]:
    logical = site.logical_id(f"{task}Task", "AWS::ECS::TaskDefinition")
    (container,) = site.resources("AWS::ECS::TaskDefinition")[logical]["Properties"][
        "ContainerDefinitions"
    ]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


def test_build_context_sources_are_the_copy_and_add_sources() -> None:
    dockerfile = (
        "FROM python AS builder\n"
        "COPY pyproject.toml README.md ./\n"
        "COPY --chown=1:1 local_node/ ./local_node\n"
        "COPY --from=builder /opt/x /opt/x\n"
        "ADD https://example.com/ca.pem /etc/ca.pem\n"
        "add extra.txt /x\n"
    )
    assert build_context_sources(dockerfile) == [
        "pyproject.toml",
        "README.md",
        "local_node",
        "extra.txt",
    ]


def test_the_context_keeps_only_the_dockerfile_and_its_sources() -> None:
    excludes = context_excludes("COPY a b ./\n")
    assert excludes[:4] == ["*", f"!{DOCKERFILE}", "!a", "!b"]
    assert "**/__pycache__" in excludes


def test_the_real_dockerfile_copies_the_node_s_packages() -> None:
    sources = build_context_sources((REPO_ROOT / DOCKERFILE).read_text())
    assert {"pyproject.toml", "local_node", "sync_protocol", "edgesync"} <= set(sources)


def _image_asset(site_synth: SiteSynth, site: Site) -> dict[str, Any]:
    manifest = json.loads((site_synth.outdir / f"{site.stack_name}.assets.json").read_text())
    (image,) = manifest["dockerImages"].values()
    return image


def test_synthesis_stages_the_image_context_without_running_docker(
    site_synth: SiteSynth, site: Site
) -> None:
    image = _image_asset(site_synth, site)
    assert image["source"]["dockerFile"] == DOCKERFILE
    assert image["source"]["platform"] == "linux/amd64"
    assert not site_synth.docker_calls.exists()  # the build is cdk deploy's (cdk-assets)


def test_the_staged_context_holds_what_the_dockerfile_copies_and_nothing_else(
    site_synth: SiteSynth, site: Site
) -> None:
    staged = site_synth.outdir / _image_asset(site_synth, site)["source"]["directory"]
    names = {p.name for p in staged.iterdir()}
    expected = {DOCKERFILE, ".dockerignore"} | set(
        build_context_sources((REPO_ROOT / DOCKERFILE).read_text())
    )
    assert names == expected
    assert not {"tests", ".venv", "cdk.out", ".git", "docs", "bench", "cdk"} & names
    assert not list(staged.rglob("__pycache__"))


def test_both_tasks_run_the_same_image(site: Site) -> None:
    images = {
        json.dumps(t["Properties"]["ContainerDefinitions"][0]["Image"])
        for t in site.resources("AWS::ECS::TaskDefinition").values()
    }
    assert len(images) == 1


def test_the_database_secret_goes_by_arn_never_by_value(site: Site) -> None:
    attachment, _ = site.one("AWS::SecretsManager::SecretTargetAttachment")
    for task in ("Api", "Agent"):
        env = _environment(site, task)
        # The attachment's Ref is the secret's ARN (after RDS's host and port are in it).
        assert env["EDGESYNC_NODE_DATABASE_SECRET_ARN"] == {"Ref": attachment}
    for definition in site.resources("AWS::ECS::TaskDefinition").values():
        assert "resolve:secretsmanager" not in json.dumps(definition)
        assert "Secrets" not in definition["Properties"]["ContainerDefinitions"][0]


def test_both_tasks_use_the_s3_store_and_the_efs_data_dir(site: Site) -> None:
    bucket = site.logical_id("Images", "AWS::S3::Bucket")
    for task in ("Api", "Agent"):
        env = _environment(site, task)
        assert env["EDGESYNC_NODE_IMAGE_STORE"] == {
            "Fn::Join": ["", ["s3://", {"Ref": bucket}, "/images"]]
        }
        assert env["EDGESYNC_NODE_DATA_DIR"] == "/data"
        assert env["AWS_REGION"] == "eu-west-2"


def test_api_tasks_listen_on_all_interfaces_and_leave_the_agent_to_its_task(site: Site) -> None:
    api = _environment(site, "Api")
    assert (api["EDGESYNC_NODE_HOST"], api["EDGESYNC_NODE_SYNC_AGENT"]) == ("0.0.0.0", "false")
    assert api["EDGESYNC_NODE_WEB_COOKIE_SECURE"] == "always"  # TLS ends at the ALB
    vpc, _ = site.one("AWS::EC2::VPC")
    assert api["EDGESYNC_NODE_FORWARDED_ALLOW_IPS"] == {"Fn::GetAtt": [vpc, "CidrBlock"]}
    agent = _environment(site, "Agent")
    assert "EDGESYNC_NODE_SYNC_AGENT" not in agent
    assert agent["EDGESYNC_NODE_BACKUP_ENABLED"] == "false"  # RDS backs the database up


def test_every_tracked_file_the_dockerfile_copies_is_staged(
    site_synth: SiteSynth, site: Site
) -> None:
    staged_dir = site_synth.outdir / _image_asset(site_synth, site)["source"]["directory"]
    staged = {str(p.relative_to(staged_dir)) for p in staged_dir.rglob("*") if p.is_file()}
    sources = build_context_sources((REPO_ROOT / DOCKERFILE).read_text())
    tracked = subprocess.run(
        ["git", "ls-files", "--", *sources],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked
    assert set(tracked) - staged == set()
