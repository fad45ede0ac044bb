"""The VPC: no NAT gateway unless asked, S3 through a free gateway endpoint, and security
groups that let the API tasks be reached from the ALB only."""

from __future__ import annotations

from typing import Any

from tests.cdk.full_cloud.conftest import Site


def test_no_nat_gateway_by_default(site: Site) -> None:
    site.template.resource_count_is("AWS::EC2::NatGateway", 0)


def test_egress_nat_makes_one_nat_gateway(options_site: Site) -> None:
    options_site.template.resource_count_is("AWS::EC2::NatGateway", 1)


def test_s3_is_reached_through_a_gateway_endpoint(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
        },
    )
    # And no interface endpoint (each $14.60/month over two AZs): the design's cost choice.
    site.template.resource_count_is("AWS::EC2::VPCEndpoint", 1)


def test_rejected_traffic_is_flow_logged(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "REJECT", "LogDestinationType": "cloud-watch-logs"}
    )


def _services(site: Site) -> list[dict[str, Any]]:
    return [
        r["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        for r in site.resources("AWS::ECS::Service").values()
    ]


def test_tasks_get_a_public_ip_in_public_subnets_by_default(site: Site) -> None:
    for network in _services(site):
        assert network["AssignPublicIp"] == "ENABLED"
        assert all("public" in s["Ref"] for s in network["Subnets"])


def test_egress_nat_puts_tasks_in_private_subnets_without_a_public_ip(options_site: Site) -> None:
    for network in _services(options_site):
        assert network["AssignPublicIp"] == "DISABLED"
        assert all("tasks" in s["Ref"] for s in network["Subnets"])


def _ingress(site: Site, group: str) -> list[dict[str, Any]]:
    """Every ingress rule of the security group whose logical id starts with ``group``."""
    logical = site.logical_id(group, "AWS::EC2::SecurityGroup")
    inline = site.resources("AWS::EC2::SecurityGroup")[logical]["Properties"].get(
        "SecurityGroupIngress", []
    )
    separate = [
        r["Properties"]
        for r in site.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [logical, "GroupId"]}
    ]
    return inline + separate


def test_api_tasks_are_reachable_only_from_the_alb_on_the_node_port(site: Site) -> None:
    alb = site.logical_id("AlbSecurityGroup", "AWS::EC2::SecurityGroup")
    (rule,) = _ingress(site, "ApiTaskSecurityGroup")
    assert rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [alb, "GroupId"]}
    assert (rule["FromPort"], rule["ToPort"]) == (8080, 8080)
    assert "CidrIp" not in rule


def test_the_agent_task_takes_no_inbound_traffic(site: Site) -> None:
    assert _ingress(site, "AgentTaskSecurityGroup") == []


def test_database_and_files_admit_only_the_node_s_tasks(site: Site) -> None:
    tasks = {
        site.logical_id("ApiTaskSecurityGroup", "AWS::EC2::SecurityGroup"),
        site.logical_id("AgentTaskSecurityGroup", "AWS::EC2::SecurityGroup"),
    }
    for group, port in (("DatabaseSecurityGroup", 5432), ("FilesSecurityGroup", 2049)):
        rules = _ingress(site, group)
        assert {r["SourceSecurityGroupId"]["Fn::GetAtt"][0] for r in rules} == tasks
        assert {(r["FromPort"], r["ToPort"]) for r in rules} == {(port, port)}


def test_the_alb_is_open_to_the_internet_on_443_and_80_only(site: Site) -> None:
    rules = _ingress(site, "AlbSecurityGroup")
    assert {(r["CidrIp"], r["FromPort"]) for r in rules} == {("0.0.0.0/0", 443), ("0.0.0.0/0", 80)}
    site.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"}
    )
