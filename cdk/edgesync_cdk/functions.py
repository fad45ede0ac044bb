"""The one way this app makes a Lambda function: runtime, code, logs and limits alike."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from edgesync_cdk.config import DeployConfig
from edgesync_cdk.nag import suppress

# x86_64, not arm64: the asset's compiled wheels (pydantic-core, cryptography) are then
# the ones the asset test can import on this machine kind; arm64 would save about 20% of
# a Lambda bill that is under a dollar a month (see `edgesync cloud cost`).
ARCHITECTURE = lambda_.Architecture.X86_64
RUNTIME = lambda_.Runtime.PYTHON_3_12
RUNTIME_PYTHON = "3.12"  # the interpreter the asset's wheels are chosen for

# The handlers of cloud_plane.aws, by role (cloud_plane.aws.requirements.ROLES).
HANDLERS = {
    "api": "cloud_plane.aws.api.handler",
    "delivery": "cloud_plane.aws.delivery.handler",
    "monitor": "cloud_plane.aws.monitor.handler",
}


def edgesync_function(
    scope: Construct,
    construct_id: str,
    *,
    role: str,
    code: lambda_.Code,
    environment: Mapping[str, str],
    config: DeployConfig,
    description: str,
    memory_mb: int = 512,
    timeout: Duration | None = None,
) -> lambda_.Function:
    """A function running ``cloud_plane.aws.<role>.handler`` with its own log group."""
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=config.log_retention,
        # Logs are diagnostics, not records: they go with the stack.
        removal_policy=RemovalPolicy.DESTROY,
    )
    # Its own role with only its own log group, instead of the managed
    # AWSLambdaBasicExecutionRole (logs:CreateLogGroup and writes to every log group).
    execution_role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"edgesync {role} function",
    )
    execution_role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],  # "...:log-group:NAME:*": its streams
        )
    )
    function = lambda_.Function(
        scope,
        construct_id,
        role=execution_role,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        code=code,
        handler=HANDLERS[role],
        environment=dict(environment),
        description=description,
        memory_size=memory_mb,
        timeout=timeout or Duration.seconds(30),
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
    )
    suppress(
        function,
        "L1",
        f"Python {RUNTIME_PYTHON} on purpose: the asset's compiled wheels are built for it "
        "and tested on it (lambda_asset.py); moving on is a deliberate, tested change",
    )
    return function
