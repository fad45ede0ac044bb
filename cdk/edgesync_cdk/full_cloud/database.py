"""The node's database: RDS PostgreSQL 16, encrypted, backed up, TLS only, never public.

Its credentials are generated into a Secrets Manager secret in RDS's JSON shape (username,
password, host, port, dbname, engine); the tasks get the secret's ARN
(``EDGESYNC_NODE_DATABASE_SECRET_ARN``) and read it at start.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from edgesync_cdk.full_cloud.network import ISOLATED, Network
from edgesync_cdk.full_cloud.site_config import SiteConfig
from edgesync_cdk.nag import suppress

ENGINE = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16)
DATABASE_NAME = "edgesync"
MASTER_USER = "edgesync"
BACKUP_DAYS = 7
STORAGE_GIB = 20
MAX_STORAGE_GIB = 1000
"""Storage autoscaling's ceiling: billed only as it is reached; 400 days of metadata of
about 270 cameras at 10 reads a minute (`edgesync cloud cost --full-cloud`)."""


def site_database(scope: Construct, network: Network, config: SiteConfig) -> rds.DatabaseInstance:
    """db.t4g.small, gp3 20 GiB growing to 1000, single-AZ unless ``multi_az``."""
    parameters = rds.ParameterGroup(
        scope,
        "DatabaseParameters",
        engine=ENGINE,
        description="edgesync node: TLS required",
        # The node connects with sslmode=verify-full; the server refuses anything else.
        parameters={"rds.force_ssl": "1"},
    )
    # Named, so that its log group can exist (with the site's retention) before RDS
    # exports to it; CDK's cloudwatch_logs_retention would add a Lambda to set it.
    identifier = Stack.of(scope).stack_name.lower()
    log_group = logs.LogGroup(
        scope,
        "DatabaseLogs",
        log_group_name=f"/aws/rds/instance/{identifier}/postgresql",
        retention=config.log_retention,
        removal_policy=RemovalPolicy.RETAIN,
    )
    instance = rds.DatabaseInstance(
        scope,
        "Database",
        instance_identifier=identifier,
        engine=ENGINE,
        instance_type=ec2.InstanceType.of(
            ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.SMALL
        ),
        vpc=network.vpc,
        vpc_subnets=ISOLATED,
        security_groups=[network.database],
        publicly_accessible=False,
        credentials=rds.Credentials.from_generated_secret(MASTER_USER),
        database_name=DATABASE_NAME,
        parameter_group=parameters,
        multi_az=config.multi_az,
        storage_type=rds.StorageType.GP3,
        allocated_storage=STORAGE_GIB,
        max_allocated_storage=MAX_STORAGE_GIB,
        storage_encrypted=True,
        backup_retention=Duration.days(BACKUP_DAYS),
        deletion_protection=True,
        # The site's detection log: a final snapshot even if the stack goes.
        removal_policy=RemovalPolicy.SNAPSHOT,
        auto_minor_version_upgrade=True,
        cloudwatch_logs_exports=["postgresql"],
    )
    instance.node.add_dependency(log_group)
    suppress(
        instance,
        "RDS11",
        "The default port 5432: the database is in isolated subnets and its security group "
        "admits only the node's tasks, so another port would hide nothing from anyone",
    )
    if not config.multi_az:
        suppress(
            instance,
            "RDS3",
            "Single-AZ by default for cost (a standby doubles the instance bill); backups "
            "and point-in-time recovery cover a lost AZ, and context fullCloud.multiAz=true "
            "turns the standby on",
        )
    suppress(
        instance.node.find_child("Secret"),  # from_generated_secret's
        "SMG4",
        "Not rotated: the rotation function would need a Secrets Manager endpoint or a NAT "
        "in the isolated subnets (the cost the stack avoids), and the node reads the secret "
        "once at start, so a rotation would cut running tasks off until they restart",
        children=True,
    )
    return instance
