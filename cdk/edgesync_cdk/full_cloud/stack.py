"""``<prefix>Site-<name>``: one site's node entirely on AWS, and the hook adding it to the app.

Independent of the control plane's stacks: the site's sync agent reaches the cloud plane
at its public URL, given at enrolment (``edgesync node enroll --cloud URL``), wherever it
is deployed.
"""

from __future__ import annotations

import os

from aws_cdk import App, CfnOutput, CfnParameter, Environment, Stack
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from edgesync_cdk.config import DeployConfig
from edgesync_cdk.full_cloud.container import node_environment, node_image
from edgesync_cdk.full_cloud.database import site_database
from edgesync_cdk.full_cloud.files import data_files, grant_files
from edgesync_cdk.full_cloud.images import IMAGE_PREFIX, grant_images, images_bucket, logs_bucket
from edgesync_cdk.full_cloud.network import site_network
from edgesync_cdk.full_cloud.services import (
    agent_service,
    agent_shape,
    api_service,
    api_shape,
    load_balancer,
    task_definition,
)
from edgesync_cdk.full_cloud.site_config import SiteConfig, site_names
from edgesync_cdk.nag import suppress

ACM_ARN_PATTERN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$"


class FullCloudSiteStack(Stack):
    """VPC, RDS, the images bucket, EFS, the ALB and the node's API and agent services."""

    def __init__(self, scope: Construct, construct_id: str, *, site: SiteConfig) -> None:
        region = site.region or os.environ.get("CDK_DEFAULT_REGION")
        if not region:
            raise ValueError(
                f"site {site.name}: no region (run the CDK CLI with an AWS profile or "
                "AWS_REGION, or give -c fullCloud.region=REGION)"
            )
        super().__init__(
            scope,
            construct_id,
            env=Environment(region=region),
            description=f"edgesync full-cloud site {site.name}: the node on ECS Fargate, "
            "RDS PostgreSQL, images in S3 (database, bucket and files retained on delete)",
        )
        self.site = site
        certificate = CfnParameter(
            self,
            "CertificateArn",
            type="String",
            allowed_pattern=ACM_ARN_PATTERN,
            constraint_description="an ACM certificate ARN in the stack's region",
            description="ACM certificate (in this region) of the name cameras and browsers "
            "use for the site; point that name's DNS at the LoadBalancerDns output",
        )
        self.network = site_network(self, site)
        self.database = site_database(self, self.network, site)
        assert self.database.secret is not None
        access_logs = logs_bucket(self, site)
        self.images = images_bucket(self, site, access_logs)
        self.files = data_files(self, self.network)
        self.load_balancer, listener = load_balancer(
            self, self.network, access_logs, certificate.value_as_string
        )
        cluster = ecs.Cluster(self, "Cluster", vpc=self.network.vpc)
        suppress(
            cluster,
            "ECS4",
            "Container Insights off: its per-task metrics are billed as custom metrics, while "
            "the free AWS/ECS service CPU and memory metrics and the ALB's metrics are what "
            "the autoscaling and an operator need for three tasks",
        )
        image = node_image()

        def environment(*, api: bool) -> dict[str, str]:
            assert self.database.secret is not None
            return node_environment(
                bucket_name=self.images.bucket_name,
                prefix=IMAGE_PREFIX,
                secret_arn=self.database.secret.secret_arn,
                region=self.region,
                api=api,
                vpc_cidr=self.network.vpc.vpc_cidr_block,
            )

        shapes = (api_shape(environment(api=True)), agent_shape(environment(api=False)))
        api_task, agent_task = (
            task_definition(
                self, shape, image=image, files=self.files, retention=site.log_retention
            )
            for shape in shapes
        )
        for task in (api_task, agent_task):
            grant_images(task.task_role, self.images)
            self.database.secret.grant_read(task.task_role)
            grant_files(task.task_role, self.files)
        self.api_service = api_service(
            self,
            cluster=cluster,
            network=self.network,
            task=api_task,
            listener=listener,
            config=site,
        )
        self.agent_service = agent_service(
            self, cluster=cluster, network=self.network, task=agent_task
        )
        # For `cdk deploy`'s output and the enrolment task (cdk/README.md).
        CfnOutput(self, "LoadBalancerDns", value=self.load_balancer.load_balancer_dns_name)
        CfnOutput(self, "ClusterName", value=cluster.cluster_name)
        CfnOutput(self, "AgentTaskDefinition", value=agent_task.task_definition_arn)
        CfnOutput(
            self,
            "TaskSubnets",
            value=",".join(
                self.network.vpc.select_subnets(
                    subnet_type=self.network.task_subnet_type
                ).subnet_ids
            ),
        )
        CfnOutput(self, "AgentSecurityGroup", value=self.network.agent_tasks.security_group_id)
        CfnOutput(self, "ImagesBucketName", value=self.images.bucket_name)
        CfnOutput(self, "DatabaseSecretArn", value=self.database.secret.secret_arn)


def add_site_stacks(app: App, config: DeployConfig) -> list[FullCloudSiteStack]:
    """A ``<prefix>Site-<name>`` stack for each site named in ``fullCloudSites`` (none when
    unset: the app is then exactly the control plane's two stacks)."""
    return [
        FullCloudSiteStack(
            app, f"{config.prefix}Site-{name}", site=SiteConfig.from_context(app.node, name)
        )
        for name in site_names(config.full_cloud_sites)
    ]
