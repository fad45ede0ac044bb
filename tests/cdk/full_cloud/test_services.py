"""The ALB and the two services: HTTPS with a TLS 1.2+ policy and HTTP redirected, the
API autoscaled on CPU and requests, the sync agent exactly once."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from tests.cdk.full_cloud.conftest import Site


def _service(site: Site, name: str) -> dict[str, Any]:
    return site.resources("AWS::ECS::Service")[site.logical_id(name, "AWS::ECS::Service")]


def _task(site: Site, name: str) -> dict[str, Any]:
    logical = site.logical_id(f"{name}Task", "AWS::ECS::TaskDefinition")
    return site.resources("AWS::ECS::TaskDefinition")[logical]["Properties"]


def test_the_agent_runs_once_and_a_deploy_stops_it_before_starting_the_next(site: Site) -> None:
    props = _service(site, "AgentService")["Properties"]
    assert props["DesiredCount"] == 1
    deployment = props["DeploymentConfiguration"]
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (0, 100)
    assert props["LoadBalancers"] == []


def test_the_agent_is_not_autoscaled(site: Site) -> None:
    agent = site.logical_id("AgentService", "AWS::ECS::Service")
    for target in site.resources("AWS::ApplicationAutoScaling::ScalableTarget").values():
        assert agent not in str(target["Properties"]["ResourceId"])


def test_api_runs_two_tasks_behind_the_alb_and_rolls_back_a_failed_deploy(site: Site) -> None:
    props = _service(site, "ApiService")["Properties"]
    assert props["DesiredCount"] == 2
    assert props["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    (balancer,) = props["LoadBalancers"]
    assert balancer["ContainerPort"] == 8080


def test_api_scales_between_two_and_six_tasks(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": 2, "MaxCapacity": 6, "ScalableDimension": "ecs:service:DesiredCount"},
    )


def test_api_scales_on_cpu_and_on_requests_per_target(site: Site) -> None:
    metrics = {
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "PredefinedMetricSpecification"
        ]["PredefinedMetricType"]: p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
            "TargetValue"
        ]
        for p in site.resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    assert metrics == {"ECSServiceAverageCPUUtilization": 60, "ALBRequestCountPerTarget": 1000}


def test_https_listener_uses_a_tls_1_2_plus_policy_and_the_certificate(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "SslPolicy": Match.string_like_regexp(r"^ELBSecurityPolicy-TLS13-1-2-"),
            "Certificates": [{"CertificateArn": {"Ref": "CertificateArn"}}],
        },
    )


def test_http_is_redirected_to_https(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {
                        "Protocol": "HTTPS",
                        "Port": "443",
                        "StatusCode": "HTTP_301",
                    },
                }
            ],
        },
    )
    site.template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 2)


def test_targets_are_health_checked_on_healthz(site: Site) -> None:
    site.template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": "/healthz", "Port": 8080, "TargetType": "ip"},
    )


def test_alb_drops_invalid_headers_and_logs_access(site: Site) -> None:
    attributes = site.one("AWS::ElasticLoadBalancingV2::LoadBalancer")[1]["Properties"][
        "LoadBalancerAttributes"
    ]
    values = {a["Key"]: a["Value"] for a in attributes}
    assert values["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert values["access_logs.s3.enabled"] == "true"


def test_task_sizes_and_commands_are_the_design_s(site: Site) -> None:
    api, agent = _task(site, "Api"), _task(site, "Agent")
    assert (api["Cpu"], api["Memory"]) == ("512", "1024")
    assert (agent["Cpu"], agent["Memory"]) == ("256", "512")
    assert api["RuntimePlatform"]["CpuArchitecture"] == "X86_64"
    assert api["ContainerDefinitions"][0]["Command"] == ["node", "serve"]
    assert agent["ContainerDefinitions"][0]["Command"] == ["node", "agent"]


def test_task_logs_go_to_log_groups_kept_30_days(site: Site) -> None:
    groups = site.resources("AWS::Logs::LogGroup")
    for name in ("Api", "Agent"):
        (container,) = _task(site, name)["ContainerDefinitions"]
        group = container["LogConfiguration"]["Options"]["awslogs-group"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] == 30
