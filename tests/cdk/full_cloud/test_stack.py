"""The app hook and the site stack as a whole: named by prefix and site, independent of
the control plane, the certificate a required parameter, outputs for the enrolment task."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App
from edgesync_cdk.config import DeployConfig, cdk_json_context
from edgesync_cdk.full_cloud.stack import add_site_stacks

from tests.cdk.full_cloud.conftest import REGION, Site, SiteSynth


def test_no_site_asked_for_adds_no_stack() -> None:
    # build_app's hook: without fullCloudSites the app is the control plane's two stacks
    # (tests/cdk/test_stacks.py holds those).
    app = App(context=cdk_json_context())
    assert add_site_stacks(app, DeployConfig()) == []
    assert app.node.children == []


def test_each_site_asked_for_is_a_stack_beside_the_control_plane(site_synth: SiteSynth) -> None:
    stacks = {s.stack_name for s in site_synth.assembly.stacks_recursively}
    assert stacks == {
        "EdgesyncData",
        "EdgesyncControlPlane",
        "EdgesyncSite-depot-north",
        "EdgesyncSite-depot-south",
    }


def test_a_site_does_not_depend_on_the_control_plane(site_synth: SiteSynth) -> None:
    for site in site_synth.sites:
        artifact = site_synth.assembly.get_stack_by_name(site.stack_name)
        stacks = {s.stack_name for s in site_synth.assembly.stacks_recursively}
        assert [d.id for d in artifact.dependencies if d.id in stacks] == []


def test_the_site_stack_is_in_its_region(site_synth: SiteSynth) -> None:
    for site in site_synth.sites:
        artifact = site_synth.assembly.get_stack_by_name(site.stack_name)
        assert artifact.environment.region == REGION


def test_a_site_without_a_region_is_refused_at_synthesis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    app = App(context=cdk_json_context())
    with pytest.raises(ValueError, match="site lone: no region"):
        add_site_stacks(app, DeployConfig(full_cloud_sites="lone"))


def test_the_certificate_is_a_required_parameter(site: Site) -> None:
    parameter = site.template_json["Parameters"]["CertificateArn"]
    assert "Default" not in parameter
    assert parameter["AllowedPattern"].startswith("^arn:aws")


def test_outputs_what_the_enrolment_task_and_dns_need(site: Site) -> None:
    assert {
        "LoadBalancerDns",
        "ClusterName",
        "AgentTaskDefinition",
        "TaskSubnets",
        "AgentSecurityGroup",
        "ImagesBucketName",
        "DatabaseSecretArn",
    } <= set(site.template_json["Outputs"])


def test_what_holds_the_site_s_data_outlives_the_stack(site: Site) -> None:
    kept = {
        "AWS::S3::Bucket": "Retain",
        "AWS::EFS::FileSystem": "Retain",
        "AWS::RDS::DBInstance": "Snapshot",
    }
    for kind, policy in kept.items():
        for logical, resource in site.resources(kind).items():
            assert resource["DeletionPolicy"] == policy, logical


def _task_role_statements(site: Site, task: str) -> list[dict[str, Any]]:
    """The statements of the task role of ``task`` (Api or Agent): what the node's code may do."""
    role = site.resources("AWS::ECS::TaskDefinition")[
        site.logical_id(f"{task}Task", "AWS::ECS::TaskDefinition")
    ]["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
    statements = []
    for policy in site.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    (role_resource,) = [site.resources("AWS::IAM::Role")[role]]
    assert "ManagedPolicyArns" not in role_resource["Properties"]
    return statements


@pytest.mark.parametrize("task", ["Api", "Agent"])
def test_task_roles_reach_image_objects_under_the_prefix_only(site: Site, task: str) -> None:
    bucket = site.logical_id("Images", "AWS::S3::Bucket")
    s3 = [s for s in _task_role_statements(site, task) if "s3:" in json.dumps(s["Action"])]
    objects, listing = s3
    assert objects["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert objects["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/images/*"]]}
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["images/*"]}}


@pytest.mark.parametrize("task", ["Api", "Agent"])
def test_task_roles_read_the_one_database_secret(site: Site, task: str) -> None:
    attachment, _ = site.one("AWS::SecretsManager::SecretTargetAttachment")
    (secret,) = [s for s in _task_role_statements(site, task) if "secretsmanager" in json.dumps(s)]
    assert secret["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert secret["Resource"] == {"Ref": attachment}


@pytest.mark.parametrize("task", ["Api", "Agent"])
def test_task_roles_mount_the_files_through_the_access_point_only(site: Site, task: str) -> None:
    file_system = site.logical_id("DataFiles", "AWS::EFS::FileSystem")
    access_point = site.logical_id("DataFilesDataAccessPoint", "AWS::EFS::AccessPoint")
    (efs,) = [s for s in _task_role_statements(site, task) if "elasticfilesystem" in str(s)]
    assert efs["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert efs["Resource"] == {"Fn::GetAtt": [file_system, "Arn"]}
    (condition,) = efs["Condition"]["StringEquals"].values()
    assert {"Ref": access_point} in condition["Fn::Join"][1]


@pytest.mark.parametrize("task", ["Api", "Agent"])
def test_task_roles_may_do_nothing_else(site: Site, task: str) -> None:
    actions = {
        action
        for s in _task_role_statements(site, task)
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {a.split(":")[0] for a in actions} == {"s3", "secretsmanager", "elasticfilesystem"}
    assert not [a for a in actions if "*" in a]
