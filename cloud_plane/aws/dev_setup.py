"""Create the AWS resources of a development cloud (moto server, LocalStack), by name, once.

What the CDK app creates in production (issue 10), made here with plain API calls for an
endpoint such as a moto server: the DynamoDB table, a Cognito user pool with an app client
and the role groups, the delivery queue with its dead-letter queue, a verified SES sender
and a Fernet key kept in Secrets Manager. Every resource is found by its name first, so a
second run reuses what exists (and prints the same settings: the key is read back, not
made again, or webhook secrets sealed with it would become unreadable).

Conventions the rest of the cloud relies on (``auth/cognito.py``): the pool has no
``UsernameAttributes`` (the username is the email address itself), the app client has no
secret and allows ``USER_PASSWORD_AUTH`` and refresh tokens, roles are the groups admin,
manager and viewer. The dev pool's password policy is the local mode's (8 characters, no
character classes) so the same test passwords work in both modes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

from cloud_plane.store.dynamo.schema import create_table

ROLE_GROUPS = ("admin", "manager", "viewer")
MAX_RECEIVE_COUNT = 5
"""Receives of one delivery message before SQS moves it to the dead-letter queue."""
VISIBILITY_TIMEOUT_S = 120
"""Above the delivery lease (60 s default) and the worker's run time, so a redelivered
message finds the lease expired."""
DLQ_RETENTION_S = 14 * 24 * 3600  # the longest SQS keeps a message: time to look at it


@dataclass(frozen=True)
class DevNames:
    """The names of a development cloud's resources, all derived from one prefix."""

    prefix: str = "edgesync-dev"

    @property
    def table(self) -> str:
        return self.prefix

    @property
    def user_pool(self) -> str:
        return f"{self.prefix}-staff"

    @property
    def app_client(self) -> str:
        return f"{self.prefix}-dashboard"

    @property
    def queue(self) -> str:
        return f"{self.prefix}-deliveries"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}-deliveries-dlq"

    @property
    def secret(self) -> str:
        return f"{self.prefix}/secret-key"


def provision(
    client: Callable[[str], Any], *, region: str, sender: str, names: DevNames
) -> dict[str, str]:
    """Create (or find) every resource; return the ``EDGESYNC_CLOUD_*`` settings that use them.

    ``client(service)`` returns a boto3 client for the endpoint; botocore errors propagate.
    """
    create_table(client("dynamodb"), names.table)
    pool_id, client_id = _user_pool(client("cognito-idp"), names)
    queue_url, dlq_url = _queues(client("sqs"), names)
    _sender(client("sesv2"), sender)
    key = _secret_key(client("secretsmanager"), names.secret)
    return {
        "EDGESYNC_CLOUD_STORE": "dynamodb",
        "EDGESYNC_CLOUD_TABLE": names.table,
        "EDGESYNC_CLOUD_SECRET_KEY": key,
        "EDGESYNC_CLOUD_AUTH": "cognito",
        "EDGESYNC_CLOUD_COGNITO_USER_POOL_ID": pool_id,
        "EDGESYNC_CLOUD_COGNITO_CLIENT_ID": client_id,
        "EDGESYNC_CLOUD_AWS_REGION": region,
        "EDGESYNC_CLOUD_DELIVERY_QUEUE_URL": queue_url,
        "EDGESYNC_CLOUD_DELIVERY_DLQ_URL": dlq_url,
        "EDGESYNC_CLOUD_ALERT_EMAIL": "ses",
        "EDGESYNC_CLOUD_ALERT_SES_FROM": sender,
        "EDGESYNC_CLOUD_ALERT_SMS": "sns",
    }


def _user_pool(cognito: Any, names: DevNames) -> tuple[str, str]:
    pool_id = next(
        (
            pool["Id"]
            for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
            for pool in page["UserPools"]
            if pool["Name"] == names.user_pool
        ),
        None,
    )
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=names.user_pool,
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 8,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
    client_id = next(
        (
            c["ClientId"]
            for page in cognito.get_paginator("list_user_pool_clients").paginate(
                UserPoolId=pool_id, MaxResults=60
            )
            for c in page["UserPoolClients"]
            if c["ClientName"] == names.app_client
        ),
        None,
    )
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=names.app_client,
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
    for group in ROLE_GROUPS:
        # A second run: the group is there already.
        with suppress(cognito.exceptions.GroupExistsException):
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
    return pool_id, client_id


def _queues(sqs: Any, names: DevNames) -> tuple[str, str]:
    dlq_url = _queue(sqs, names.dlq, {"MessageRetentionPeriod": str(DLQ_RETENTION_S)})
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
    queue_url = _queue(
        sqs,
        names.queue,
        {"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": str(VISIBILITY_TIMEOUT_S)},
    )
    return queue_url, dlq_url


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def _sender(ses: Any, sender: str) -> None:
    # A second run: the identity is there (verified by the endpoint, or pending).
    with suppress(ses.exceptions.AlreadyExistsException):
        ses.create_email_identity(EmailIdentity=sender)


def _secret_key(secrets: Any, name: str) -> str:
    try:
        return str(secrets.get_secret_value(SecretId=name)["SecretString"])
    except secrets.exceptions.ResourceNotFoundException:
        key = Fernet.generate_key().decode()
        secrets.create_secret(
            Name=name,
            SecretString=key,
            Description="edgesync cloud: the Fernet key sealing webhook secrets at rest",
        )
        return key
