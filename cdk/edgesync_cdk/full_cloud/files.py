"""The node's data dir on Fargate: an EFS file system and the access point the tasks mount.

It holds the node's signing key (written by ``edgesync node enroll``), the agent lock and the
web session key; images are in S3 and the database in RDS. Encrypted, backed up, retained.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from constructs import Construct

from edgesync_cdk.full_cloud.network import ISOLATED, Network

# The image's user (Dockerfile: useradd --uid 10001): the access point makes every file
# its own, so the key files stay owner-only.
NODE_UID = "10001"
ACCESS_POINT_PATH = "/edgesync"
CLIENT_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")


@dataclass(frozen=True)
class DataFiles:
    """The file system and its one access point."""

    file_system: efs.FileSystem
    access_point: efs.AccessPoint


def data_files(scope: Construct, network: Network) -> DataFiles:
    """Encrypted EFS with automatic backups, mount targets in the isolated subnets."""
    file_system = efs.FileSystem(
        scope,
        "DataFiles",
        vpc=network.vpc,
        vpc_subnets=ISOLATED,
        security_group=network.files,
        encrypted=True,
        enable_automatic_backups=True,
        # The node's key lives here: losing it means enrolling the site again.
        removal_policy=RemovalPolicy.RETAIN,
    )
    access_point = file_system.add_access_point(
        "DataAccessPoint",
        path=ACCESS_POINT_PATH,
        create_acl=efs.Acl(owner_uid=NODE_UID, owner_gid=NODE_UID, permissions="700"),
        posix_user=efs.PosixUser(uid=NODE_UID, gid=NODE_UID),
    )
    return DataFiles(file_system=file_system, access_point=access_point)


def grant_files(role: iam.IRole, files: DataFiles) -> None:
    """Mount and write through the access point, and only through it (no root access)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(CLIENT_ACTIONS),
            resources=[files.file_system.file_system_arn],
            conditions={
                "StringEquals": {
                    "elasticfilesystem:AccessPointArn": files.access_point.access_point_arn
                }
            },
        )
    )
