"""The site's VPC and security groups.

Two AZs; public subnets (the ALB, and the tasks with a public IP by default) and isolated
subnets (RDS, the EFS mount targets). No NAT gateway by default: one costs $32.85/month plus
$0.045/GB and the interface endpoints the tasks would need instead (ECR api and dkr, logs,
Secrets Manager: 4 x 2 AZs x $7.30 = $58.40/month) cost more than a public IPv4 on each of
the three tasks ($3.65/month each); the sync agent must reach the cloud plane's public URL
anyway, which no endpoint gives. The S3 *gateway* endpoint is free and keeps image traffic
off the internet. ``egress=nat`` puts the tasks in private subnets behind one NAT gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from edgesync_cdk.full_cloud.site_config import SiteConfig

NODE_PORT = 8080  # EDGESYNC_NODE_PORT's default, the image's EXPOSE
POSTGRES_PORT = 5432
NFS_PORT = 2049
# The subnets without any route out: RDS and the EFS mount targets.
ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


@dataclass(frozen=True)
class Network:
    """The VPC, where the tasks go, and one security group per kind of endpoint."""

    vpc: ec2.Vpc
    task_subnet_type: ec2.SubnetType
    public_ip: bool
    alb: ec2.SecurityGroup
    api_tasks: ec2.SecurityGroup
    agent_tasks: ec2.SecurityGroup
    database: ec2.SecurityGroup
    files: ec2.SecurityGroup

    @property
    def task_subnets(self) -> ec2.SubnetSelection:
        """Where the tasks run: public subnets, or private ones behind the NAT."""
        return ec2.SubnetSelection(subnet_type=self.task_subnet_type)


def site_network(scope: Construct, config: SiteConfig) -> Network:
    """The VPC (with the S3 gateway endpoint and rejected-traffic flow logs) and the
    security groups: the API tasks reachable only from the ALB, the agent from nowhere,
    the database and EFS only from the tasks."""
    subnets = [
        ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
        ec2.SubnetConfiguration(
            name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
        ),
    ]
    if config.nat:
        subnets.append(
            ec2.SubnetConfiguration(
                name="tasks", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
            )
        )
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        max_azs=2,
        nat_gateways=1 if config.nat else 0,
        subnet_configuration=subnets,
        gateway_endpoints={
            "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)
        },
    )
    # Rejected traffic only: what an investigation needs, at a fraction of ALL's volume.
    vpc.add_flow_log(
        "RejectedFlows",
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(
            logs.LogGroup(scope, "FlowLogs", retention=logs.RetentionDays.ONE_MONTH)
        ),
        traffic_type=ec2.FlowLogTrafficType.REJECT,
    )
    alb = ec2.SecurityGroup(
        scope, "AlbSecurityGroup", vpc=vpc, description="ALB: HTTPS (and HTTP to redirect)"
    )
    for port in (443, 80):
        alb.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(port), "cameras and browsers")
    api = ec2.SecurityGroup(
        scope, "ApiTaskSecurityGroup", vpc=vpc, description="Node API tasks: from the ALB only"
    )
    api.add_ingress_rule(alb, ec2.Port.tcp(NODE_PORT), "the ALB's requests and health checks")
    agent = ec2.SecurityGroup(
        scope, "AgentTaskSecurityGroup", vpc=vpc, description="Sync agent task: no inbound"
    )
    database = ec2.SecurityGroup(
        scope,
        "DatabaseSecurityGroup",
        vpc=vpc,
        description="RDS: PostgreSQL from the node tasks",
        allow_all_outbound=False,
    )
    files = ec2.SecurityGroup(
        scope,
        "FilesSecurityGroup",
        vpc=vpc,
        description="EFS: NFS from the node tasks",
        allow_all_outbound=False,
    )
    for tasks in (api, agent):
        database.add_ingress_rule(tasks, ec2.Port.tcp(POSTGRES_PORT), "the node's tasks")
        files.add_ingress_rule(tasks, ec2.Port.tcp(NFS_PORT), "the node's tasks")
    kind = ec2.SubnetType.PRIVATE_WITH_EGRESS if config.nat else ec2.SubnetType.PUBLIC
    return Network(
        vpc=vpc,
        task_subnet_type=kind,
        public_ip=not config.nat,
        alb=alb,
        api_tasks=api,
        agent_tasks=agent,
        database=database,
        files=files,
    )
