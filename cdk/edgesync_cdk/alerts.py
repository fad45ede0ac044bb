"""Alert delivery: the SQS queue and its dead-letter queue, the worker's event source, the
SES identity alerts come from, and the account's SMS spend limit."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from cloud_plane.aws.dev_setup import DLQ_RETENTION_S, MAX_RECEIVE_COUNT
from cloud_plane.config import AlertSettings
from edgesync_cdk.config import DeployConfig
from edgesync_cdk.nag import suppress

DELIVERY_TIMEOUT = Duration.seconds(60)
"""A batch's sends run concurrently; the slowest is a webhook's 10 s timeout or an AWS call's
timeouts with botocore's retries, and a cold start adds a few seconds."""
BATCH_SIZE = 10
MAX_CONCURRENCY = 2
"""Concurrent batches at most (2 is SQS's least): plenty for one company's alerts, and it
leaves a new account's 10 concurrent executions to the API."""
_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"  # AwsCustomResource's singleton
# The stack leaves EDGESYNC_CLOUD_ALERT_LEASE_S at its default.
DEFAULT_LEASE_S = float(AlertSettings.model_fields["lease_s"].default)
# AWS's advice for an SQS event source: visibility timeout at least six times the function
# timeout, so a batch retried by the poller is not redelivered while still running. It
# must also exceed the delivery lease, so a redelivered message finds the lease expired.
VISIBILITY_TIMEOUT = Duration.seconds(max(6 * DELIVERY_TIMEOUT.to_seconds(), 2 * DEFAULT_LEASE_S))


@dataclass(frozen=True)
class DeliveryQueues:
    """The delivery queue and its dead-letter queue."""

    queue: sqs.Queue
    dlq: sqs.Queue


def delivery_queues(scope: Construct) -> DeliveryQueues:
    """One message per delivery; five failed receives move it to the dead-letter queue.

    SQS-managed encryption (free) rather than a KMS key: see data.py.
    """
    dlq = sqs.Queue(
        scope,
        "DeliveryDeadLetters",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.seconds(DLQ_RETENTION_S),
    )
    suppress(
        dlq,
        "SQS3",
        "This is the delivery queue's dead-letter queue; messages land here to be looked at",
    )
    queue = sqs.Queue(
        scope,
        "Deliveries",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=VISIBILITY_TIMEOUT,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dlq),
    )
    return DeliveryQueues(queue=queue, dlq=dlq)


def consume_deliveries(fn: lambda_.Function, queue: sqs.IQueue) -> None:
    """Run ``fn`` on batches of the queue, redelivering only the messages it reports failed."""
    fn.add_event_source(
        sources.SqsEventSource(
            queue,
            batch_size=BATCH_SIZE,
            report_batch_item_failures=True,
            max_concurrency=MAX_CONCURRENCY,
        )
    )


def sender_identity(scope: Construct, sender: str) -> ses.EmailIdentity:
    """The SES identity of the alert sender (SES mails it a verification link)."""
    return ses.EmailIdentity(scope, "AlertSenderIdentity", identity=ses.Identity.email(sender))


def sms_spend_limit(scope: Construct, limit_usd: str, config: DeployConfig) -> None:
    """Set the account's SNS MonthlySpendLimit on create and on every update.

    Account-wide (SNS has one SMS setting per account and region); left as it is when the
    stack is deleted.
    """
    call = cr.AwsSdkCall(
        service="SNS",
        action="SetSMSAttributes",
        parameters={"attributes": {"MonthlySpendLimit": limit_usd}},
        physical_resource_id=cr.PhysicalResourceId.of("edgesync-sms-spend-limit"),
    )
    log_group = logs.LogGroup(
        scope,
        "SmsSpendLimitLogs",
        retention=config.log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    resource = cr.AwsCustomResource(
        scope,
        "SmsSpendLimit",
        on_create=call,
        on_update=call,
        # SetSMSAttributes acts on the account's settings: it has no resource to name.
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [iam.PolicyStatement(actions=["sns:SetSMSAttributes"], resources=["*"])]
        ),
        install_latest_aws_sdk=False,  # the runtime's SDK has SetSMSAttributes
        log_group=log_group,
    )
    suppress(
        resource,
        "IAM5",
        "sns:SetSMSAttributes sets account-level SMS settings and has no resource ARN",
        applies_to=["Resource::*"],
        children=True,
    )
    # The provider: a singleton function CDK puts at the stack's root.
    provider = Stack.of(scope).node.find_child(_PROVIDER_ID)
    suppress(
        provider,
        "IAM4",
        "CDK's AwsCustomResource provider runs one SDK call at deploy time; its role has "
        "only AWSLambdaBasicExecutionRole (its logs) besides the call's own statement",
        applies_to=[
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ],
        children=True,
    )
