"""The ALB and the two Fargate services: the node's API (several tasks, autoscaled) and the
sync agent (exactly one task, never two: a deploy stops the old before starting the new).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from edgesync_cdk.full_cloud.files import DataFiles
from edgesync_cdk.full_cloud.network import NODE_PORT, Network
from edgesync_cdk.full_cloud.site_config import SiteConfig
from edgesync_cdk.nag import suppress

HEALTH_PATH = "/healthz"  # the node's liveness; it checks the database too
TLS_POLICY = elbv2.SslPolicy.RECOMMENDED_TLS  # ELBSecurityPolicy-TLS13-1-2-2021-06
CPU_TARGET_PERCENT = 60
API_CPU, API_MEMORY_MIB = 512, 1024
AGENT_CPU, AGENT_MEMORY_MIB = 256, 512
DATA_VOLUME = "data"
# Migrations run at start (under a lock): give a new task time before the ALB judges it.
API_GRACE = Duration.seconds(120)


@dataclass(frozen=True)
class TaskShape:
    """What an API or agent task runs and with what."""

    name: str
    cpu: int
    memory_mib: int
    command: list[str]
    environment: dict[str, str]
    serves_http: bool


def api_shape(environment: dict[str, str]) -> TaskShape:
    """The API task: 0.5 vCPU, 1 GiB, ``edgesync node serve``."""
    return TaskShape("Api", API_CPU, API_MEMORY_MIB, ["node", "serve"], environment, True)


def agent_shape(environment: dict[str, str]) -> TaskShape:
    """The sync agent's task: 0.25 vCPU, 0.5 GiB, ``edgesync node agent``."""
    return TaskShape("Agent", AGENT_CPU, AGENT_MEMORY_MIB, ["node", "agent"], environment, False)


def load_balancer(
    scope: Construct, network: Network, logs_bucket: s3.IBucket, certificate_arn: str
) -> tuple[elbv2.ApplicationLoadBalancer, elbv2.ApplicationListener]:
    """Internet-facing ALB: HTTPS (TLS 1.2+) to the node, HTTP redirected to HTTPS."""
    alb = elbv2.ApplicationLoadBalancer(
        scope,
        "LoadBalancer",
        vpc=network.vpc,
        internet_facing=True,
        security_group=network.alb,
        drop_invalid_header_fields=True,
    )
    alb.log_access_logs(logs_bucket, prefix="alb")
    https = alb.add_listener(
        "Https",
        port=443,
        protocol=elbv2.ApplicationProtocol.HTTPS,
        certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
        ssl_policy=TLS_POLICY,
        open=False,  # the security group's rules are the network's (network.py)
    )
    alb.add_redirect(source_port=80, target_port=443, open=False)
    suppress(
        network.alb,
        "EC23",
        "The ALB is the site's front door: cameras and browsers reach it from the internet "
        "on 443 (80 only redirects); the node authenticates every request itself",
    )
    return alb, https


def task_definition(
    scope: Construct,
    shape: TaskShape,
    *,
    image: ecs.ContainerImage,
    files: DataFiles,
    retention: logs.RetentionDays,
) -> ecs.FargateTaskDefinition:
    """A task of ``shape`` with the data dir on EFS and its log group."""
    task = ecs.FargateTaskDefinition(
        scope,
        f"{shape.name}Task",
        cpu=shape.cpu,
        memory_limit_mib=shape.memory_mib,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.X86_64,
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
        volumes=[
            ecs.Volume(
                name=DATA_VOLUME,
                efs_volume_configuration=ecs.EfsVolumeConfiguration(
                    file_system_id=files.file_system.file_system_id,
                    transit_encryption="ENABLED",
                    authorization_config=ecs.AuthorizationConfig(
                        access_point_id=files.access_point.access_point_id, iam="ENABLED"
                    ),
                ),
            )
        ],
    )
    log_group = logs.LogGroup(scope, f"{shape.name}Logs", retention=retention)
    container = task.add_container(
        "node",
        image=image,
        command=shape.command,
        environment=shape.environment,
        logging=ecs.LogDrivers.aws_logs(stream_prefix=shape.name.lower(), log_group=log_group),
        port_mappings=[ecs.PortMapping(container_port=NODE_PORT)] if shape.serves_http else None,
    )
    container.add_mount_points(
        ecs.MountPoint(
            source_volume=DATA_VOLUME,
            container_path=shape.environment["EDGESYNC_NODE_DATA_DIR"],
            read_only=False,
        )
    )
    suppress(
        task,
        "ECS2",
        "The environment holds no secret: the S3 image store's URL, paths, flags and the "
        "database secret's ARN; the node reads the password from Secrets Manager at start",
    )
    _suppress_pull_wildcard(task)
    return task


def _suppress_pull_wildcard(task: ecs.FargateTaskDefinition) -> None:
    suppress(
        task.obtain_execution_role(),
        "IAM5",
        "ecr:GetAuthorizationToken has no resource-level permission (AWS requires '*'); the "
        "layer pulls it allows are limited to the image's repository by the next statement",
        applies_to=["Resource::*"],
        children=True,
    )


def api_service(
    scope: Construct,
    *,
    cluster: ecs.ICluster,
    network: Network,
    task: ecs.FargateTaskDefinition,
    listener: elbv2.ApplicationListener,
    config: SiteConfig,
) -> ecs.FargateService:
    """The node API behind the ALB: ``api_desired_tasks`` to ``api_max_tasks`` tasks,
    scaled on CPU and on requests per target, rolled back when a deploy fails."""
    service = ecs.FargateService(
        scope,
        "ApiService",
        cluster=cluster,
        task_definition=task,
        desired_count=config.api_desired_tasks,
        min_healthy_percent=100,
        max_healthy_percent=200,
        vpc_subnets=network.task_subnets,
        assign_public_ip=network.public_ip,
        security_groups=[network.api_tasks],
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        health_check_grace_period=API_GRACE,
    )
    target_group = listener.add_targets(
        "Node",
        port=NODE_PORT,
        protocol=elbv2.ApplicationProtocol.HTTP,
        targets=[service],
        health_check=elbv2.HealthCheck(path=HEALTH_PATH, healthy_http_codes="200"),
        deregistration_delay=Duration.seconds(30),
    )
    scaling = service.auto_scale_task_count(
        min_capacity=config.api_desired_tasks, max_capacity=config.api_max_tasks
    )
    scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=CPU_TARGET_PERCENT)
    scaling.scale_on_request_count(
        "Requests",
        requests_per_target=config.api_requests_per_target,
        target_group=target_group,
    )
    return service


def agent_service(
    scope: Construct,
    *,
    cluster: ecs.ICluster,
    network: Network,
    task: ecs.FargateTaskDefinition,
) -> ecs.FargateService:
    """Exactly one sync agent: 0 % minimum and 100 % maximum healthy, so a deploy stops
    the old task before the new one starts (the node's agent lock refuses a second too)."""
    return ecs.FargateService(
        scope,
        "AgentService",
        cluster=cluster,
        task_definition=task,
        desired_count=1,
        min_healthy_percent=0,
        max_healthy_percent=100,
        vpc_subnets=network.task_subnets,
        assign_public_ip=network.public_ip,
        security_groups=[network.agent_tasks],
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
    )
