"""`edgesync cloud aws-dev-setup`: the AWS resources of a development cloud, at an endpoint."""

from __future__ import annotations

import os

import click

from cloud_plane.cli_options import fail, print_result

NO_ENDPOINT = (
    "aws-dev-setup creates development resources at AWS_ENDPOINT_URL (e.g. a moto server: "
    "`moto_server -p 5000`, then AWS_ENDPOINT_URL=http://127.0.0.1:5000); it is not set, so "
    "they would be created in a real AWS account. Production resources come from the CDK "
    "app; pass --i-mean-real-aws to create them anyway"
)


@click.command("aws-dev-setup")
@click.option(
    "--sender",
    default="alerts@example.com",
    show_default=True,
    help="Email address alert emails come from (an SES identity is made for it).",
)
@click.option(
    "--prefix",
    default="edgesync-dev",
    show_default=True,
    help="Names of the table, user pool, queues and secret start with this.",
)
@click.option(
    "--region",
    envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
    show_envvar=True,
    help="AWS region of the resources.",
)
@click.option(
    "--i-mean-real-aws",
    "real_aws",
    is_flag=True,
    help="Allow running without AWS_ENDPOINT_URL, against a real account.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def aws_dev_setup(
    sender: str, prefix: str, region: str | None, real_aws: bool, as_json: bool
) -> None:
    """Create (or find, by name) the AWS resources of a development cloud; print its settings.

    For development against an endpoint such as moto server (AWS_ENDPOINT_URL): the
    DynamoDB table, a Cognito user pool with an app client (USER_PASSWORD_AUTH, refresh
    tokens) and the groups admin/manager/viewer, the delivery queue and its dead-letter
    queue, a verified SES sender and a Fernet key (kept in Secrets Manager). Prints the
    EDGESYNC_CLOUD_* settings that use them (--json: one object; else `export` lines).
    Running it again reuses what exists. In production the CDK app creates these.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from cloud_plane.aws.dev_setup import DevNames, provision

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint and not real_aws:
        fail(NO_ENDPOINT)
    if not region:
        fail("aws-dev-setup needs a region: set AWS_REGION or pass --region")
    import boto3

    session = boto3.session.Session(region_name=region)
    try:
        settings = provision(
            lambda service: session.client(service),
            region=region,
            sender=sender,
            names=DevNames(prefix),
        )
    except (BotoCoreError, ClientError) as exc:
        fail(f"aws-dev-setup failed at {endpoint or 'AWS'}: {exc}")
    if endpoint:  # an emulator serves the pool's keys under itself, not at cognito-idp.amazonaws
        pool = settings["EDGESYNC_CLOUD_COGNITO_USER_POOL_ID"]
        jwks = f"{endpoint.rstrip('/')}/{pool}/.well-known/jwks.json"
        settings["EDGESYNC_CLOUD_COGNITO_JWKS_URL"] = jwks
    text = "\n".join(f"export {name}={value}" for name, value in settings.items())
    print_result(as_json, settings, text)
